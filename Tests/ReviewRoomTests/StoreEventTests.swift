import Geometry
import XCTest
@testable import ReviewRoom
import struct TerminalGraphics.PixelSize

/// The reducer alone: what it reads from the store arrives as events, so these tests need
/// no store, no session and no database. Each feeds events and looks at the state and at
/// the next read the state asks for (`dueLoad`).
final class StoreEventTests: XCTestCase {
    let car = ReviewLabel(id: 1, name: "car")
    let car1 = ReviewObject(id: 2, label: 1, name: "car 1")
    let car2 = ReviewObject(id: 3, label: 1, name: "car 2")

    func snapshot(frames: Int = 50, objects: [ReviewObject]? = nil) -> ProjectSnapshot {
        var p = ProjectSnapshot(frameCount: frames, frameSize: PixelSize(width: 640, height: 360))
        p.labels = [car]
        p.objects = objects ?? [car1, car2]
        p.marks = Array(repeating: [], count: frames)
        p.counts = KindCounts(seed: 1, pending: 2)
        return p
    }

    func box(_ id: BoxID, frame: Int, kind: ReviewKind = .pending, confidence: Double = 0.5) -> ReviewBox {
        ReviewBox(id: id, frame: frame, object: car1.id, kind: kind, rect: BoxRect(x: 10, y: 10, width: 40, height: 30), confidence: confidence)
    }

    /// A state as the room starts: nothing read yet.
    func fresh(frame: Int = 0) -> ReviewState {
        ReviewState(project: ProjectSnapshot(frameCount: 50, frameSize: PixelSize(width: 640, height: 360)),
                    columns: 120, rows: 40, graphics: .blocks, frame: frame)
    }

    /// A state that has read its snapshot and the boxes of its frame.
    func loaded(boxes: [ReviewBox] = []) -> ReviewState {
        var s = fresh()
        _ = s.handle(.snapshotLoaded(snapshot()))
        _ = s.handle(.boxesLoaded(frame: 0, boxes))
        return s
    }

    @discardableResult
    func send(_ s: inout ReviewState, _ events: Event...) -> [Effect] {
        events.flatMap { s.handle($0) }
    }

    func testAFreshStateAsksForTheSnapshotThenTheBoxes() {
        var s = fresh()
        XCTAssertEqual(s.dueLoad(settled: true), .loadSnapshot)
        XCTAssertEqual(s.dueLoad(settled: false), .loadBoxes(frame: 0), "boxes do not wait for the end of a batch")
        send(&s, .snapshotLoaded(snapshot()))
        XCTAssertEqual(s.project.counts.pending, 2)
        XCTAssertEqual(s.currentObject, car1.id, "the first snapshot picks the first object")
        XCTAssertEqual(s.currentLabel, car.id)
        XCTAssertEqual(s.dueLoad(settled: true), .loadBoxes(frame: 0))
        send(&s, .boxesLoaded(frame: 0, [box(5, frame: 0)]))
        XCTAssertEqual(s.boxes.map(\.id), [5])
        XCTAssertEqual(s.boxesFrame, 0)
        XCTAssertNil(s.dueLoad(settled: true), "everything shown is what the store holds")
    }

    func testOnlyTheFirstSnapshotPicksAnObject() {
        var s = loaded()
        send(&s, .objectCreated(car2.id, label: car.id))
        XCTAssertEqual(s.currentObject, car2.id)
        send(&s, .snapshotLoaded(snapshot(objects: [car1])))
        XCTAssertNil(s.currentObject, "an object that is gone is forgotten, not replaced")
        XCTAssertEqual(s.currentLabel, car.id)
    }

    func testSteppingAsksForTheNewFramesBoxesAndDropsALateAnswer() {
        var s = loaded(boxes: [box(5, frame: 0)])
        send(&s, .key(.right))
        XCTAssertEqual(s.frame, 1)
        XCTAssertEqual(s.dueLoad(settled: false), .loadBoxes(frame: 1))
        send(&s, .boxesLoaded(frame: 0, [box(6, frame: 0)]))
        XCTAssertEqual(s.boxes.map(\.id), [5], "an answer for a frame no longer shown is dropped")
        send(&s, .boxesLoaded(frame: 1, [box(7, frame: 1)]))
        XCTAssertEqual(s.boxes.map(\.id), [7])
        XCTAssertNil(s.dueLoad(settled: false))
    }

    func testReviewAsksForItsQueueAndLeavingForgetsIt() {
        var s = loaded()
        send(&s, .key(.char("r")))
        let key = QueueKey(tab: .pending, order: .confidenceAscending)
        XCTAssertEqual(s.dueLoad(settled: false), .loadQueue(key))
        send(&s, .queueLoaded(key, [box(8, frame: 12, confidence: 0.2), box(9, frame: 30, confidence: 0.7)]))
        XCTAssertEqual(s.frame, 12, "the queue's first entry is shown")
        XCTAssertEqual(s.selection, 8)
        XCTAssertEqual(s.dueLoad(settled: false), .loadBoxes(frame: 12))
        send(&s, .key(.tab))
        XCTAssertEqual(s.dueLoad(settled: false), .loadQueue(QueueKey(tab: .accepted, order: .confidenceAscending)))
        send(&s, .queueLoaded(key, [box(8, frame: 12)]))
        XCTAssertTrue(s.queue.isEmpty, "an answer for another tab is dropped")
        send(&s, .key(.escape))
        XCTAssertEqual(s.mode, .navigate)
        XCTAssertNil(s.sync.queue)
        XCTAssertNotEqual(s.dueLoad(settled: false), .loadQueue(QueueKey(tab: .accepted, order: .confidenceAscending)),
                          "outside review no queue is read")
    }

