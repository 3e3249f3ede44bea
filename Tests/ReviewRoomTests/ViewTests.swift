import Geometry
import XCTest
@testable import ReviewRoom
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode

final class ViewTests: XCTestCase {
    func makeSession(columns: Int, rows: Int, graphics: GraphicsMode = .blocks, store: FakeStore = FakeStore(frameCount: 392)) throws -> ReviewSession {
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: columns, rows: rows, graphics: graphics, cellPixels: PixelSize(width: 10, height: 20))
        return try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
    }

    func testStatusLineShowsFrameModeAndHints() throws {
        let session = try makeSession(columns: 100, rows: 30)
        var screen = View.compose(session.state)
        let status = screen.line(29)
        XCTAssertTrue(status.hasPrefix(" 1/392  NAVIGATE"), status)
        XCTAssertTrue(status.contains("→ frame"), status)
        XCTAssertTrue(status.contains("? help"), status)
        session.send([.key(.right), .key(.right)])
        screen = View.compose(session.state)
        XCTAssertTrue(screen.line(29).hasPrefix(" 3/392  NAVIGATE"))
        session.send(.key(.char("n")))
        XCTAssertTrue(View.compose(session.state).line(29).contains("DRAW: first corner"))
    }

    func testHintsFollowUserBindings() throws {
        let session = try makeSession(columns: 100, rows: 30)
        var state = session.state
        state.keymap.unbind(.right)
        state.keymap.unbind(.char("l"))
        state.keymap.bind(.char("f"), to: .nextFrame)
        XCTAssertTrue(View.compose(state).line(29).contains("f frame"))
    }

    func testTooSmallView() throws {
        for (c, r) in [(79, 24), (80, 23), (40, 10)] {
            let session = try makeSession(columns: c, rows: r)
            let text = View.compose(session.state).text
            XCTAssertTrue(text.contains("Terminal too small"), "\(c)x\(r)")
            XCTAssertTrue(text.contains("\(c)x\(r)"))
            XCTAssertTrue(text.contains("80x24"))
            XCTAssertTrue(ReviewRoom.imagePlan(session.state, theme: .builtIn).isEmpty, "no image under the too-small view")
        }
        // Tiny but non-empty, and zero-sized screens compose without crashing.
        XCTAssertEqual(View.compose(try makeSession(columns: 1, rows: 1).state).rows, 1)
        XCTAssertEqual(View.compose(try makeSession(columns: 0, rows: 0).state).rows, 0)
    }

    func testResizeRelaysOut() throws {
        let session = try makeSession(columns: 120, rows: 40)
        let before = ReviewRoom.imagePlan(session.state, theme: .builtIn)[0].cells
        session.send(.resize(columns: 60, rows: 20))
        XCTAssertTrue(View.compose(session.state).text.contains("Terminal too small"))
        session.send(.resize(columns: 160, rows: 50))
        let after = ReviewRoom.imagePlan(session.state, theme: .builtIn)[0].cells
        XCTAssertGreaterThan(after.columns, before.columns)
        XCTAssertEqual(View.compose(session.state).line(49).prefix(8), " 1/392  ")
    }

    func testTimelineMarksSeedsPendingAndPosition() throws {
        let store = FakeStore(frameCount: 392)
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        _ = try store.addSeed(frame: 100, target: .object(object), rect: BoxRect(x: 0, y: 0, width: 10, height: 10))
        store.propose(frame: 300, object: object, rect: BoxRect(x: 0, y: 0, width: 10, height: 10), confidence: 0.3)
        store.cuts = [200]
        let session = try makeSession(columns: 100, rows: 30, store: store)
        let screen = View.compose(session.state)
        let row = session.state.layout.timeline.row
        let t = Timeline(frameCount: 392, width: 100)
        XCTAssertEqual(screen[t.cell(forFrame: 100), row].character, "◆")
        XCTAssertEqual(screen[t.cell(forFrame: 100), row].role, .seed)
        XCTAssertEqual(screen[t.cell(forFrame: 200), row].character, "┃")
        XCTAssertEqual(screen[t.cell(forFrame: 300), row].role, .confidenceLow, "a pending box at 0.3: low")
        XCTAssertEqual(screen[0, row].role, .cursor, "the current position")
        session.send(.key(.end))
        XCTAssertEqual(View.compose(session.state)[99, row].role, .cursor)
    }

    func testPanelShowsLabelsObjectsCountsAndTraining() throws {
        let store = FakeStore()
        let label = try store.addLabel(name: "rabbit")
        let object = try store.addObject(label: label)
        _ = try store.addSeed(frame: 0, target: .object(object), rect: BoxRect(x: 10, y: 10, width: 50, height: 50))
        store.threshold = 0.7
        let session = try makeSession(columns: 100, rows: 30, store: store)
        session.send(.training(.progress(fraction: 0.45, detail: "object 1")))
        let text = View.compose(session.state).text
        XCTAssertTrue(text.contains("▸1 rabbit"), text)
        XCTAssertTrue(text.contains("rabbit 1 seed"))
        XCTAssertTrue(text.contains("seeds 1  pending 0"))
        XCTAssertTrue(text.contains("threshold 0.70"))
        XCTAssertTrue(text.contains("45%"))
    }

    func testPromptAndConfirmationUseTheMessageLine() throws {
        let session = try makeSession(columns: 100, rows: 30)
        session.send([.key(.char("g")), .key(.char("1")), .key(.char("2"))])
        XCTAssertTrue(View.compose(session.state).line(28).hasPrefix("Go to frame (1-392): 12"))
    }

    func testOverlaysFollowKindsSelectionAndCrosshair() throws {
        let store = FakeStore()
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        _ = try store.addSeed(frame: 0, target: .object(object), rect: BoxRect(x: 0, y: 0, width: 64, height: 36))
        store.propose(frame: 0, object: object, rect: BoxRect(x: 320, y: 180, width: 64, height: 36), confidence: 0.42)
        let session = try makeSession(columns: 120, rows: 40, store: store)
        let theme = Theme.builtIn
        var overlays = View.overlays(session.state, theme: theme, geometry: session.state.geometry)
        XCTAssertEqual(overlays.count, 2)
        XCTAssertEqual(overlays[0].color, theme.color(for: .seed))
        XCTAssertEqual(overlays[1].color, theme.color(for: .pending))
        guard case .box(let r, let tag) = overlays[1].shape else { return XCTFail() }
        XCTAssertEqual(tag, "car 1 0.42")
        let size = session.state.geometry.imageSize
        XCTAssertEqual(r.x, Double(size.width) / 2, accuracy: 1e-6)
        session.send(.key(.tab))
        overlays = View.overlays(session.state, theme: theme, geometry: session.state.geometry)
        XCTAssertEqual(overlays.filter(\.emphasized).count, 1)
        session.send([.key(.escape), .key(.char("c"))])
        overlays = View.overlays(session.state, theme: theme, geometry: session.state.geometry)
        XCTAssertEqual(overlays[0].color, theme.color(forObject: object), "colours by object")
        session.send(.key(.char("n")))
        overlays = View.overlays(session.state, theme: theme, geometry: session.state.geometry)
        XCTAssertEqual(overlays.last.map { if case .crosshair = $0.shape { true } else { false } }, true)
    }

    func testTextRendererDrawsTheBoxWhereTheCellsSay() throws {
        let store = FakeStore()
        let session = try makeSession(columns: 120, rows: 40, graphics: .ascii, store: store)
        session.send([.key(.char("n")), .key(.enter)] + Array(repeating: .key(.right), count: 5) + Array(repeating: .key(.down), count: 3) + [.key(.enter)])
        let plan = ReviewRoom.imagePlan(session.state, theme: .builtIn)
        let g = session.state.geometry
        let frames = FakeFrames()
        let image = try frames.image(frame: plan[0].frame, region: plan[0].region, size: plan[0].size)
        let rendered = try FakeRenderer().render(image, overlays: plan[0].overlays, columns: plan[0].cells.columns, rows: plan[0].cells.rows)
        let box = store.boxes(kind: .seed)[0].rect
        let corner = g.cell(for: Point(x: box.x, y: box.y))!
        let row = rendered.lines[corner.row - g.cells.row]
        XCTAssertEqual(row[corner.column - g.cells.column], UInt8(ascii: "#"), "the box's corner is drawn in the cell the geometry names")
    }

    func testGalleryPlanInPixelTerminals() throws {
        let store = FakeStore()
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        for f in 0..<30 { store.propose(frame: f, object: object, rect: BoxRect(x: Double(f * 10), y: 50, width: 40, height: 30), confidence: Double(f) / 30) }
        let session = try makeSession(columns: 160, rows: 50, graphics: .sixel, store: store)
        session.send([.key(.char("r")), .key(.char("v"))])
        let tiles = try XCTUnwrap(session.state.galleryTiles)
        let plan = ReviewRoom.imagePlan(session.state, theme: .builtIn)
        XCTAssertEqual(plan.count, min(tiles.count, 30))
        XCTAssertEqual(plan.map(\.frame), Array(0..<plan.count), "crops follow the queue, lowest confidence first")
        XCTAssertEqual(plan[0].overlays.first?.emphasized, true)
        session.send(.key(.char("j")))
        let columns = tiles.filter { $0.row == tiles[0].row }.count
        XCTAssertEqual(session.state.review.index, columns, "down moves one gallery row")
        session.send(.key(.char("x")))
        XCTAssertEqual(store.boxes(kind: .rejected).count, 1)
        // Text terminals have no gallery.
        let text = try makeSession(columns: 160, rows: 50, graphics: .blocks, store: store)
        text.send([.key(.char("r")), .key(.char("v"))])
        XCTAssertNil(text.state.galleryTiles)
        XCTAssertEqual(ReviewRoom.imagePlan(text.state, theme: .builtIn).count, 1)
    }

    func testNoImageReachesTheBottomRow() throws {
        for (c, r) in [(80, 24), (100, 30), (200, 50)] {
            for mode in GraphicsMode.allCases {
                let session = try makeSession(columns: c, rows: r, graphics: mode)
                for p in ReviewRoom.imagePlan(session.state, theme: .builtIn) {
                    XCTAssertLessThan(p.cells.maxRow, r - 1, "\(mode) at \(c)x\(r)")
                    XCTAssertLessThanOrEqual(p.size.height, p.cells.rows * session.state.metrics.dotsDown)
                }
            }
        }
    }
}

