import Foundation
import Geometry
import Imaging
import LabelStore
@testable import Pipeline
import ReviewRoom
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

    private func makeProject(_ sequence: SyntheticSequence, seedFrames: [Int]) throws -> (Project, FolderSource) {
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
        return (project, source)
    }

    func testATrainingReportsProgressWritesAndFinishes() throws {
        let sequence = SyntheticSequence(frameCount: 40)
        let (project, source) = try makeProject(sequence, seedFrames: [10, 30])
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