    func testAReloadedQueueStaysOnTheSameProposal() {
        var s = loaded()
        let key = QueueKey(tab: .pending, order: .confidenceAscending)
        send(&s, .key(.char("r")), .queueLoaded(key, [box(8, frame: 12), box(9, frame: 30)]), .key(.right))
        XCTAssertEqual(s.selection, 9)
        // Training wrote a proposal that sorts in front of it; the snapshot makes the queue due again.
        send(&s, .training(.proposalsWritten(count: 1)))
        XCTAssertEqual(s.dueLoad(settled: false), .loadBoxes(frame: 30), "the snapshot waits for the end of the batch")
        XCTAssertEqual(s.dueLoad(settled: true), .loadSnapshot)
        send(&s, .snapshotLoaded(snapshot()))
        XCTAssertEqual(s.dueLoad(settled: true), .loadQueue(key))
        send(&s, .queueLoaded(key, [box(10, frame: 3), box(8, frame: 12), box(9, frame: 30)]))
        XCTAssertEqual(s.review.index, 2)
        XCTAssertEqual(s.selection, 9)
        XCTAssertEqual(s.frame, 30)
    }

    /// A pass replaces the proposals it recomputes: the same object and frame come back under
    /// new ids. The cursor and the marks stay on the object and frame they were on, not on the
    /// position in the queue nor on another object of the same frame.
    func testAQueueReloadedWithNewIDsStaysOnTheSameObjectAndFrame() {
        var s = loaded()
        let key = QueueKey(tab: .pending, order: .confidenceAscending)
        func other(_ id: BoxID, frame: Int) -> ReviewBox {
            ReviewBox(id: id, frame: frame, object: car2.id, kind: .pending, rect: BoxRect(x: 200, y: 50, width: 40, height: 30), confidence: 0.5)
        }
        send(&s, .key(.char("r")), .queueLoaded(key, [box(8, frame: 12), box(9, frame: 30), box(10, frame: 41)]))
        send(&s, .key(.char("m")), .key(.right))
        XCTAssertEqual(s.review.marked, [8])
        XCTAssertEqual(s.selection, 9)

        // The retrain's proposals: every id new, two more entries sorting in front, and the
        // other object on the cursor's frame just before car 1's entry there.
        send(&s, .training(.proposalsWritten(count: 5)), .snapshotLoaded(snapshot()))
        XCTAssertEqual(s.dueLoad(settled: true), .loadQueue(key))
        send(&s, .queueLoaded(key, [box(20, frame: 2), box(21, frame: 12), other(22, frame: 30), box(23, frame: 30),
                                    other(24, frame: 35), box(25, frame: 41)]))
        XCTAssertEqual(s.review.index, 3)
        XCTAssertEqual(s.selection, 23)
        XCTAssertEqual(s.currentEntry?.object, car1.id)
        XCTAssertEqual(s.frame, 30)
        XCTAssertEqual(s.review.marked, [21], "the mark follows frame 12's proposal of car 1")

        // A proposal the pass did not bring back leaves the cursor at its place in the queue.
        send(&s, .training(.proposalsWritten(count: 1)), .snapshotLoaded(snapshot()))
        send(&s, .queueLoaded(key, [box(30, frame: 2), box(31, frame: 12), other(32, frame: 30), box(33, frame: 41)]))
        XCTAssertEqual(s.review.index, 3)
        XCTAssertEqual(s.selection, 33)
        XCTAssertEqual(s.review.marked, [31])
    }

    func testWritesMakeTheBoxesDueAtOnceAndTheSnapshotLater() {
        var s = loaded(boxes: [box(5, frame: 0, kind: .seed)])
        let effects = send(&s, .key(.tab), .key(.right))
        guard case .updateBox(5, _)? = effects.last else { return XCTFail("no move: \(effects)") }
        XCTAssertNil(s.dueLoad(settled: false), "a move is already shown: no read")
        XCTAssertEqual(s.dueLoad(settled: true), .loadSnapshot)
        XCTAssertEqual(send(&s, .key(.char("d"))), [.deleteBox(5)])
        XCTAssertTrue(s.boxes.isEmpty, "the box goes at once")
        XCTAssertEqual(s.dueLoad(settled: false), .loadBoxes(frame: 0), "and the frame is read again")
        send(&s, .boxesLoaded(frame: 0, []))
        XCTAssertNil(s.dueLoad(settled: false))
        send(&s, .storeChanged)
        XCTAssertEqual(s.dueLoad(settled: false), .loadBoxes(frame: 0), "a failed write reads the store again")
    }

    func testASmallerSnapshotClampsTheFrameAndDropsAGoneSelection() {
        var s = loaded(boxes: [box(5, frame: 0, kind: .seed)])
        send(&s, .key(.end))
        XCTAssertEqual(s.frame, 49)
        send(&s, .boxesLoaded(frame: 49, [box(6, frame: 49, kind: .seed)]), .key(.tab))
        XCTAssertEqual(s.selection, 6)
        XCTAssertEqual(s.mode, .edit(EditSession(fromReview: false)))
        send(&s, .snapshotLoaded(snapshot(frames: 20)))
        XCTAssertEqual(s.frame, 19)
        send(&s, .boxesLoaded(frame: 19, []))
        XCTAssertNil(s.selection, "the selected box is not on the frame any more")
        XCTAssertEqual(s.mode, .navigate, "and editing it ends")
    }

    func testTrainingProgressReadsNothing() {
        var s = loaded()
        send(&s, .training(.progress(fraction: 0.5, detail: "car 1")))
        XCTAssertNil(s.dueLoad(settled: true))
        send(&s, .training(.finished(summary: "3 proposals")))
        XCTAssertEqual(s.dueLoad(settled: true), .loadSnapshot)
        XCTAssertEqual(s.message?.text, "training finished: 3 proposals")
    }
}
