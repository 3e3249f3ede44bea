import Geometry
import LabelStore
import Exchange
import Foundation
import TestSupport
import XCTest

final class SeededEvaluationTests: XCTestCase {
    private var fixtures: URL {
        Fixtures.repositoryRoot.appendingPathComponent("Tests/ExchangeTests/Fixtures")
    }

    /// Reference numbers from `python3 shared/tools/seedeval.py score SEQ eval-predictions.txt` with
    /// SEQ/groundtruth_rect.txt = eval-groundtruth.txt (printed: frames=247 AO=0.440 AUC=0.441
    /// SR50=0.502 P20=0.652 AP50=0.260 GAIN=41.3); full precision from its score() function.
    func testScoresEqualSeedevalOnTheFixture() throws {
        let truth = try SeededEvaluation.groundTruth(contentsOf: fixtures.appendingPathComponent("eval-groundtruth.txt"))
        let predictionsURL = fixtures.appendingPathComponent("eval-predictions.txt")
        let predictions = try SeededEvaluation.predictions(parsingMOT: String(contentsOf: predictionsURL, encoding: .utf8),
                                                           path: predictionsURL.path)
        XCTAssertEqual(truth.count, 250)
        let scores = try SeededEvaluation.score(groundTruth: truth, predictions: predictions)
        XCTAssertEqual(scores.seedFrames, [41, 125, 208])
        XCTAssertEqual(scores.frames, 247)
        XCTAssertEqual(scores.ao, 0.44024340344590057, accuracy: 1e-12)
        XCTAssertEqual(scores.auc, 0.440524387892809, accuracy: 1e-12)
        XCTAssertEqual(scores.sr50, 0.5020242914979757, accuracy: 1e-12)
        XCTAssertEqual(scores.p20, 0.6518218623481782, accuracy: 1e-12)
        XCTAssertEqual(scores.ap50, 0.2598106114951001, accuracy: 1e-12)
        XCTAssertEqual(scores.gain, 41.33333333333333, accuracy: 1e-9)
        XCTAssertEqual(scores.description, "frames=247 AO=0.440 AUC=0.441 SR50=0.502 P20=0.652 AP50=0.260 GAIN=41.3")
    }

