import Foundation
import Imaging
import Geometry
import LabelStore
import MicroModel
@testable import Pipeline
import Synthetic
import TestSupport
import XCTest

/// A frame source that runs `hook` the first time each frame is read, to stand in for what
/// another process or the file system does while a pass runs.
private final class HookedSource: FrameSource, @unchecked Sendable {
    let base: any FrameSource
    let hook: (Int) throws -> Void
    private let lock = NSLock()
    private var seen = Set<Int>()
    var frameCount: Int { base.frameCount }
    var width: Int { base.width }
    var height: Int { base.height }
    var fps: Double { base.fps }

    init(_ base: any FrameSource, hook: @escaping (Int) throws -> Void) {
        self.base = base
        self.hook = hook
    }

    func frame(at index: Int, scale: Int) throws -> RGBImage {
        lock.lock()
        let first = seen.insert(index).inserted
        lock.unlock()
        if first { try hook(index) }
        return try base.frame(at: index, scale: scale)
    }
}

private struct SimulatedCrash: Error {}

/// The engine when the world changes under it: frames that vanish, seeds added by another
/// process during a pass, a pass that dies half-way.
final class EngineHardeningTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("engine-hardening")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testFramesRemovedAfterCreationStopRunsThereAndTheRestIsComputed() throws {
        let sequence = SyntheticSequence(frameCount: 40)
        let (project, _, _) = try makeSeededProject(sequence, seedFrames: [5, 30], in: directory)
        let folder = directory.appendingPathComponent("frames")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("0015.ppm"))
        for n in 37...40 { try FileManager.default.removeItem(at: folder.appendingPathComponent(String(format: "%04d.ppm", n))) }

        let reopened = try FolderSource(folder: folder, fileNames: try XCTUnwrap(project.frameFiles()))
        XCTAssertEqual(reopened.frameCount, 40, "frames keep their numbers")
        XCTAssertEqual(reopened.unreadableFrames.keys.sorted(), [14, 36, 37, 38, 39])
        let frames = RecordedSource(reopened, frameCount: 40, width: sequence.width, height: sequence.height)
        XCTAssertEqual(frames.changes, ["5 frame files are missing"])

        let summary = try PropagationEngine(project: project, frames: frames).run()
        XCTAssertEqual(summary.unreadableFrames.keys.sorted(), [14, 36])
        let proposed = Set(try project.boxes(kinds: [.proposal]).map(\.frame))
        XCTAssertFalse(proposed.contains(14))
        XCTAssertTrue(proposed.isSuperset(of: Set(16...28)), "frames past the gap are still proposed, from the seed after it")
        XCTAssertTrue(proposed.isSuperset(of: Set(31...35)))
        XCTAssertTrue(proposed.isDisjoint(with: Set(36...39)))
        // The stretches that met a missing frame are tried again by the next pass; the others are kept.
        let again = try PropagationEngine(project: project, frames: frames).run()
        XCTAssertEqual(again.unchanged, 1)
        XCTAssertEqual(again.recomputed, 2)
    }

    func testAFrameThatGainsASeedDuringThePassGetsNoProposalsFromIt() throws {
        let sequence = SyntheticSequence(frameCount: 40)
        let (project, source, objectID) = try makeSeededProject(sequence, seedFrames: [5, 35], in: directory)
        // Another writer adds a seed on frame 20 while the stretch 5-35 is being tracked.
        let hooked = HookedSource(source) { index in
            if index == 12 { _ = try project.addBox(NewBox(frame: 20, objectID: objectID, rect: sequence.rect(20))) }
        }
        var config = PropagationConfig()
        config.threads = 1
        let summary = try PropagationEngine(project: project, frames: hooked, config: config).run()
        XCTAssertEqual(summary.stale, 1)
        let proposals = try project.boxes(kinds: [.proposal])
        XCTAssertTrue(proposals.allSatisfy { $0.frame < 5 || $0.frame > 35 }, "nothing written over the stretch whose seeds changed")
        XCTAssertFalse(proposals.contains { $0.frame == 20 })
        // The next pass computes the two new stretches around the new seed.
        let next = try PropagationEngine(project: project, frames: source, config: config).run()
        XCTAssertEqual(next.stale, 0)
        let frames = Set(try project.boxes(kinds: [.proposal]).map(\.frame))
        XCTAssertTrue(frames.isSuperset(of: Set(6...19).union(21...34)))
    }

    /// Accepted boxes are no anchors: one accepted while its stretch is tracked changes nothing
    /// the pass used, so the stretch is written (around the accepted box), not thrown away.
    func testABoxAcceptedDuringThePassDoesNotThrowTheStretchAway() throws {
        let sequence = SyntheticSequence(frameCount: 40)
        let (project, source, objectID) = try makeSeededProject(sequence, seedFrames: [5, 35], in: directory)
        var config = PropagationConfig()
        config.threads = 1
        try PropagationEngine(project: project, frames: source, config: config).run()
        let proposal = try XCTUnwrap(try project.boxes(objectID: objectID, kinds: [.proposal]).first { $0.frame == 20 })
        let hooked = HookedSource(source) { index in
            if index == 12 { try project.setKind(ids: [proposal.id], to: .accepted) }
        }
        let summary = try PropagationEngine(project: project, frames: hooked, config: config).run(force: true)
        XCTAssertEqual(summary.stale, 0)
        XCTAssertEqual(try project.box(id: proposal.id)?.kind, .accepted, "the accepted box stays as it was")
        let frames = Set(try project.boxes(objectID: objectID, kinds: [.proposal]).map(\.frame))
        XCTAssertEqual(frames, Set(0...39).subtracting([5, 20, 35]), "every other frame has a proposal")
    }

    func testAPassThatDiesHalfWayKeepsTheStretchesItWrote() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [10, 30, 50], in: directory)
        var config = PropagationConfig()
        config.threads = 1
        // Dies on the first frame past the seed on frame 50: stretches before it are written by then.
        let dying = HookedSource(source) { index in if index == 51 { throw SimulatedCrash() } }
        XCTAssertThrowsError(try PropagationEngine(project: project, frames: dying, config: config).run())
        let written = Set(try project.boxes(kinds: [.proposal]).map(\.frame))
        XCTAssertTrue(written.isSuperset(of: Set(11...29)), "the first stretch was written before the failure")

        let resumed = try PropagationEngine(project: project, frames: source, config: config).run()
        XCTAssertGreaterThanOrEqual(resumed.unchanged, 2, "stretches written before the failure are not computed again")
        XCTAssertLessThan(resumed.recomputed, 4)
    }

    func testProposalsAreNotWrittenWhenTheDecidedBoxesChanged() throws {
        let sequence = SyntheticSequence(frameCount: 20)
        let (project, _, objectID) = try makeSeededProject(sequence, seedFrames: [2, 12], in: directory)
        let proposal = ProposedBox(frame: 6, rect: BoxRect(x: 10, y: 10, width: 20, height: 20), confidence: 0.5)
        let record = StretchRecord(frames: 2...12, fingerprint: "f", checks: 2, checksPassed: 1)
        let stale = try project.replaceProposals(objectID: objectID, frames: 2...12, with: [proposal],
                                                 ifDecidedAre: [2: sequence.rect(2)], record: record)
        XCTAssertNil(stale, "the seed on frame 12 was not expected")
        XCTAssertEqual(try project.counts().proposals, 0)
        XCTAssertEqual(try project.stretchRecords(), [:], "no record without the proposals")
        let written = try project.replaceProposals(
            objectID: objectID, frames: 2...12, with: [proposal], ifDecidedAre: [2: sequence.rect(2), 12: sequence.rect(12)],
            record: record)
        XCTAssertEqual(written, 1)
        XCTAssertEqual(try project.stretchRecords(), [objectID: [record]], "the record is written with the proposals")
        // Written again without a record (a run met an unreadable frame), the old record goes.
        _ = try project.replaceProposals(objectID: objectID, frames: 2...12, with: [proposal],
                                         ifDecidedAre: [2: sequence.rect(2), 12: sequence.rect(12)], record: nil)
        XCTAssertEqual(try project.stretchRecords(), [:])
    }
}
