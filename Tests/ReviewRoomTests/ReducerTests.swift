import Geometry
import XCTest
@testable import ReviewRoom
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode

final class ReducerTests: XCTestCase {
    var store: FakeStore!
    var engine: FakeEngine!
    var exporter: FakeExporter!
    var session: ReviewSession!

    override func setUpWithError() throws {
        store = FakeStore()
        engine = FakeEngine(store: store)
        exporter = FakeExporter()
        session = try makeSession(graphics: .blocks)
    }

    func makeSession(graphics: GraphicsMode, columns: Int = 120, rows: Int = 40) throws -> ReviewSession {
        let project = ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize)
        let state = ReviewState(project: project, columns: columns, rows: rows, graphics: graphics,
                                cellPixels: PixelSize(width: 10, height: 20), exportFormats: exporter.formats)
        return try ReviewSession(store: store, engine: engine, exporter: exporter, state: state)
    }

    func press(_ keys: Key...) { session.send(keys.map { .key($0) }) }
    func type(_ text: String) { session.send(text.map { .key(.char($0)) }) }
    var state: ReviewState { session.state }

    /// Draws a box from the view centre, `right` and `down` cells to the opposite corner.
    func drawBox(right: Int, down: Int) {
        press(.char("n"), .enter)
        session.send(Array(repeating: Event.key(.right), count: right) + Array(repeating: Event.key(.down), count: down))
        press(.enter)
    }

    // MARK: Navigation

    func testArrowsStepFramesWithinBounds() {
        press(.right, .right, .char("l"))
        XCTAssertEqual(state.frame, 3)
        press(.left, .char("h"), .left, .left, .left)
        XCTAssertEqual(state.frame, 0, "stepping back stops at the first frame")
        press(Key.right.shifted, .char("L"))
        XCTAssertEqual(state.frame, 20)
        press(Key.left.shifted)
        XCTAssertEqual(state.frame, 10)
        press(.pageDown)
        XCTAssertEqual(state.frame, 110)
        press(.pageDown)
        XCTAssertEqual(state.frame, 131, "stops at the last frame")
        press(.home)
        XCTAssertEqual(state.frame, 0)
        press(.end)
        XCTAssertEqual(state.frame, 131)
        press(.pageUp)
        XCTAssertEqual(state.frame, 31)
    }

    func testGoToFramePromptIsOneBased() {
        press(.char("g"))
        type("42")
        XCTAssertEqual(state.mode.context, .prompt)
        press(.enter)
        XCTAssertEqual(state.frame, 41)
        XCTAssertEqual(state.mode, .navigate)
        press(.char("g"))
        type("999")
        press(.enter)
        XCTAssertEqual(state.frame, 41, "an out-of-range number does not move")
        XCTAssertEqual(state.message?.isError, true)
        press(.char("g"), .char("7"), .backspace, .char("5"), .enter)
        XCTAssertEqual(state.frame, 4)
    }

    func testSeedAndPendingJumps() throws {
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        _ = try store.addSeed(frame: 10, target: .object(object), rect: BoxRect(x: 1, y: 1, width: 5, height: 5))
        _ = try store.addSeed(frame: 50, target: .object(object), rect: BoxRect(x: 1, y: 1, width: 5, height: 5))
        store.propose(frame: 30, object: object, rect: BoxRect(x: 1, y: 1, width: 5, height: 5), confidence: 0.5)
        session.send(.storeChanged)
        press(.char("]"))
        XCTAssertEqual(state.frame, 10)
        press(.char("]"))
        XCTAssertEqual(state.frame, 50)
        press(.char("]"))
        XCTAssertEqual(state.frame, 50)
        XCTAssertEqual(state.message?.text, "no later seed")
        press(.char("["))
        XCTAssertEqual(state.frame, 10)
        press(.char("}"))
        XCTAssertEqual(state.frame, 30)
        press(.end, .char("{"))
        XCTAssertEqual(state.frame, 30)
    }

    // MARK: Drawing

    func testDrawingABoxWithKeysCreatesDefaultLabelAndSeed() throws {
        let step = state.geometry.sourceStep
        let center = state.viewport.center
        press(.right)
        XCTAssertEqual(state.frame, 1)
        press(.char("n"))
        guard case .draw(let cursor, nil) = state.mode else { return XCTFail("not drawing: \(state.mode)") }
        XCTAssertEqual(cursor, center, "the crosshair starts at the centre of the view")
        press(.enter)
        session.send(Array(repeating: .key(.right), count: 3) + [.key(Key.down.shifted)])
        guard case .draw(let second, let first?) = state.mode else { return XCTFail("no first corner") }
        XCTAssertEqual(first, center)
        XCTAssertEqual(second.x, center.x + 3 * step.x, accuracy: 1e-9)
        XCTAssertEqual(second.y, center.y + 8 * step.y, accuracy: 1e-9)
        XCTAssertEqual(state.frame, 1, "arrows move the crosshair, not the frame")
        press(.enter)
        XCTAssertEqual(state.mode, .navigate)
        XCTAssertEqual(store.contents.labels.map(\.name), ["object"])
        XCTAssertEqual(store.contents.objects.count, 1)
        let seeds = store.boxes(kind: .seed)
        XCTAssertEqual(seeds.count, 1)
        XCTAssertEqual(seeds[0].frame, 1)
        XCTAssertEqual(seeds[0].rect.width, 3 * step.x, accuracy: 1e-9)
        XCTAssertEqual(seeds[0].rect.height, 8 * step.y, accuracy: 1e-9)
        XCTAssertEqual(state.currentObject, store.contents.objects[0].id)
        press(.right)
        XCTAssertEqual(state.frame, 2, "back in navigation, arrows step frames again")
        // A second box goes to the same object, no new label.
        drawBox(right: 2, down: 2)
        XCTAssertEqual(store.contents.objects.count, 1)
        XCTAssertEqual(store.boxes(kind: .seed).count, 2)
    }

    func testEscCancelsDrawingWithoutWriting() {
        press(.char("n"), .enter, .right, .right, .escape)
        XCTAssertEqual(state.mode, .navigate)
        XCTAssertTrue(store.log.isEmpty)
        press(.right)
        XCTAssertEqual(state.frame, 1)
    }

    func testABoxWithoutAreaIsNotAdded() {
        press(.char("n"), .enter, .enter)
        XCTAssertEqual(state.message?.isError, true)
        XCTAssertTrue(store.boxes(kind: .seed).isEmpty)
        if case .draw = state.mode {} else { XCTFail("should still be drawing") }
    }

    func testCrosshairStaysInsideTheFrame() {
        press(.char("n"))
        session.send(Array(repeating: .key(Key.right.shifted), count: 40))
        guard case .draw(let cursor, _) = state.mode else { return XCTFail() }
        XCTAssertEqual(cursor.x, 640)
    }

    // MARK: Editing

    func testTabSelectsAndArrowsMoveTheBox() throws {
        drawBox(right: 4, down: 4)
        let before = store.boxes(kind: .seed)[0].rect
        press(.tab)
        XCTAssertEqual(state.selection, store.boxes(kind: .seed)[0].id)
        guard case .edit = state.mode else { return XCTFail("not editing") }
        let step = state.geometry.sourceStep
        press(.right, .right, .down)
        let after = store.boxes(kind: .seed)[0].rect
        XCTAssertEqual(after.x, before.x + 2 * step.x, accuracy: 1e-9)
        XCTAssertEqual(after.y, before.y + step.y, accuracy: 1e-9)
        XCTAssertEqual(after.width, before.width)
        XCTAssertEqual(state.frame, 0)
        press(.escape)
        XCTAssertEqual(state.mode, .navigate)
        XCTAssertNil(state.selection)
        press(.right)
        XCTAssertEqual(state.frame, 1)
    }

    func testMovesInOneBatchAreOneWrite() {
        drawBox(right: 4, down: 4)
        press(.tab)
        store.log.removeAll()
        session.send(Array(repeating: .key(.right), count: 5))
        XCTAssertEqual(store.log.count, 1, "held arrow keys coalesce into one stored move")
        XCTAssertTrue(store.log[0].hasPrefix("move box"))
    }

    func testResizeCornersAndFineSteps() {
        drawBox(right: 4, down: 4)
        press(.tab)
        let r0 = store.boxes(kind: .seed)[0].rect
        let step = state.geometry.sourceStep
        press(Key.right.shifted, .char("J"))
        var r = store.boxes(kind: .seed)[0].rect
        XCTAssertEqual(r.x, r0.x)
        XCTAssertEqual(r.y, r0.y)
        XCTAssertEqual(r.width, r0.width + step.x, accuracy: 1e-9)
        XCTAssertEqual(r.height, r0.height + step.y, accuracy: 1e-9)
        press(Key.left.controlled, Key.up.controlled)
        r = store.boxes(kind: .seed)[0].rect
        XCTAssertEqual(r.x, r0.x - step.x, accuracy: 1e-9)
        XCTAssertEqual(r.y, r0.y - step.y, accuracy: 1e-9)
        XCTAssertEqual(r.maxX, r0.maxX + step.x, accuracy: 1e-9)
        press(.char(","))
        XCTAssertTrue(state.fineSteps)
        let r1 = r
        press(.char("H"), .char("K"), Key.right.controlled, .left)
        r = store.boxes(kind: .seed)[0].rect
        XCTAssertEqual(r.maxX, r1.maxX - 2, accuracy: 1e-9, "H: bottom-right corner one pixel left, then the box one pixel left")
        XCTAssertEqual(r.maxY, r1.maxY - 1, accuracy: 1e-9)
        XCTAssertEqual(r.x, r1.x, accuracy: 1e-9, "C-Right moved the left edge right one pixel, Left moved it back")
    }

    func testShrinkingNeverInvertsTheBox() {
        drawBox(right: 2, down: 2)
        press(.tab)
        session.send(Array(repeating: .key(Key.left.shifted), count: 10) + Array(repeating: .key(Key.down.controlled), count: 10))
        let r = store.boxes(kind: .seed)[0].rect
        XCTAssertGreaterThanOrEqual(r.width, 1)
        XCTAssertGreaterThanOrEqual(r.height, 1)
    }

    func testDeleteAndUndoRedo() {
        drawBox(right: 3, down: 3)
        press(.tab, .char("d"))
        XCTAssertTrue(store.boxes(kind: .seed).isEmpty)
        XCTAssertEqual(state.mode, .navigate)
        press(.char("u"))
        XCTAssertEqual(store.boxes(kind: .seed).count, 1)
        XCTAssertEqual(state.boxes.count, 1, "the view reloads after undo")
        press(.ctrl("r"))
        XCTAssertTrue(store.boxes(kind: .seed).isEmpty)
        XCTAssertTrue(state.boxes.isEmpty)
        press(.char("u"), .tab, .delete)
        XCTAssertTrue(store.boxes(kind: .seed).isEmpty, "Delete deletes too")
    }

    func testUndoEffectsFromThePureReducer() {
        let (after, effects) = ReviewState.update(state, .key(.char("u")))
        XCTAssertEqual(effects, [.undo])
        var shown = after
        shown.sync = state.sync
        XCTAssertEqual(shown, state, "undo itself changes nothing shown until the store answers")
        XCTAssertEqual(after.dueLoad(settled: false), .loadBoxes(frame: state.frame), "the frame's boxes are read again at once")
        XCTAssertEqual(after.dueLoad(settled: true), .loadSnapshot, "the snapshot once the batch is done")
        XCTAssertEqual(ReviewState.update(state, .key(.ctrl("r"))).1, [.redo])
        XCTAssertEqual(ReviewState.update(state, .key(.char("t"))).1, [.startTraining])
        XCTAssertEqual(ReviewState.update(state, .key(.char("q"))).1, [.quit])
    }

    func testLabelsAndNewObject() throws {
        let car = try store.addLabel(name: "car")
        let person = try store.addLabel(name: "person")
        let car1 = try store.addObject(label: car)
        session.send(.storeChanged)
        press(.char("2"))
        XCTAssertEqual(state.currentLabel, person)
        XCTAssertNil(state.currentObject)
        drawBox(right: 2, down: 2)
        let personObject = store.contents.objects.last!
        XCTAssertEqual(personObject.label, person, "the box started a new person")
        XCTAssertEqual(state.currentObject, personObject.id)
        press(.char("1"))
        XCTAssertEqual(state.currentObject, car1)
        press(.char("o"))
        XCTAssertEqual(store.contents.objects.filter { $0.label == car }.count, 2)
        XCTAssertEqual(state.currentLabel, car)
        XCTAssertNotEqual(state.currentObject, car1)
        // Relabel the person box as car.
        press(.tab, .char("1"))
        let box = store.boxes(kind: .seed)[0]
        XCTAssertEqual(store.contents.objects.first { $0.id == box.object }?.label, car)
        press(.char("9"))
        XCTAssertEqual(state.message?.isError, true)
    }

    // MARK: Zoom

    func testZoomCyclesAndPans() {
        press(.char("z"))
        XCTAssertEqual(state.zoom, 2)
        XCTAssertEqual(state.mode, .pan)
        XCTAssertEqual(state.viewport.width, 320)
        let before = state.viewport
        press(.left)
        XCTAssertLessThan(state.viewport.x, before.x)
        XCTAssertEqual(state.frame, 0, "arrows pan instead of stepping")
        session.send(Array(repeating: .key(Key.left.shifted), count: 20))
        XCTAssertEqual(state.viewport.x, 0, "panning stops at the frame's edge")
        press(.right)
        XCTAssertGreaterThan(state.viewport.x, 0, "panning back responds at once")
        press(.char("z"))
        XCTAssertEqual(state.zoom, 4)
        press(.char("z"))
        XCTAssertEqual(state.zoom, 1)
        XCTAssertEqual(state.mode, .navigate)
    }

    func testZoomCentresOnTheSelectedBox() {
        drawBox(right: 2, down: 2)
        press(.tab)
        session.send(Array(repeating: .key(.right), count: 8))
        let center = store.boxes(kind: .seed)[0].rect.center
        press(.char("z"))
        XCTAssertEqual(state.viewport.center.x, center.x, accuracy: 1e-9)
        if case .edit = state.mode {} else { XCTFail("zoom keeps editing") }
        XCTAssertLessThan(state.geometry.sourceStep.x, 640.0 / 90, "a zoomed cell is finer")
    }

    // MARK: Review

    func seedAndTrain() throws {
        drawBox(right: 4, down: 4)
        press(.char("t"))
        XCTAssertEqual(engine.startCount, 1)
        engine.finish()
        session.pollBackground()
    }

    func testTrainingProposalsAppearAndReviewAcceptReject() throws {
        try seedAndTrain()
        XCTAssertEqual(state.training, .finished(summary: "3 proposals"))
        XCTAssertEqual(state.project.counts.pending, 3)
        XCTAssertTrue(state.project.marks[1].contains(.pending))
        press(.char("r"))
        XCTAssertEqual(state.mode, .review)
        XCTAssertEqual(state.queue.map(\.frame), [3, 2, 1], "lowest confidence first")
        XCTAssertEqual(state.frame, 3, "the view shows the proposal's frame")
        XCTAssertEqual(state.selection, state.queue[0].id)
        press(.char("a"))
        XCTAssertEqual(store.boxes(kind: .accepted).map(\.frame), [3])
        XCTAssertEqual(state.queue.count, 2)
        XCTAssertEqual(state.frame, 2, "the next proposal comes up")
        press(.char("x"))
        XCTAssertEqual(store.boxes(kind: .rejected).map(\.frame), [2])
        press(.tab)
        XCTAssertEqual(state.review.tab, .accepted)
        XCTAssertEqual(state.queue.map(\.frame), [3])
        press(.backTab, .char("s"))
        XCTAssertEqual(state.review.order, .confidenceDescending)
        press(.escape)
        XCTAssertEqual(state.mode, .navigate)
    }

    func testEditThenAccept() throws {
        try seedAndTrain()
        press(.char("r"), .char("e"))
        guard case .edit(let s) = state.mode, s.fromReview else { return XCTFail("not editing from review") }
        let id = state.selection!
        press(.right, .enter)
        XCTAssertEqual(state.mode, .review)
        let box = store.contents.boxes.first { $0.id == id }!
        XCTAssertEqual(box.kind, .seed, "a corrected proposal is a seed")
        XCTAssertGreaterThan(box.rect.x, 0)
        XCTAssertEqual(state.queue.count, 2)
        XCTAssertTrue(state.retrainDue)
        // Edited but left as it was: accepted.
        let next = state.currentEntry!.id
        press(.char("e"), .enter)
        XCTAssertEqual(store.contents.boxes.first { $0.id == next }!.kind, .accepted)
        XCTAssertEqual(state.queue.count, 1)
    }

    func testAcceptAllAsksWithTheCount() throws {
        try seedAndTrain()
        press(.char("r"), .char("A"))
        XCTAssertEqual(state.message?.text.contains("expected precision 0.95"), true, "the store's target, not a literal")
        press(.escape)
        store.threshold = 0.5
        session.send(.storeChanged)
        press(.char("r"), .char("A"))
        guard case .confirm(let c, _) = state.mode else { return XCTFail("no confirmation") }
        XCTAssertTrue(c.question.contains("Accept 2 pending boxes"), c.question)
        XCTAssertTrue(c.question.contains("0.50"))
        XCTAssertTrue(store.boxes(kind: .accepted).isEmpty, "nothing happens before yes")
        press(.char("n"))
        XCTAssertEqual(state.mode, .review)
        press(.char("A"), .char("y"))
        XCTAssertEqual(Set(store.boxes(kind: .accepted).map(\.frame)), [1, 2])
        XCTAssertEqual(store.boxes(kind: .pending).count, 1)
        XCTAssertEqual(state.message?.text.hasPrefix("accepted 2 boxes"), true)
        XCTAssertEqual(state.mode, .review)
    }

    func testEscNeverCancelsTraining() {
        drawBox(right: 2, down: 2)
        press(.char("t"))
        XCTAssertTrue(state.training.isRunning)
        press(.escape, .char("r"), .escape, .char("n"), .escape, .char("?"), .escape, .escape)
        XCTAssertEqual(engine.cancelCount, 0)
        XCTAssertTrue(state.training.isRunning)
        press(.char("T"))
        XCTAssertEqual(engine.cancelCount, 1)
        session.pollBackground()
        XCTAssertEqual(state.training, .cancelled)
    }

    func testQuitFromEveryMode() throws {
        let modes: [[Key]] = [
            [], [.char("n")], [.char("n"), .enter], [.char("z")], [.char("r")], [.char("g")], [.char("?")],
            [.char("E")], [.char("r"), .char("A")],
        ]
        drawBox(right: 2, down: 2)
        let keysForEdit: [Key] = [.tab]
        for keys in modes + [keysForEdit] {
            var s = state
            s.mode = .navigate
            s.project.threshold = 0.1
            s.project.aboveThreshold = 1
            s.queue = [ReviewBox(id: 99, frame: 1, object: 1, kind: .pending, rect: BoxRect(x: 0, y: 0, width: 5, height: 5), confidence: 0.5)]
            for key in keys { _ = s.handle(.key(key)) }
            let effects = s.handle(.key(.char("q")))
            XCTAssertEqual(effects, [.quit], "q after \(keys) in \(s.mode)")
            XCTAssertTrue(s.quitting)
        }
    }

    func testQuitStopsRunningTraining() {
        drawBox(right: 2, down: 2)
        press(.char("t"), .char("q"))
        XCTAssertEqual(engine.cancelCount, 1)
        XCTAssertTrue(state.quitting)
    }

    func testExportAsksForAFormat() {
        press(.char("E"))
        XCTAssertEqual(state.mode.context, .prompt)
        press(.char("q"))
        XCTAssertTrue(state.quitting, "q quits even from the prompt")
    }

    func testExportWritesTheChosenFormat() {
        press(.char("E"), .char("2"))
        XCTAssertEqual(exporter.exported, ["yolo"])
        XCTAssertEqual(state.message?.text, "wrote yolo")
        XCTAssertEqual(state.mode, .navigate)
    }

    func testTooSmallIgnoresKeysButQuit() throws {
        session.send(.resize(columns: 60, rows: 20))
        XCTAssertTrue(state.layout.tooSmall)
        press(.right, .char("n"))
        XCTAssertEqual(state.frame, 0)
        XCTAssertEqual(state.mode, .navigate)
        press(.char("q"))
        XCTAssertTrue(state.quitting)
    }

    // MARK: Mouse

    func testMouseDragDrawsAndMovesAndWheelSteps() {
        let g = state.geometry
        let c0 = g.cells.column + 10, r0 = g.cells.row + 5
        session.send([.mouse(MouseEvent(.press, column: c0, row: r0)), .mouse(MouseEvent(.drag, column: c0 + 6, row: r0 + 4)),
                      .mouse(MouseEvent(.release, column: c0 + 6, row: r0 + 4))])
        XCTAssertEqual(store.boxes(kind: .seed).count, 1)
        let rect = store.boxes(kind: .seed)[0].rect
        XCTAssertEqual(rect.width, 6 * g.sourceStep.x, accuracy: 1e-6)
        // Drag the box by its inside.
        session.send([.mouse(MouseEvent(.press, column: c0 + 2, row: r0 + 2)), .mouse(MouseEvent(.drag, column: c0 + 5, row: r0 + 2)),
                      .mouse(MouseEvent(.release, column: c0 + 5, row: r0 + 2))])
        let moved = store.boxes(kind: .seed)[0].rect
        XCTAssertEqual(moved.x, rect.x + 3 * g.sourceStep.x, accuracy: 1e-6)
        XCTAssertEqual(moved.width, rect.width)
        press(.escape)
        session.send(.mouse(MouseEvent(.wheelDown, column: c0, row: r0)))
        XCTAssertEqual(state.frame, 1)
        // A click on the timeline jumps.
        let t = state.layout.timeline
        session.send(.mouse(MouseEvent(.press, column: t.column + 60, row: t.row)))
        XCTAssertEqual(state.frame, Timeline(frameCount: 132, width: t.columns).frames(inCell: 60).lowerBound)
    }
}

