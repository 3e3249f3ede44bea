import Foundation
import Geometry
import Imaging
import LabelStore
import MicroModel
@testable import Pipeline
import TestSupport
import XCTest

/// The calibration fitted on a project's own evidence, on a generated sequence.
final class CalibrationFitTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("calibration")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeProject(_ sequence: SyntheticSequence, seedFrames: [Int]) throws -> (Project, FolderSource, Int64) {
        let folder = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<sequence.frameCount {
            try ImageCodec.encodePPM(sequence.frame(index)).write(to: folder.appendingPathComponent(String(format: "%04d.ppm", index + 1)))
        }
        let source = try FolderSource(folder: folder)
        let project = try Project.create(
            at: directory.appendingPathComponent("p.microlabel"),
            source: SourceInfo(path: folder.path, kind: .folder, frameCount: source.frameCount, width: source.width, height: source.height, fps: 25),
            labels: ["thing"])
        let object = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id)
        for frame in seedFrames {
            let b = sequence.boxes[frame]
            _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)))
        }
        return (project, source, object.id)
    }

    /// Held-out checks are stored per stretch and count as evidence; review decisions on scored
    /// proposals then pull the confidence of like-scored proposals their way, past the prior.
    func testReviewDecisionsRecalibrateThePendingProposals() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, object) = try makeProject(sequence, seedFrames: [15, 45])
        let summary = try PropagationEngine(project: project, frames: source).run()
        XCTAssertEqual(summary.calibrationEvidence, 2)
        XCTAssertNotNil(try project.setting(Calibration.checksKey))
        let pending = try project.pendingProposals(orderedBy: .frame)
        XCTAssertTrue(pending.allSatisfy { $0.confidence > 0 && $0.confidence < 1 })

        // A reviewer rejects every proposal outside the seeds (say the label meant something else there).
        let outside = pending.filter { $0.frame < 15 || $0.frame > 45 }
        let inside = pending.filter { $0.frame > 15 && $0.frame < 45 }
        XCTAssertFalse(outside.isEmpty)
        let before = try Calibration.current(project)
        try project.perform("reject") { try $0.setKind(ids: outside.map(\.id), to: .rejected) }
        let decisions = try project.scoredDecisions()
        XCTAssertEqual(decisions.count, outside.count, "rejected proposals keep their raw score as evidence")
        let after = try Calibration.current(project)
        let scores = decisions.map(\.score)
        let dropped = scores.filter { after(object, $0) < before(object, $0) - 0.05 }
        XCTAssertGreaterThan(dropped.count, scores.count / 2, "rejections lower the confidence of scores like theirs")

        // Bulk acceptance that nobody looked at is no evidence.
        try project.perform("accept") { try $0.setKind(ids: inside.map(\.id), to: .accepted) }
        try project.forgetScores(ids: inside.map(\.id))
        XCTAssertEqual(try project.scoredDecisions().count, outside.count)
    }

    /// `accept` without a score, through the engine's summary: what it would take reaches the target.
    func testAutoAcceptPreviewReachesTheTarget() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeProject(sequence, seedFrames: [15, 45])
        let summary = try PropagationEngine(project: project, frames: source).run()
        let selection = PrecisionTarget().select(try project.pendingProposals(), confidence: \.confidence)
        XCTAssertEqual(summary.autoAccept, selection.items.count)
        XCTAssertGreaterThan(selection.items.count, 0, "two landed checks on an easy sequence: some boxes are vouched for")
        XCTAssertGreaterThanOrEqual(selection.expectedPrecision, 0.99)
        let truth = { (f: Int) in BoxRect(x: sequence.boxes[f].x, y: sequence.boxes[f].y, width: sequence.boxes[f].width, height: sequence.boxes[f].height) }
        let right = selection.items.filter { $0.rect.iou(truth($0.frame)) >= 0.5 }.count
        XCTAssertGreaterThanOrEqual(Double(right), 0.97 * Double(selection.items.count), "the vouched-for boxes are right")
    }
}
