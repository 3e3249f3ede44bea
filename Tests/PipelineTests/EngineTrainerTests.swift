import Foundation
import Geometry
import Imaging
import LabelStore
@testable import Pipeline
import ReviewRoom
import Synthetic
import TestSupport
import XCTest

/// The review room's training engine: the engine on a background thread, reporting as it goes.
final class EngineTrainerTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("trainer")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testATrainingReportsProgressWritesAndFinishes() throws {
        let sequence = SyntheticSequence(frameCount: 40)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [10, 30], in: directory)
        let writes = Events()
        let trainer = EngineTrainer(project: project, frames: source, threads: 2, onWrite: { writes.append(.proposalsWritten(count: 0)) })
        let events = Events()
        let finished = expectation(description: "the training finishes")
        try trainer.start(objects: nil) { event in
            events.append(event)
            if case .finished = event { finished.fulfill() }
            if case .failed = event { finished.fulfill() }
        }
        wait(for: [finished], timeout: 120)
        let seen = events.all
        XCTAssertTrue(seen.contains { if case .progress = $0 { return true }; return false })
        let written = seen.compactMap { event -> Int? in if case let .proposalsWritten(count) = event { return count }; return nil }
        XCTAssertEqual(written.count, 3, "one write per stretch: 0-10, 10-30, 30-39")
        XCTAssertEqual(writes.all.count, 3, "onWrite runs after each write")
        XCTAssertEqual(written.reduce(0, +), try project.counts().proposals)
        guard case let .finished(summary) = try XCTUnwrap(seen.last) else { return XCTFail("last event: \(String(describing: seen.last))") }
        XCTAssertTrue(summary.hasPrefix("\(try project.counts().proposals) pending proposals; A would accept "), summary)
        trainer.cancel()
        XCTAssertFalse(trainer.isRunning)
    }
}

private final class Events: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [TrainingEvent] = []
    func append(_ event: TrainingEvent) { lock.lock(); events.append(event); lock.unlock() }
    var all: [TrainingEvent] { lock.lock(); defer { lock.unlock() }; return events }
}