extension ViewTests {
    func testConfirmationQuestionIsShown() throws {
        let store = FakeStore()
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        store.propose(frame: 3, object: object, rect: BoxRect(x: 0, y: 0, width: 9, height: 9), confidence: 0.9)
        store.threshold = 0.5
        store.expectedWrong = 0.1
        let session = try makeSession(columns: 100, rows: 30, store: store)
        session.send([.key(.char("r")), .key(.char("A"))])
        let screen = View.compose(session.state)
        XCTAssertTrue(screen.line(28).hasPrefix("Accept 1 pending box (confidence ≥ 0.50, about 0.1 of them expected wrong)? (y/n)"), screen.line(28))
    }
}

extension ViewTests {
    func testPanelShowsTheSelectedBoxInSourcePixels() throws {
        let store = FakeStore()
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        _ = try store.addSeed(frame: 0, target: .object(object), rect: BoxRect(x: 100, y: 50, width: 40, height: 30))
        let session = try makeSession(columns: 100, rows: 30, store: store)
        session.send([.key(.tab), .key(.char(",")), .key(.right), .key(.char("J"))])
        XCTAssertTrue(View.compose(session.state).text.contains("101,50 40x31 px"), View.compose(session.state).text)
    }
}

extension ViewTests {
    func testMeasureSteppingWalksFramesThroughTheRenderer() throws {
        let store = FakeStore(frameCount: 30)
        let frames = FakeFrames(), renderer = FakeRenderer()
        let report = try ReviewRoom.measureStepping(store: store, frames: frames, renderer: renderer, steps: 10)
        XCTAssertEqual(report.frames, 10)
        XCTAssertEqual(renderer.renders, 11, "the first screen, then one picture per step")
        XCTAssertEqual(frames.requests.map(\.frame), Array(0...10), "one decode per picture, each the next frame")
        XCTAssertTrue(frames.prefetched.contains(11), "the next frames are asked for ahead")
        XCTAssertGreaterThan(report.bytesPerFrame, 0)
    }
}