extension ReducerTests {
    func testReviewStaysOnItsProposalWhenNewOnesArrive() throws {
        try seedAndTrain()
        press(.char("r"), .right)
        let current = try XCTUnwrap(state.currentEntry)
        // The engine writes a lower-confidence proposal, which sorts first.
        let object = store.contents.objects[0].id
        store.propose(frame: 40, object: object, rect: BoxRect(x: 0, y: 0, width: 9, height: 9), confidence: 0.01)
        session.send(.training(.proposalsWritten(count: 1)))
        XCTAssertEqual(state.queue.count, 4)
        XCTAssertEqual(state.currentEntry?.id, current.id)
        XCTAssertEqual(state.frame, current.frame)
    }
}

extension ReducerTests {
    func testPressAndReleaseWithoutMotionStillDrawAndMove() {
        let g = state.geometry
        let c0 = g.cells.column + 10, r0 = g.cells.row + 5
        session.send([.mouse(MouseEvent(.press, column: c0, row: r0)), .mouse(MouseEvent(.release, column: c0 + 6, row: r0 + 4))])
        XCTAssertEqual(store.boxes(kind: .seed).count, 1)
        let rect = store.boxes(kind: .seed)[0].rect
        session.send([.mouse(MouseEvent(.press, column: c0 + 2, row: r0 + 2)), .mouse(MouseEvent(.release, column: c0 + 4, row: r0 + 2))])
        XCTAssertEqual(store.boxes(kind: .seed)[0].rect.x, rect.x + 2 * g.sourceStep.x, accuracy: 1e-6)
        // A click without movement on empty ground draws nothing.
        session.send([.mouse(MouseEvent(.press, column: c0 + 30, row: r0 + 10)), .mouse(MouseEvent(.release, column: c0 + 30, row: r0 + 10))])
        XCTAssertEqual(store.boxes(kind: .seed).count, 1)
        XCTAssertEqual(state.mode, .navigate)
    }
}