    /// The chain `eval` uses: the project's boxes, as the MOT export with pending boxes writes them.
    func testScoresOfTheMOTExportOfADatasetEqualSeedeval() throws {
        let truth = try SeededEvaluation.groundTruth(contentsOf: fixtures.appendingPathComponent("eval-groundtruth.txt"))
        let predictionsURL = fixtures.appendingPathComponent("eval-predictions.txt")
        let parsed = try SeededEvaluation.predictions(parsingMOT: String(contentsOf: predictionsURL, encoding: .utf8),
                                                      path: predictionsURL.path)
        var trackOfBox: [Int64] = []
        var previousFrame = -1, nextTrack: Int64 = 1
        for box in parsed {
            nextTrack = box.frame == previousFrame ? nextTrack + 1 : 1
            previousFrame = box.frame
            trackOfBox.append(nextTrack)
        }
        let dataset = Dataset(labels: ["target"], boxes: zip(parsed, trackOfBox).map { box, track in
            DatasetBox(frame: box.frame, trackID: track, label: "target", rect: box.rect, kind: .proposal, confidence: box.confidence)
        }, frameCount: 260, width: 1000, height: 1000)

        let folder = try Fixtures.temporaryDirectory("exchange-eval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let mot = folder.appendingPathComponent("boxes.txt")
        _ = try DatasetExporter.export(dataset, format: .mot, to: mot, options: ExportOptions(includePending: true))
        let exported = try SeededEvaluation.predictions(parsingMOT: String(contentsOf: mot, encoding: .utf8), path: mot.path)
        let fromDataset = try SeededEvaluation.predictions(from: dataset)
        XCTAssertEqual(exported, fromDataset)
        let scores = try SeededEvaluation.score(groundTruth: truth, predictions: fromDataset)
        XCTAssertEqual(scores.ao, 0.44024340344590057, accuracy: 1e-12)
        XCTAssertEqual(scores.ap50, 0.2598106114951001, accuracy: 1e-12)
        XCTAssertEqual(scores.description, "frames=247 AO=0.440 AUC=0.441 SR50=0.502 P20=0.652 AP50=0.260 GAIN=41.3")
    }

    func testSeedFramesFollowTheProtocol() {
        XCTAssertEqual(SeededEvaluation.seedFrames(frameCount: 120), [30, 90])
        XCTAssertEqual(SeededEvaluation.seedFrames(frameCount: 100), [50])
        XCTAssertEqual(SeededEvaluation.seedFrames(frameCount: 201), [33, 100, 167])
    }

    func testPerfectPredictionsScoreOneAndMissingFramesScoreZero() throws {
        let truth = (0..<50).map { BoxRect(x: Double($0), y: 10, width: 20, height: 30) }
        let perfect = truth.enumerated().map { ScoredBox(frame: $0.offset, rect: $0.element, confidence: 0.9) }
        let all = try SeededEvaluation.score(groundTruth: truth, predictions: perfect)
        XCTAssertEqual(all.ao, 1)
        XCTAssertEqual(all.sr50, 1)
        XCTAssertEqual(all.ap50, 1, accuracy: 1e-12)
        XCTAssertEqual(all.gain, 49)

        let half = perfect.filter { $0.frame % 2 == 0 }
        let partial = try SeededEvaluation.score(groundTruth: truth, predictions: half)
        // Frame 25 (odd) is the seed; 25 of the other 49 frames are even.
        XCTAssertEqual(partial.ao, 25.0 / 49.0, accuracy: 1e-12)
        XCTAssertEqual(partial.p20, 25.0 / 49.0, accuracy: 1e-12)
    }

    func testTheHighestConfidenceBoxIsTheAnswer() throws {
        let truth = (0..<10).map { _ in BoxRect(x: 0, y: 0, width: 10, height: 10) }
        let far = BoxRect(x: 50, y: 50, width: 10, height: 10)
        var boxes = (0..<10).map { ScoredBox(frame: $0, rect: truth[$0], confidence: 0.5) }
        boxes.append(ScoredBox(frame: 3, rect: far, confidence: 0.8))
        let scores = try SeededEvaluation.score(groundTruth: truth, predictions: boxes)
        XCTAssertEqual(scores.ao, 8.0 / 9.0, accuracy: 1e-12)
    }

    func testGroundTruthAcceptsCommasTabsAndSpacesAndRejectsShortLines() throws {
        let truth = try SeededEvaluation.groundTruth(parsing: "1,2,3,4\n5\t6\t7\t8\n\n9 10 11 12\n", path: "gt.txt")
        XCTAssertEqual(truth, [BoxRect(x: 1, y: 2, width: 3, height: 4), BoxRect(x: 5, y: 6, width: 7, height: 8),
                               BoxRect(x: 9, y: 10, width: 11, height: 12)])
        XCTAssertThrowsError(try SeededEvaluation.groundTruth(parsing: "1,2,3,4\n1,2,3\n", path: "gt.txt")) { error in
            XCTAssertTrue("\(error)".contains("gt.txt: line 2"), "\(error)")
        }
    }

    func testPredictionsFromADatasetAreWhatTheMOTExportWrites() throws {
        let dataset = Dataset(labels: ["a"], boxes: [
            DatasetBox(frame: 2, trackID: 1, label: "a", rect: BoxRect(x: -5, y: 0, width: 20, height: 10), kind: .seed),
            DatasetBox(frame: 3, trackID: 1, label: "a", rect: BoxRect(x: 1, y: 1, width: 5, height: 5), kind: .proposal, confidence: 0.25),
            DatasetBox(frame: 4, trackID: 1, label: "a", rect: BoxRect(x: 1, y: 1, width: 5, height: 5), kind: .rejected, confidence: 0.5),
        ], frameCount: 10, width: 100, height: 100)
        let boxes = try SeededEvaluation.predictions(from: dataset)
        XCTAssertEqual(boxes, [ScoredBox(frame: 2, rect: BoxRect(x: 0, y: 0, width: 15, height: 10), confidence: 1),
                               ScoredBox(frame: 3, rect: BoxRect(x: 1, y: 1, width: 5, height: 5), confidence: 0.25)])
    }
}