extension ViewTests {
    func testRowMarkersMakeFrameRowsUniqueAndStayInvisible() throws {
        let store = FakeStore()
        let session = try makeSession(columns: 100, rows: 30, store: store)
        var text = View.compose(session.state)
        let area = session.state.layout.frameArea
        text.markRows(of: area)
        let rows = (area.row..<area.maxRow).map(text.line)
        XCTAssertEqual(Set(rows).count, rows.count, "no two frame rows are equal")
        XCTAssertTrue(rows.allSatisfy { $0.filter { $0 != " " && $0 != "\u{00A0}" }.count == $0.filter { !$0.isWhitespace }.count })
        for row in area.row..<area.maxRow {
            XCTAssertEqual(text.line(row).filter { $0 == "\u{00A0}" }.count, 1)
        }
    }
}

extension ViewTests {
    /// What is encoded ahead must be exactly what the next step shows, or it is never used.
    func testPredictedNextPictureMatchesTheStep() throws {
        let store = FakeStore()
        let label = try store.addLabel(name: "car")
        let object = try store.addObject(label: label)
        for f in [1, 2, 5] { store.propose(frame: f, object: object, rect: BoxRect(x: Double(f), y: 5, width: 30, height: 20), confidence: Double(f) / 10) }
        _ = try store.addSeed(frame: 0, target: .object(object), rect: BoxRect(x: 50, y: 50, width: 30, height: 20))
        let session = try makeSession(columns: 120, rows: 40, graphics: .sixel, store: store)
        let theme = Theme.builtIn
        for (keys, direction) in [([Key.right], 1), ([.right, .right, .left], -1), ([.char("z"), .escape, .right], 1)] {
            session.send(keys.map { .key($0) })
            let ahead = try XCTUnwrap(ReviewRoom.predictedNext(session.state, direction: direction, boxes: session.boxes(onFrame:)))
            session.send(.key(direction > 0 ? .right : .left))
            XCTAssertEqual(ReviewRoom.imagePlan(ahead, theme: theme), ReviewRoom.imagePlan(session.state, theme: theme), "after \(keys)")
        }
        // Coalesced keys step several frames at once: the guess takes the same stride.
        session.send(.key(.escape))
        let before = session.state.frame
        let stride = try XCTUnwrap(ReviewRoom.predictedNext(session.state, direction: 3, boxes: session.boxes(onFrame:)))
        XCTAssertEqual(stride.frame, before + 3)
        session.send([.key(.right), .key(.right), .key(.right)])
        XCTAssertEqual(ReviewRoom.imagePlan(stride, theme: theme), ReviewRoom.imagePlan(session.state, theme: theme), "three frames on")
        session.send([.key(.escape), .key(.char("z")), .key(.char("z")), .key(.char("r"))])
        XCTAssertEqual(session.state.zoom, 1)
        let ahead = try XCTUnwrap(ReviewRoom.predictedNext(session.state, direction: 1, boxes: session.boxes(onFrame:)))
        session.send(.key(.char("j")))
        XCTAssertEqual(ReviewRoom.imagePlan(ahead, theme: theme), ReviewRoom.imagePlan(session.state, theme: theme), "the next proposal")
        session.send([.key(.escape), .key(.char("n"))])
        XCTAssertNil(ReviewRoom.predictedNext(session.state, direction: 1, boxes: session.boxes(onFrame:)), "nothing to guess while drawing")
    }
}
