import struct LabelStore.BoxRect
import XCTest
import Imaging
import TestSupport
@testable import MicroModel

final class PropagationTests: XCTestCase {
    private func truth(_ s: SyntheticSequence, _ f: Int) -> BoxRect {
        let b = s.boxes[f]
        return BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)
    }

    /// Two seeds, the object moves, grows by 40 % and is briefly hidden: proposals on the
    /// other frames overlap the truth well.
    func testSyntheticSequenceReachesHighOverlap() throws {
        let seq = SyntheticSequence(frameCount: 90, occluded: 44..<47)
        let seeds = [Seed(frame: 22, box: truth(seq, 22)), Seed(frame: 67, box: truth(seq, 67))]
        let result = try propagateAll(seeds: seeds, frameCount: seq.frameCount, frames: { seq.frame($0) })
        var byFrame: [Int: BoxRect] = [:]
        for p in result.proposals { byFrame[p.frame] = p.box }
        var total = 0.0, n = 0
        for f in 0..<seq.frameCount where f != 22 && f != 67 {
            total += byFrame[f].map { $0.iou(truth(seq, f)) } ?? 0
            n += 1
        }
        let ao = total / Double(n)
        XCTAssertGreaterThan(ao, 0.8, "average overlap \(ao)")
        XCTAssertEqual(Set(result.runs.map(\.direction)), [.forward, .backward])
        XCTAssertEqual(result.runs.count, 4)
    }

    /// A run stops at the first frame of a new scene and proposes nothing from there on.
    func testSceneCutStopsPropagation() throws {
        let seq = SyntheticSequence(frameCount: 50, cutAt: 30)
        let run = try propagate(Window(seed: Seed(frame: 10, box: truth(seq, 10)), direction: .forward, limit: 49),
                                frames: { seq.frame($0) })
        XCTAssertEqual(run.end, .sceneCut(frame: 30))
        XCTAssertEqual(run.points.last?.frame, 29)
        XCTAssertEqual(try sceneCuts(in: 0...49, frames: { seq.frame($0) }), [30])
    }

    /// While an occluder hides the object, a run proposes nothing or only low-confidence boxes.
    func testOcclusionGivesNoOrLowConfidence() throws {
        let seq = SyntheticSequence(frameCount: 60, occluded: 30..<42)
        let seed = Seed(frame: 10, box: truth(seq, 10))
        let run = try propagate(Window(seed: seed, direction: .forward, limit: 59), frames: { seq.frame($0) })
        let proposals = stitch(runs: [run], seeds: [seed], imageWidth: seq.width, imageHeight: seq.height)
        let visible = proposals.filter { $0.frame < 30 }.map(\.confidence)
        XCTAssertFalse(visible.isEmpty)
        let visibleMedian = visible.sorted()[visible.count / 2]
        for p in proposals where (32..<42).contains(p.frame) {
            XCTAssertLessThan(p.confidence, 0.5 * visibleMedian, "frame \(p.frame) is hidden")
        }
    }

    /// The same input gives the same output, also when windows run on several threads.
    func testDeterministic() throws {
        let seq = SyntheticSequence(frameCount: 40, occluded: 20..<23)
        let seeds = [Seed(frame: 8, box: truth(seq, 8)), Seed(frame: 30, box: truth(seq, 30))]
        var config = PropagationConfig()
        config.threads = 2
        let a = try propagateAll(seeds: seeds, frameCount: 40, frames: { seq.frame($0) }, config: config)
        config.threads = 1
        let b = try propagateAll(seeds: seeds, frameCount: 40, frames: { seq.frame($0) }, config: config)
        XCTAssertEqual(a.proposals, b.proposals)
        XCTAssertEqual(a.runs, b.runs)
    }

    func testInvalidSeedIsReported() {
        let seq = SyntheticSequence(frameCount: 5)
        let seed = Seed(frame: 0, box: BoxRect(x: 400, y: 10, width: 20, height: 20))
        XCTAssertThrowsError(try propagate(Window(seed: seed, direction: .forward, limit: 4),
                                           frames: { seq.frame($0) })) { error in
            XCTAssertEqual(error as? MicroModelError,
                           .invalidSeed(frame: 0, box: BoxRect(x: 400, y: 10, width: 20, height: 20), width: 320, height: 240))
        }
    }

    /// Windows reach from each seed to its neighbours, capped by the maximum distance.
    func testWindows() {
        let b = BoxRect(x: 0, y: 0, width: 10, height: 10)
        let w = windows(for: [Seed(frame: 300, box: b), Seed(frame: 100, box: b)], frameCount: 500, maxDistance: 150)
        XCTAssertEqual(w.map(\.limit), [0, 250, 150, 450])
        XCTAssertEqual(w.map(\.direction), [.backward, .forward, .backward, .forward])
    }

    /// After a reviewer rejects a proposal, propagating again does not bring it back.
    func testRejectedProposalDoesNotComeBack() throws {
        let seq = SyntheticSequence(frameCount: 30)
        let seeds = [Seed(frame: 5, box: truth(seq, 5))]
        let first = try propagateAll(seeds: seeds, frameCount: 30, frames: { seq.frame($0) })
        let bad = try XCTUnwrap(first.proposals.first { $0.frame == 20 })
        let again = try propagateAll(seeds: seeds, rejected: [20: [bad.box]], frameCount: 30, frames: { seq.frame($0) })
        XCTAssertFalse(again.proposals.contains { $0.frame == 20 && $0.box.iou(bad.box) > 0.5 })
        XCTAssertTrue(again.proposals.contains { $0.frame == 19 }, "other frames keep their proposals")
    }

    /// A hard negative lowers the model's answer to what was rejected, and less so elsewhere.
    func testHardNegativeLowersResponse() throws {
        let seq = SyntheticSequence(frameCount: 12)
        let box = truth(seq, 2)
        let plain = CorrelationTracker(image: seq.frame(2), box: box)
        // A look-alike the reviewer rejected: here the object itself, later on.
        let rejected = truth(seq, 11)
        let taught = CorrelationTracker(image: seq.frame(2), box: box, negatives: [(seq.frame(11), rejected)])
        let before = plain.response(at: rejected, in: seq.frame(11))
        let after = taught.response(at: rejected, in: seq.frame(11))
        XCTAssertGreaterThan(before, 0.3)
        XCTAssertLessThan(after, 0.6 * before)
    }

    /// Where two objects claim the same box, the less confident claim is dropped.
    func testConflictingObjectsKeepTheMoreConfident() {
        let a = BoxRect(x: 10, y: 10, width: 20, height: 20)
        let far = BoxRect(x: 100, y: 10, width: 20, height: 20)
        let first = [Proposal(frame: 1, box: a, confidence: 0.9), Proposal(frame: 2, box: a, confidence: 0.3)]
        let second = [Proposal(frame: 1, box: a, confidence: 0.4), Proposal(frame: 2, box: a, confidence: 0.8),
                      Proposal(frame: 3, box: far, confidence: 0.2)]
        let out = resolveConflicts([first, second])
        XCTAssertEqual(out[0].map(\.frame), [1])
        XCTAssertEqual(out[1].map(\.frame), [2, 3])
    }
}

final class SceneCutTests: XCTestCase {
    /// Sky above grass, then the same colours swapped: the palette is the same but it is a cut.
    func testCutBetweenShotsOfOnePalette() throws {
        func shot(skyOnTop: Bool, shift: Int) -> RGBImage {
            var image = RGBImage(width: 160, height: 120)
            for y in 0..<120 {
                for x in 0..<160 {
                    let top = y < 60
                    let wave = UInt8((x + shift) % 16 * 2)
                    image[x, y] = top == skyOnTop ? RGB(90 &+ wave, 150, 230) : RGB(60, 170 &+ wave, 50)
                }
            }
            return image
        }
        let frames: (Int) -> RGBImage = { i in shot(skyOnTop: i < 3, shift: i * 2) }
        XCTAssertEqual(try sceneCuts(in: 0...5, frames: frames), [3])
    }
}
