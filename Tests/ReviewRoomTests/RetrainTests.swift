import Foundation
import Geometry
import Imaging
import LabelStore
@testable import Pipeline
@testable import ReviewRoom
import Synthetic
import TestSupport
import struct TerminalGraphics.PixelSize
import XCTest

/// Corrections made in review retrain by themselves once the keys rest.
final class RetrainTests: XCTestCase {
    func state(_ store: ReviewStore) -> ReviewState {
        ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                    columns: 120, rows: 40, graphics: .blocks, cellPixels: PixelSize(width: 10, height: 20))
    }

    func testTheIdleEventStartsAPassOnlyWhenCorrectionsWait() {
        var s = state(FakeStore())
        XCTAssertEqual(s.handle(.idle), [], "nothing corrected: nothing to train")
        s.retrainDue = true
        s.training = .running(fraction: 0.5, detail: "")
        XCTAssertEqual(s.handle(.idle), [], "a pass is running: the next rest after it")
        XCTAssertTrue(s.retrainDue)
        s.training = .finished(summary: "")
        XCTAssertEqual(s.handle(.idle), [.startTraining])
        XCTAssertFalse(s.retrainDue)
        XCTAssertTrue(s.training.isRunning)
        XCTAssertTrue(s.message?.text.contains("retraining") ?? false)
        XCTAssertTrue(View.compose(s).line(39).contains("training 0%"), "the status line says a pass runs")

        // A pass started by hand takes in the corrections waiting: none is due after it.
        s.training = .finished(summary: "")
        s.retrainDue = true
        XCTAssertEqual(s.handle(.key(.char("t"))), [.startTraining])
        XCTAssertFalse(s.retrainDue, "no second pass once this one ends")
        // Nor does a pass start while a box is half corrected.
        s.training = .finished(summary: "")
        s.retrainDue = true
        s.mode = .edit(EditSession(fromReview: false))
        XCTAssertEqual(s.handle(.idle), [])
        XCTAssertTrue(s.retrainDue)
    }

    func testARejectionAndAnEditRetrainOnceTheKeysRestWithoutBlockingThem() throws {
        let store = FakeStore()
        let engine = FakeEngine(store: store)
        let session = try ReviewSession(store: store, engine: engine, exporter: nil, state: state(store))
        nonisolated(unsafe) var now = 100.0
        session.clock = { now }
        session.send([.key(.char("n")), .key(.enter), .key(.right), .key(.right), .key(.down), .key(.down), .key(.enter), .key(.char("t"))])
        engine.finish()
        session.pollBackground()
        XCTAssertEqual(engine.startCount, 1)

        session.send([.key(.char("r")), .key(.char("x"))])
        XCTAssertEqual(store.boxes(kind: .rejected).count, 1)
        XCTAssertTrue(session.state.retrainDue)
        now = 101
        session.pollBackground()
        XCTAssertEqual(engine.startCount, 1, "the keys have not rested long enough")
        XCTAssertEqual(session.idleIn() ?? -1, 0.5, accuracy: 1e-9)
        session.send(.key(.right))  // another key: the rest starts again
        now = 102.4
        session.pollBackground()
        XCTAssertEqual(engine.startCount, 1)
        now = 102.6
        session.pollBackground()
        XCTAssertEqual(engine.startCount, 2, "a pass starts by itself")
        XCTAssertTrue(session.state.training.isRunning)
        XCTAssertFalse(session.state.retrainDue)

        // Keys work while the pass runs; an edit made meanwhile waits for the next rest after it.
        let edited = try XCTUnwrap(session.state.currentEntry)
        session.send([.key(.char("e")), .key(.right), .key(.enter)])
        XCTAssertEqual(store.contents.boxes.first { $0.id == edited.id }?.kind, .seed, "the corrected proposal is a seed")
        XCTAssertEqual(session.state.mode, .review)
        XCTAssertTrue(session.state.retrainDue)
        now = 110
        session.pollBackground()
        XCTAssertEqual(engine.startCount, 2, "one pass at a time")
        engine.finish()
        session.pollBackground()
        XCTAssertEqual(engine.startCount, 3, "the pass after it starts once the first is done")

        // No pass trains on a box half corrected: the rest counts once the edit ends.
        engine.finish()
        session.pollBackground()
        XCTAssertFalse(session.state.training.isRunning)
        session.send([.key(.char("e")), .key(.right)])
        XCTAssertTrue(session.state.retrainDue)
        XCTAssertNil(session.idleIn())
        session.send(.key(.enter))
        XCTAssertNotNil(session.idleIn())

        // Without an engine nothing waits.
        let plain = try ReviewSession(store: store, engine: nil, exporter: nil, state: state(store))
        plain.send([.key(.char("r")), .key(.char("x"))])
        XCTAssertNil(plain.idleIn())
    }

    /// On a real project and engine: a corrected proposal becomes a seed, and the pass that
    /// starts by itself recomputes that stretch's proposals and leaves the others alone.
    func testAnEditRecomputesItsStretchOnly() throws {
        let directory = try Fixtures.temporaryDirectory("retrain")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sequence = SyntheticSequence(frameCount: 40)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [0, 20, 39], in: directory)
        let store = try ProjectReviewStore(project: project)
        let engine = EngineTrainer(project: project, frames: source, threads: 2, onWrite: store.invalidation)
        let session = try ReviewSession(store: store, engine: engine, exporter: nil, state: state(store))
        nonisolated(unsafe) var now = 0.0
        session.clock = { now }

        func waitForTheEngine() {
            let deadline = Date().addingTimeInterval(300)
            while (engine.isRunning || session.state.training.isRunning) && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
                session.pollBackground()
            }
            XCTAssertFalse(session.state.training.isRunning, "the pass did not finish")
        }
        func proposals() throws -> [Int: Int64] {
            Dictionary(uniqueKeysWithValues: try project.boxes(kinds: [.proposal]).map { ($0.frame, $0.id) })
        }

        session.send(.key(.char("t")))
        waitForTheEngine()
        let before = try proposals()
        XCTAssertEqual(before.count, 37, "every frame but the seeds")

        // Review by frame, correct the proposal of frame 11 by one cell.
        session.send([.key(.char("r")), .key(.char("s")), .key(.char("s"))])
        XCTAssertEqual(session.state.review.order, .frame)
        session.send(Array(repeating: Event.key(.right), count: 9))
        let entry = try XCTUnwrap(session.state.currentEntry)
        XCTAssertEqual(entry.frame, 10)
        session.send([.key(.char("e")), .key(.right), .key(.enter)])
        XCTAssertEqual(try project.box(id: entry.id)?.kind, .seed)
        XCTAssertFalse(session.state.training.isRunning, "nothing starts while the keys are busy")

        now += ReviewSession.idleDelay + 0.1
        session.pollBackground()
        XCTAssertTrue(session.state.training.isRunning, "the pause starts a pass")
        waitForTheEngine()
        let after = try proposals()
        XCTAssertEqual(after.count, 36)
        XCTAssertNil(after[10], "frame 11 is a seed now")
        for frame in 21...38 { XCTAssertEqual(after[frame], before[frame], "frame \(frame + 1): an unchanged stretch is left alone") }
        for frame in [1, 5, 9, 11, 15, 19] { XCTAssertNotEqual(after[frame], before[frame], "frame \(frame + 1) was recomputed") }
        XCTAssertEqual(session.state.project.counts.seed, 4)
    }
    /// A pass that runs while a proposal is being corrected replaces the stretch's proposals;
    /// the correction is a seed from its first change, so the pass keeps it.
    func testACorrectionInProgressSurvivesAPassOverItsStretch() throws {
        let directory = try Fixtures.temporaryDirectory("edit-during-pass")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sequence = SyntheticSequence(frameCount: 30)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [0, 29], in: directory)
        _ = try PropagationEngine(project: project, frames: source).run()
        let store = try ProjectReviewStore(project: project)
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state(store))
        session.send([.key(.char("r")), .key(.char("e")), .key(.right)])
        let id = try XCTUnwrap(session.state.selection)
        let moved = try XCTUnwrap(try project.box(id: id))
        XCTAssertEqual(moved.kind, .seed, "a seed from the first change")
        XCTAssertNil(session.state.queue.first { $0.id == id }, "no longer pending")

        _ = try PropagationEngine(project: project, frames: source).run(force: true)
        XCTAssertEqual(try project.box(id: id)?.rect, moved.rect, "the pass kept the correction")
        session.send(.storeChanged)
        session.send([.key(.right), .key(.enter)])
        XCTAssertEqual(session.state.mode, .review)
        let stored = try XCTUnwrap(try project.box(id: id))
        XCTAssertEqual(stored.kind, .seed)
        XCTAssertGreaterThan(stored.rect.x, moved.rect.x, "and the moves after it")
    }
}
