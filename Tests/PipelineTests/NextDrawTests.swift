import Foundation
import Geometry
import LabelStore
@testable import Pipeline
import Synthetic
import TestSupport
import XCTest

/// `NextDraw`: where one drawn box is expected to save the most review.
final class NextDrawTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("next-draw")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private typealias Object = ReviewSnapshot.Object

    /// Pending proposals on every frame of `frames` with the given confidence, ids from `firstID`.
    private func pending(_ frames: ClosedRange<Int>, _ confidence: (Int) -> Double, firstID: Int64) -> [ReviewSnapshot.Pending] {
        frames.enumerated().map { ReviewSnapshot.Pending(id: firstID + Int64($0.offset), frame: $0.element, confidence: confidence($0.element)) }
    }

    private func suggestion(_ outcome: NextDraw.Outcome, file: StaticString = #filePath, line: UInt = #line) throws -> NextDraw.Suggestion {
        guard case let .draw(suggestion, _) = outcome else {
            XCTFail("expected a suggestion, got \(outcome)", file: file, line: line)
            throw XCTSkip("no suggestion")
        }
        return suggestion
    }

    /// A project file with one object seeded on `seeds`, and proposals per stretch written the way
    /// the engine writes them.
    private func project(frameCount: Int, seeds: [Int], proposals: [(ClosedRange<Int>, (Int) -> Double)]) throws -> (Project, Int64) {
        let project = try Project.create(
            at: directory.appendingPathComponent("p-\(UUID().uuidString.prefix(6)).microlabel"),
            source: SourceInfo(path: directory.path, kind: .folder, frameCount: frameCount, width: 320, height: 240, fps: 25),
            labels: ["thing"])
        let object = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id)
        for frame in seeds {
            _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: BoxRect(x: 10, y: 10, width: 30, height: 40)))
        }
        for (frames, confidence) in proposals {
            let boxes = frames.filter { !seeds.contains($0) }.map {
                ProposedBox(frame: $0, rect: BoxRect(x: 12, y: 11, width: 30, height: 40), confidence: confidence($0))
            }
            try project.replaceProposals(objectID: object.id, frames: frames, with: boxes)
        }
        return (project, object.id)
    }

    /// Of four stretches, the one whose proposals are least trustworthy gets the box, wherever it is.
    func testPicksTheStretchWithTheLeastTrustworthyProposals() throws {
        for hard in [1, 2] {
            let seeds = [0, 100, 200, 300, 399]
            let stretches = zip(seeds, seeds.dropFirst()).map { $0...$1 }
            let (project, objectID) = try project(frameCount: 400, seeds: seeds, proposals: stretches.enumerated().map { index, frames in
                switch index {
                case hard: return (frames, { 0.35 + 0.002 * Double(abs($0 - frames.lowerBound - 50)) })
                case 3 - hard: return (frames, { _ in 0.8 })  // unsure too, but less so
                default: return (frames, { _ in 0.999 })
                }
            })
            let outcome = try NextDraw.suggest(in: project)
            let s = try suggestion(outcome)
            XCTAssertEqual(s.objectID, objectID)
            XCTAssertEqual(s.stretchStart, seeds[hard], "stretch \(hard) is the least trustworthy")
            XCTAssertEqual(s.stretchEnd, seeds[hard + 1])
            XCTAssertTrue((seeds[hard] + 1..<seeds[hard + 1]).contains(s.frame))
            XCTAssertEqual(s.unsureInStretch, 99)
            XCTAssertEqual(try XCTUnwrap(s.lowestConfidence), 0.35, accuracy: 1e-9)
            XCTAssertGreaterThan(s.expectedChecksSaved, 1)
            XCTAssertEqual(s.netSavingSeconds, s.expectedSavingSeconds - 7, accuracy: 1e-9)
            guard case let .draw(_, left) = outcome else { return }
            XCTAssertEqual(left.pending, 3 * 99 + 98)
            XCTAssertGreaterThanOrEqual(left.autoAcceptable, 99 + 98, "the two easy stretches reach 0.99")
            XCTAssertEqual(left.unsure, left.pending - left.autoAcceptable)
            XCTAssertLessThanOrEqual(s.expectedSavingSeconds, left.seconds)
        }
    }

    /// Lower confidence, or more proposals to check, means more review saved by the same box.
    func testSavingGrowsWithDoubtAndWithWork() throws {
        func saving(_ confidence: Double, length: Int) throws -> Double {
            let easy = pending(1...99, { _ in 0.999 }, firstID: 1)
            let hard = pending(101...(100 + length), { _ in confidence }, firstID: 1000)
            let object = Object(id: 1, seeds: [0, 100, 101 + length], pending: easy + hard)
            return try suggestion(NextDraw.suggest(ReviewSnapshot(frameCount: 102 + length, objects: [object], engineHasRun: true)))
                .expectedSavingSeconds
        }
        XCTAssertGreaterThan(try saving(0.2, length: 40), try saving(0.6, length: 40))
        XCTAssertGreaterThan(try saving(0.6, length: 40), try saving(0.9, length: 40))
        XCTAssertGreaterThan(try saving(0.6, length: 80), try saving(0.6, length: 20))
    }

    /// Frames between two decided boxes that no run reached need a drawn box: the box goes where
    /// its runs cover most of them, mid-gap.
    func testAGapNoRunReachedGetsTheBoxInItsMiddle() throws {
        let near = pending(1...150, { _ in 0.999 }, firstID: 1) + pending(850...999, { _ in 0.999 }, firstID: 1000)
        let object = Object(id: 7, seeds: [0, 1000], pending: near)
        let s = try suggestion(NextDraw.suggest(ReviewSnapshot(frameCount: 1001, objects: [object], engineHasRun: true)))
        XCTAssertEqual(s.objectID, 7)
        XCTAssertEqual(s.missingInStretch, 699)
        XCTAssertEqual(s.unsureInStretch, 0)
        XCTAssertNil(s.confidenceAtFrame)
        XCTAssertEqual(Double(s.frame), 500, accuracy: 2, "the middle of frames 151-849")
        XCTAssertGreaterThan(s.netSavingSeconds, 0)
        // Before the first and after the last decided box the object may have left: no box asked for.
        let outer = Object(id: 7, seeds: [500], pending: pending(350...499, { _ in 0.999 }, firstID: 1))
        guard case .nothingLeft = NextDraw.suggest(ReviewSnapshot(frameCount: 1001, objects: [outer], engineHasRun: true)) else {
            return XCTFail("frames no run reached outside the seeds are not asked for")
        }
    }

    /// A rejected box with nothing in its place needs a drawn box.
    func testARejectedFrameNeedsABox() throws {
        let object = Object(id: 1, seeds: [0, 60],
                            rejected: [.init(frame: 30, confidence: 0.4)],
                            pending: pending(1...29, { _ in 0.999 }, firstID: 1) + pending(31...59, { _ in 0.999 }, firstID: 100))
        let s = try suggestion(NextDraw.suggest(ReviewSnapshot(frameCount: 61, objects: [object], engineHasRun: true)))
        XCTAssertEqual(s.frame, 30)
        XCTAssertEqual(s.missingInStretch, 1)
    }

    /// With every box accepted, or every pending one taken by the precision target, nothing is left.
    func testNothingLeftWhenEverythingIsAcceptedOrAcceptable() throws {
        let accepted = Object(id: 1, seeds: [0, 50], accepted: (1...49).map { .init(frame: $0, confidence: 0.7) })
        guard case let .nothingLeft(left) = NextDraw.suggest(ReviewSnapshot(frameCount: 51, objects: [accepted], engineHasRun: true)) else {
            return XCTFail("everything is decided")
        }
        XCTAssertEqual(left.pending, 0)
        XCTAssertEqual(left.seconds, 0)

        let acceptable = Object(id: 1, seeds: [0, 50], pending: pending(1...49, { _ in 0.995 }, firstID: 1))
        guard case let .nothingLeft(all) = NextDraw.suggest(ReviewSnapshot(frameCount: 51, objects: [acceptable], engineHasRun: true)) else {
            return XCTFail("the precision target takes every pending proposal")
        }
        XCTAssertEqual(all.pending, 49)
        XCTAssertEqual(all.autoAcceptable, 49)
        // A stricter target leaves them to check.
        XCTAssertNoThrow(try suggestion(NextDraw.suggest(ReviewSnapshot(frameCount: 51, objects: [acceptable], engineHasRun: true), precision: 0.999)))
    }

    /// No frames, no seeds, and seeds the engine has not run on yet are told apart.
    func testEmptyProjectsAreToldApart() throws {
        func outcome(_ frameCount: Int, _ objects: [Object], ran: Bool = false) -> String {
            switch NextDraw.suggest(ReviewSnapshot(frameCount: frameCount, objects: objects, engineHasRun: ran)) {
            case .noFrames: return "no frames"
            case .noSeeds: return "no seeds"
            case .noProposals: return "no proposals"
            case .nothingLeft: return "nothing left"
            case .draw: return "draw"
            }
        }
        XCTAssertEqual(outcome(0, []), "no frames")
        XCTAssertEqual(outcome(100, []), "no seeds")
        XCTAssertEqual(outcome(100, [Object(id: 1, seeds: [])]), "no seeds")
        XCTAssertEqual(outcome(100, [Object(id: 1, seeds: [10, 90])]), "no proposals")
        XCTAssertEqual(outcome(100, [Object(id: 1, seeds: [10, 90])], ran: true), "draw", "the runs reached nothing between two seeds")
        XCTAssertEqual(outcome(100, [Object(id: 1, seeds: [10])], ran: true), "nothing left")
    }

    /// Trust per distance never rises with distance; the bands tile the distances up to the reach.
    func testTrustBandsAndTheirMonotoneFit() {
        let bands = DistanceBands(reach: 150)
        var next = 1
        for k in 0..<bands.count {
            let r = bands.range(k)
            XCTAssertEqual(r.lowerBound, next)
            for d in r { XCTAssertEqual(bands.band(of: d), k, "distance \(d)") }
            next = r.upperBound + 1
        }
        XCTAssertEqual(next, 151)
        XCTAssertEqual(TrustProfile.nonIncreasing([0.9, 0.5, 0.7, 0.2], weights: [1, 1, 1, 1]), [0.9, 0.6, 0.6, 0.2])
        XCTAssertEqual(TrustProfile.nonIncreasing([0.2, 0.4], weights: [3, 1]), [0.25, 0.25])
        XCTAssertEqual(TrustProfile.distance(from: 5, to: [0, 8, 20]), 3)
        XCTAssertEqual(TrustProfile.distance(from: 30, to: [0, 8, 20]), 10)
    }

    /// On a generated sequence propagated by the engine, the box goes to the stretch whose
    /// proposals the engine trusts least: the one where the object is hidden for a while.
    func testOnAGeneratedSequenceTheOccludedStretchGetsTheBox() throws {
        let sequence = SyntheticSequence(frameCount: 64, occluded: 40..<50)
        let (project, source, objectID) = try makeSeededProject(sequence, seedFrames: [2, 32, 62], in: directory)
        _ = try PropagationEngine(project: project, frames: source).run()
        let proposals = try project.boxes(kinds: [.proposal])
        func meanConfidence(_ frames: ClosedRange<Int>) -> Double {
            let inside = proposals.filter { frames.contains($0.frame) }.map(\.confidence)
            return inside.isEmpty ? 0 : inside.reduce(0, +) / Double(inside.count)
        }
        let clear = meanConfidence(3...31), hidden = meanConfidence(33...61)
        XCTAssertLessThan(hidden, clear, "the engine trusts the occluded stretch less (\(hidden) against \(clear))")
        // A target both stretches miss, so that each has proposals to check.
        let s = try suggestion(NextDraw.suggest(in: project, precision: 0.9999))
        XCTAssertEqual(s.objectID, objectID)
        XCTAssertEqual(s.stretchStart, 32)
        XCTAssertEqual(s.stretchEnd, 62)
    }
}
