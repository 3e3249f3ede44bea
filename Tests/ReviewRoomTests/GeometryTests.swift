import Geometry
import XCTest
@testable import ReviewRoom
import Imaging
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode

final class GeometryTests: XCTestCase {
    let source = PixelSize(width: 640, height: 360)

    func testLayoutAtSeveralSizes() {
        for (columns, rows) in [(80, 24), (120, 40), (200, 60), (81, 25)] {
            let l = Layout(columns: columns, rows: rows)
            XCTAssertFalse(l.tooSmall)
            XCTAssertEqual(l.statusRow, rows - 1)
            XCTAssertLessThan(l.frameArea.maxRow, rows - 1, "frames never reach the bottom row")
            XCTAssertLessThanOrEqual(l.frameArea.maxColumn, l.panel.column - 1, "the frame stays left of the separator")
            XCTAssertEqual(l.panel.maxColumn, columns)
            XCTAssertEqual(l.timeline.columns, columns)
            XCTAssertGreaterThanOrEqual(l.frameArea.columns, 50)
            XCTAssertEqual(Set([l.timeline.row, l.messageRow, l.statusRow]).count, 3)
            XCTAssertGreaterThanOrEqual(l.timeline.row, l.frameArea.maxRow)
        }
        XCTAssertTrue(Layout(columns: 79, rows: 24).tooSmall)
        XCTAssertTrue(Layout(columns: 80, rows: 23).tooSmall)
        XCTAssertTrue(Layout(columns: 10, rows: 3).tooSmall)
    }

    func testFrameKeepsAspectInEveryMode() {
        let area = CellRect(column: 0, row: 0, columns: 91, rows: 37)
        for mode in GraphicsMode.allCases {
            let m = CellMetrics(mode: mode, cellPixels: PixelSize(width: 9, height: 18))
            let g = FrameGeometry(area: area, metrics: m, viewport: FrameGeometry.viewport(source: source, zoom: 1, center: nil))
            let physicalAspect = Double(g.imageSize.width) / Double(m.dotsAcross) * m.cellWidth
                / (Double(g.imageSize.height) / Double(m.dotsDown) * m.cellHeight)
            XCTAssertEqual(physicalAspect, 16.0 / 9, accuracy: mode.isPixel ? 0.05 : 0.1, "\(mode)")
            XCTAssertLessThanOrEqual(g.cells.maxColumn, area.maxColumn)
            XCTAssertLessThanOrEqual(g.cells.maxRow, area.maxRow)
            XCTAssertTrue(g.cells.columns == area.columns || g.cells.rows == area.rows, "\(mode) fills one side: \(g.cells)")
        }
        let sixel = FrameGeometry(area: area, metrics: CellMetrics(mode: .sixel, cellPixels: PixelSize(width: 9, height: 18)),
                                  viewport: BoxRect(x: 0, y: 0, width: 640, height: 360))
        XCTAssertEqual(sixel.imageSize.height % 6, 0, "sixel images are whole bands")
        XCTAssertLessThanOrEqual(sixel.imageSize.height, sixel.cells.rows * 18)
    }

    func testCellAndSourcePointsMapBothWays() {
        let area = CellRect(column: 2, row: 1, columns: 80, rows: 30)
        for mode in GraphicsMode.allCases {
            for zoom in [1, 2, 4] {
                let vp = FrameGeometry.viewport(source: source, zoom: zoom, center: Point(x: 500, y: 100))
                let g = FrameGeometry(area: area, metrics: CellMetrics(mode: mode, cellPixels: PixelSize(width: 8, height: 16)), viewport: vp)
                for (c, r) in [(g.cells.column, g.cells.row), (g.cells.maxColumn - 1, g.cells.maxRow - 1), (g.cells.column + 7, g.cells.row + 3)] {
                    let p = try! XCTUnwrap(g.sourcePoint(column: c, row: r))
                    XCTAssertTrue(vp.contains(p), "\(mode) \(zoom)x")
                    let back = try! XCTUnwrap(g.cell(for: p))
                    XCTAssertEqual(back.column, c, "\(mode) \(zoom)x")
                    XCTAssertEqual(back.row, r, "\(mode) \(zoom)x")
                }
                XCTAssertNil(g.sourcePoint(column: g.cells.column - 1, row: g.cells.row))
                XCTAssertNil(g.cell(for: Point(x: vp.x - 1, y: vp.y)))
                // One cell step equals the distance between neighbouring cell centres.
                let a = g.sourcePoint(column: g.cells.column, row: g.cells.row)!, b = g.sourcePoint(column: g.cells.column + 1, row: g.cells.row + 1)!
                XCTAssertEqual(b.x - a.x, g.sourceStep.x, accuracy: 1e-9)
                XCTAssertEqual(b.y - a.y, g.sourceStep.y, accuracy: 1e-9)
            }
        }
    }

    func testDegenerateSizesDoNotCrash() {
        let g = FrameGeometry(area: CellRect(column: 0, row: 0, columns: 0, rows: 0), metrics: CellMetrics(mode: .sixel),
                              viewport: BoxRect(x: 0, y: 0, width: 0, height: 0))
        XCTAssertGreaterThan(g.imageSize.width, 0)
        XCTAssertGreaterThan(g.sourceStep.x, 0)
    }

