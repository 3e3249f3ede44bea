import Foundation
import Geometry
import LabelStore
import MicroModel
@testable import Pipeline
import Synthetic
import TestSupport
import XCTest

/// The order in which the engine's workers take windows: the production queue, driven by hand.
final class JobQueueTests: XCTestCase {
    /// Stretch 0 has a forward job (0) and a backward job (1); stretch 1 only a backward job (2).
    private func queue(oneForwardAtATime: Bool) -> JobQueue {
        JobQueue([nil, 0, nil], forward: [0, nil, nil], oneForwardAtATime: oneForwardAtATime)
    }

    /// Calls `next()` on another thread and checks that it waits until `release` runs; returns what it got.
    private func nextWaits(_ jobs: JobQueue, until release: () -> Void, file: StaticString = #filePath, line: UInt = #line) -> Int? {
        let started = expectation(description: "next returns")
        let result = Box()
        Thread {
            result.value = jobs.next() ?? -1
            started.fulfill()
        }.start()
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertNil(result.value, "next() should wait", file: file, line: line)
        release()
        wait(for: [started], timeout: 5)
        return result.value.flatMap { $0 < 0 ? nil : $0 }
    }

    func testABackwardWindowWaitsForItsStretchsForwardWindow() {
        let jobs = queue(oneForwardAtATime: false)
        XCTAssertEqual(jobs.next(), 0, "the forward window first")
        XCTAssertEqual(jobs.next(), 2, "a backward window with no forward window beside it may start")
        XCTAssertEqual(nextWaits(jobs, until: { jobs.done(0) }), 1, "the backward window of stretch 0 waits for its forward window")
        jobs.done(1)
        jobs.done(2)
        XCTAssertNil(jobs.next(), "nothing left")
    }

    func testOnAVideoForwardWindowsGoOneAtATime() {
        // Two stretches, each with a forward (0, 1) and a backward window (2, 3).
        let jobs = JobQueue([nil, nil, 0, 1], forward: [0, 1, nil, nil], oneForwardAtATime: true)
        XCTAssertEqual(jobs.next(), 0)
        XCTAssertEqual(nextWaits(jobs, until: { jobs.done(0) }), 1, "the second forward window waits for the first")
        XCTAssertEqual(jobs.next(), 2, "the backward window over the stretch just read runs beside it")
        XCTAssertEqual(nextWaits(jobs, until: { jobs.done(1) }), 3)
        jobs.done(2)
        jobs.done(3)
        XCTAssertNil(jobs.next())
    }

    func testOnAFolderForwardWindowsRunSideBySide() {
        let jobs = JobQueue([nil, nil, 0, 1], forward: [0, 1, nil, nil], oneForwardAtATime: false)
        XCTAssertEqual(jobs.next(), 0)
        XCTAssertEqual(jobs.next(), 1)
    }
}

private final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int?
    var value: Int? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

final class ObjectConflictTests: XCTestCase {
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

    /// In the store, the losing proposals go and the winners stay as they were, raw score and all,
    /// so that the calibration still learns from them once they are reviewed.
    func testConflictsInTheStoreKeepTheWinnersScores() throws {
        let directory = try Fixtures.temporaryDirectory("conflicts")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (project, _, first) = try makeSeededProject(SyntheticSequence(frameCount: 4), seedFrames: [], in: directory)
        let second = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id).id
        let a = BoxRect(x: 10, y: 10, width: 20, height: 20), far = BoxRect(x: 100, y: 10, width: 20, height: 20)
        try project.replaceProposals(objectID: first, frames: 0...3, with: [
            ProposedBox(frame: 1, rect: a, confidence: 0.9, score: 0.8), ProposedBox(frame: 2, rect: a, confidence: 0.3, score: 0.2)])
        try project.replaceProposals(objectID: second, frames: 0...3, with: [
            ProposedBox(frame: 1, rect: a, confidence: 0.4, score: 0.3), ProposedBox(frame: 2, rect: a, confidence: 0.8, score: 0.7),
            ProposedBox(frame: 3, rect: far, confidence: 0.2, score: 0.1)])

        try resolveObjectConflicts(in: project)
        let pending = try project.pendingProposals(orderedBy: .frame)
        XCTAssertEqual(pending.map { [$0.objectID, Int64($0.frame)] }, [[first, 1], [second, 2], [second, 3]])
        try project.perform("accept") { try $0.setKind(ids: pending.map(\.id), to: .accepted) }
        XCTAssertEqual(try project.scoredDecisions().map(\.score).sorted(), [0.1, 0.7, 0.8])
    }
}
