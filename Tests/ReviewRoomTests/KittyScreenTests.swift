import Geometry
@testable import ReviewRoom
import TerminalGraphics
import XCTest

/// What a kitty terminal shows of the room's pictures, worked out from the bytes sent
/// (`KittyScreenModel`), through the real `Painter` and renderer.
final class KittyScreenTests: XCTestCase {
    var session: ReviewSession!
    var terminal: RecordingTerminal!
    var painter: Painter!
    var kitty = KittyScreenModel()
    var now = 10.0
    var failuresSeen = 0

    /// 40 proposals on a 640x360 video, in a 160x50 kitty terminal of 10x20 px cells.
    override func setUpWithError() throws {
        let store = FakeStore()
        let object = try store.addObject(label: store.addLabel(name: "car"))
        for f in 0..<40 {
            _ = store.propose(frame: f, object: object, rect: BoxRect(x: Double(f * 10), y: 50, width: 40, height: 30),
                              confidence: Double((f * 17) % 40) / 40)
        }
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: 160, rows: 50, graphics: .kitty, cellPixels: PixelSize(width: 10, height: 20))
        session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        terminal = RecordingTerminal()
        painter = Painter(terminal: terminal, frames: FakeFrames(), renderer: TerminalFrameRenderer(KittyRenderer()), theme: .builtIn)
    }

    /// Sends `events` as a person would (a second apart, so every picture is a full one) and draws.
    func press(_ events: [Event]) {
        now += 1
        if events.contains(where: { if case .resize = $0 { return true } else { return false } }) { painter.screenCleared() }
        painter.keysArrived(events.count, now: now)
        session.send(events)
        XCTAssertNil(painter.draw(session.state, now: now))
        // The terminal answers the query that follows the pictures.
        while painter.read(wait: false) != nil {}
        kitty.takeIn(terminal)
    }

    /// Every picture the state shows is placed, once, over its cells, from an image the terminal holds.
    func assertEveryPictureShows(_ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let plan = ReviewRoom.imagePlan(session.state, theme: .builtIn)
        XCTAssertFalse(plan.isEmpty, context, file: file, line: line)
        let missing = plan.filter { picture in
            !kitty.placements.contains { [$0.row, $0.column, $0.columns, $0.rows] == [picture.cells.row, picture.cells.column, picture.cells.columns, picture.cells.rows] }
        }
        XCTAssertEqual(missing.count, 0, "\(context): \(missing.count) of \(plan.count) pictures missing, at (row, column) "
                       + missing.map { "(\($0.cells.row), \($0.cells.column))" }.joined(separator: " "), file: file, line: line)
        XCTAssertEqual(kitty.placements.count, plan.count, "\(context): \(kitty.placements)", file: file, line: line)
        XCTAssertEqual(Array(kitty.failedPlacements.dropFirst(failuresSeen)), [], "\(context): placed without being held",
                       file: file, line: line)
        failuresSeen = kitty.failedPlacements.count
    }

    /// Kitty frees every image left without a placement when the screen is cleared (ED 2). Pictures
    /// sent before the clear that comes with a new layout (the first screen, the gallery, a resize)
    /// were lost before they were placed, and images kept from before it were placed in vain: the
    /// gallery's tiles stayed blank, each showing only once its tile was sent again.
    func testEveryPictureShowsThroughLayoutChangesMovesAndMarks() throws {
        press([])
        assertEveryPictureShows("the first screen")
        press([.key(.char("r"))])
        assertEveryPictureShows("review")
        press([.key(.char("v"))])
        XCTAssertEqual(session.state.keyContext, .gallery)
        XCTAssertGreaterThan(session.state.galleryTiles?.count ?? 0, 8)
        assertEveryPictureShows("the gallery")
        for (i, key) in [Key.right, .char("m"), .right, .char("m"), .down, .left].enumerated() {
            press([.key(key)])
            assertEveryPictureShows("gallery, after key \(i + 1) (\(key))")
        }
        XCTAssertEqual(session.state.review.marked.count, 2)
        press([.key(.pageDown)])
        assertEveryPictureShows("the next gallery page")
        press([.resize(columns: 140, rows: 45)])
        assertEveryPictureShows("the gallery after a resize")
        press([.key(.right)])
        assertEveryPictureShows("gallery after the resize, a step")
        press([.key(.char("v"))])
        XCTAssertEqual(session.state.keyContext, .review)
        assertEveryPictureShows("back to the single view")
        press([.key(.right)])
        assertEveryPictureShows("the next proposal")
    }

    /// The terminal keeps a few dozen of our images; making room must never free one that a tile
    /// still shows. Marking every tile of a page makes three new pictures a tile.
    func testMarkingAWholePageKeepsEveryTileOnScreen() throws {
        press([.key(.char("r"))])
        press([.key(.char("v"))])
        let tiles = try XCTUnwrap(session.state.galleryTiles?.count)
        for i in 0..<tiles {
            press([.key(.char("m"))])
            assertEveryPictureShows("tile \(i + 1) marked")
            press([.key(.right)])
            assertEveryPictureShows("after tile \(i + 1)")
        }
        XCTAssertEqual(session.state.review.marked.count, tiles)
        XCTAssertGreaterThan(KittyShelf.capacity, tiles, "room for the page and then some")
    }

    /// Stepping further than the terminal keeps pictures, and back: each frame shows, whether
    /// stored still or sent again.
    func testSteppingPastTheShelfsCapacityAndBackShowsEveryFrame() {
        let steps = KittyShelf.capacity + 6
        for key in Array(repeating: Key.right, count: steps) + Array(repeating: Key.left, count: steps) {
            press([.key(key)])
            assertEveryPictureShows("frame \(session.state.frame + 1)")
        }
        XCTAssertEqual(session.state.frame, 0)
    }
}