    func testZoomViewportsStayInsideTheFrame() {
        XCTAssertEqual(FrameGeometry.viewport(source: source, zoom: 1, center: Point(x: 0, y: 0)), BoxRect(x: 0, y: 0, width: 640, height: 360))
        XCTAssertEqual(FrameGeometry.viewport(source: source, zoom: 2, center: nil), BoxRect(x: 160, y: 90, width: 320, height: 180))
        XCTAssertEqual(FrameGeometry.viewport(source: source, zoom: 4, center: Point(x: 0, y: 1000)), BoxRect(x: 0, y: 270, width: 160, height: 90))
        XCTAssertEqual(FrameGeometry.viewport(source: source, zoom: 2, center: Point(x: 630, y: 10)), BoxRect(x: 320, y: 0, width: 320, height: 180))
    }

    func testZoomedImageRectsScale() {
        let area = CellRect(column: 0, row: 0, columns: 64, rows: 18)
        let g = FrameGeometry(area: area, metrics: CellMetrics(mode: .blocks), viewport: BoxRect(x: 320, y: 180, width: 160, height: 90))
        XCTAssertEqual(g.imageSize, PixelSize(width: 64, height: 36))
        let r = g.imageRect(BoxRect(x: 330, y: 190, width: 20, height: 10))
        XCTAssertEqual(r, BoxRect(x: 4, y: 4, width: 8, height: 4))
        XCTAssertEqual(g.sourceStep.x, 2.5)
        XCTAssertEqual(g.sourceStep.y, 5)
    }

    func testTimelineCompressesFramesIntoTheStrip() {
        let t = Timeline(frameCount: 392, width: 80)
        XCTAssertEqual(t.cellCount, 80)
        // Every frame is in exactly one cell, in order.
        var covered: [Int] = []
        for i in 0..<t.cellCount { covered += Array(t.frames(inCell: i)) }
        XCTAssertEqual(covered, Array(0..<392))
        for f in [0, 1, 4, 5, 200, 391] { XCTAssertTrue(t.frames(inCell: t.cell(forFrame: f)).contains(f), "frame \(f)") }
        var marks = [FrameMarks](repeating: [], count: 392)
        marks[7] = .seed
        marks[390] = [.pending, .sceneCut]
        let cells = t.cells(marks)
        XCTAssertEqual(cells[t.cell(forFrame: 7)], .seed)
        XCTAssertEqual(cells[79], [.pending, .sceneCut])
        XCTAssertEqual(cells.filter { !$0.isEmpty }.count, 2)
        // Fewer frames than cells: one cell each.
        let short = Timeline(frameCount: 10, width: 80)
        XCTAssertEqual(short.cellCount, 10)
        XCTAssertEqual(short.frames(inCell: 3), 3..<4)
        XCTAssertEqual(Timeline(frameCount: 0, width: 80).cellCount, 0)
    }

    func testGalleryHoldsEightToTwentyFourCrops() {
        XCTAssertNil(Layout(columns: 80, rows: 24).galleryTiles(minimumTile: (30, 10)), "fewer than 8 crops fit: no gallery")
        for (c, r) in [(80, 24), (120, 40), (200, 60), (300, 90)] {
            let tiles = Layout(columns: c, rows: r).galleryTiles()!
            XCTAssertTrue((8...24).contains(tiles.count), "\(tiles.count) at \(c)x\(r)")
            let area = Layout(columns: c, rows: r).frameArea
            for t in tiles { XCTAssertTrue(area.contains(column: t.column, row: t.row) && t.maxColumn <= area.maxColumn && t.maxRow <= area.maxRow) }
        }
    }

    func testCropRegionKeepsTheBoxAndTheFrame() {
        let r = View.cropRegion(BoxRect(x: 600, y: 10, width: 30, height: 20), frame: source, aspect: 1.5)
        XCTAssertEqual(r.width / r.height, 1.5, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(r.maxX, 640)
        XCTAssertGreaterThanOrEqual(r.y, 0)
        XCTAssertTrue(r.contains(Point(x: 600, y: 10)) && r.contains(Point(x: 630, y: 30)))
    }

    func testPaletteMapping() {
        XCTAssertEqual(Palette.xterm256(RGB(0, 0, 0)), 16)
        XCTAssertEqual(Palette.xterm256(RGB(255, 255, 255)), 231)
        XCTAssertEqual(Palette.xterm256(RGB(255, 0, 0)), 196)
        XCTAssertEqual(Palette.xterm256(RGB(128, 128, 128)), 244)
        XCTAssertEqual(Palette.ansi8(RGB(250, 10, 10)), 1)
        XCTAssertEqual(Palette.ansi8(RGB(10, 10, 10)), 0)
        XCTAssertEqual(Palette.ansi8(RGB(0x7a, 0x7a, 0x80)), 7, "greys stay grey, not cyan")
        XCTAssertEqual(Palette.ansi8(RGB(0x10, 0x10, 0x14)), 0)
    }
}
