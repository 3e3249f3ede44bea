import XCTest
import Imaging
import TestSupport
@testable import MicroModel

final class PropagationTests: XCTestCase {
    private func truth(_ s: SyntheticSequence, _ f: Int) -> Box {
        let b = s.boxes[f]
        return Box(x: b.x, y: b.y, width: b.width, height: b.height)
    }

    /// Two seeds, the object moves, grows by 40 % and is briefly hidden: proposals on the
    /// other frames overlap the truth well.
    func testSyntheticSequenceReachesHighOverlap() throws {
        let seq = SyntheticSequence(frameCount: 90, occluded: 44..<47)
        let seeds = [Seed(frame: 22, box: truth(seq, 22)), Seed(frame: 67, box: truth(seq, 67))]
        let result = try propagateAll(seeds: seeds, frameCount: seq.frameCount, frames: { seq.frame($0) })
        var byFrame: [Int: Box] = [:]
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
        let run = try propagate(from: Seed(frame: 10, box: truth(seq, 10)), direction: .forward, until: 49,
                                frames: { seq.frame($0) })
        XCTAssertEqual(run.end, .sceneCut(frame: 30))
        XCTAssertEqual(run.points.last?.frame, 29)
        XCTAssertEqual(try sceneCuts(in: 0...49, frames: { seq.frame($0) }), [30])
    }

    /// While an occluder hides the object, a run proposes nothing or only low-confidence boxes.
    func testOcclusionGivesNoOrLowConfidence() throws {
        let seq = SyntheticSequence(frameCount: 60, occluded: 30..<42)
        let seed = Seed(frame: 10, box: truth(seq, 10))
        let run = try propagate(from: seed, direction: .forward, until: 59, frames: { seq.frame($0) })
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
        XCTAssertThrowsError(try propagate(from: Seed(frame: 0, box: Box(x: 400, y: 10, width: 20, height: 20)),
                                           direction: .forward, until: 4, frames: { seq.frame($0) })) { error in
            XCTAssertEqual(error as? MicroModelError,
                           .invalidSeed(frame: 0, box: Box(x: 400, y: 10, width: 20, height: 20), width: 320, height: 240))
        }
    }
}
