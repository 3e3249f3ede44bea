import Geometry
import Synthetic
import XCTest
import Imaging
import TestSupport
@testable import MicroModel

final class PropagationTests: XCTestCase {
    private func truth(_ s: SyntheticSequence, _ f: Int) -> BoxRect {
        let b = s.boxes[f]
        return BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)
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

    /// While an occluder hides the object, a run proposes nothing or only boxes that score below
    /// every visible frame's (so review, lowest first, meets them first), at less than half the
    /// odds of a typical visible frame.
    func testOcclusionGivesNoOrLowConfidence() throws {
        let seq = SyntheticSequence(frameCount: 60, occluded: 30..<42)
        let seed = Seed(frame: 10, box: truth(seq, 10))
        let run = try propagate(Window(seed: seed, direction: .forward, limit: 59), frames: { seq.frame($0) })
        let proposals = stitch(runs: [run], seeds: [seed], imageWidth: seq.width, imageHeight: seq.height)
        let visible = proposals.filter { $0.frame < 30 }.map(\.confidence)
        XCTAssertFalse(visible.isEmpty)
        let visibleMedian = visible.sorted()[visible.count / 2]
        let odds = { (p: Double) in p / (1 - p) }
        let hidden = proposals.filter { (32..<42).contains($0.frame) }
        for p in hidden {
            XCTAssertLessThan(p.confidence, visible.min()!, "frame \(p.frame) is hidden")
        }
        if !hidden.isEmpty {
            XCTAssertLessThan(hidden.map { odds($0.confidence) }.reduce(0, +) / Double(hidden.count), 0.5 * odds(visibleMedian))
        }
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

    /// Two seeds that track well: both runs between them land on the other seed, so both held-out
    /// checks come out right, with a lone run's score; a run that misses the seed it reaches is wrong.
    func testHeldOutOutcomesOfRunsReachingTheNextSeed() throws {
        let seq = SyntheticSequence(frameCount: 30)
        let seeds = [Seed(frame: 5, box: truth(seq, 5)), Seed(frame: 25, box: truth(seq, 25))]
        let runs = try windows(for: seeds, frameCount: 30, maxDistance: 150).map { try propagate($0, frames: { seq.frame($0) }) }
        let outcomes = heldOutOutcomes(runs: runs, seeds: seeds)
        XCTAssertEqual(outcomes.map(\.correct), [true, true])
        for outcome in outcomes { XCTAssert(outcome.score > 0 && outcome.score < 1, "a score is a probability, got \(outcome.score)") }
        let moved = [seeds[0], Seed(frame: 25, box: BoxRect(x: 0, y: 0, width: 12, height: 12))]
        XCTAssertEqual(heldOutOutcomes(runs: runs, seeds: moved).filter(\.correct).count, 1,
                       "the forward run misses the seed that moved away")
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
