import Geometry
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode

/// A rectangle of terminal cells (0-based column and row).
public struct CellRect: Sendable, Hashable {
    public var column: Int
    public var row: Int
    public var columns: Int
    public var rows: Int
    public init(column: Int, row: Int, columns: Int, rows: Int) {
        self.column = column
        self.row = row
        self.columns = columns
        self.rows = rows
    }
    public var maxColumn: Int { column + columns }
    public var maxRow: Int { row + rows }
    public func contains(column c: Int, row r: Int) -> Bool {
        c >= column && c < maxColumn && r >= row && r < maxRow
    }
}

/// How cells relate to image dots for a graphics mode.
public struct CellMetrics: Sendable, Hashable {
    /// The physical size of a cell (pixels for sixel and kitty; 1x2 for text modes,
    /// which only need the aspect).
    public var cellWidth: Double
    public var cellHeight: Double
    /// Image dots per cell: the cell's pixels in pixel modes, 1x2 for blocks, 1x1 for ASCII.
    public var dotsAcross: Int
    public var dotsDown: Int
    /// Pixel image heights are rounded down to a multiple of this (6 for sixel).
    public var heightMultiple: Int

    public init(mode: GraphicsMode, cellPixels: PixelSize? = nil) {
        switch mode {
        case .sixel, .kitty:
            let cell = cellPixels ?? PixelSize(width: 10, height: 20)
            cellWidth = Double(cell.width)
            cellHeight = Double(cell.height)
            dotsAcross = cell.width
            dotsDown = cell.height
            heightMultiple = mode == .sixel ? 6 : 1
        case .blocks:
            cellWidth = 1; cellHeight = 2; dotsAcross = 1; dotsDown = 2; heightMultiple = 1
        case .ascii:
            cellWidth = 1; cellHeight = 2; dotsAcross = 1; dotsDown = 1; heightMultiple = 1
        }
        isPixel = mode.isPixel
    }

    /// Whether dots are real pixels (whose image need not fill whole cells).
    public var isPixel: Bool
}

/// Where a frame is drawn and which part of the source it shows, with the
/// mappings between cells, image dots and source pixels. Pure and exact.
public struct FrameGeometry: Sendable, Hashable {
    /// The cells the image covers (inside the frame area, centred).
    public var cells: CellRect
    /// The size of the rendered image in dots.
    public var imageSize: PixelSize
    /// The part of the source frame shown, in source pixels.
    public var viewport: BoxRect
    let dotsAcross: Int
    let dotsDown: Int

    /// Fits `viewport` (aspect kept) into `area`.
    public init(area: CellRect, metrics: CellMetrics, viewport: BoxRect) {
        var viewport = viewport
        viewport.width = max(viewport.width, 1)
        viewport.height = max(viewport.height, 1)
        self.viewport = viewport
        dotsAcross = metrics.dotsAcross
        dotsDown = metrics.dotsDown
        let availableWidth = Double(max(area.columns, 1)) * metrics.cellWidth
        let availableHeight = Double(max(area.rows, 1)) * metrics.cellHeight
        let scale = min(availableWidth / viewport.width, availableHeight / viewport.height)
        let physicalWidth = viewport.width * scale
        let physicalHeight = viewport.height * scale
        var columns: Int, rows: Int
        if metrics.isPixel {
            let width = max(1, Int(physicalWidth))
            var height = max(1, Int(physicalHeight))
            if metrics.heightMultiple > 1 {
                height = max(metrics.heightMultiple, height / metrics.heightMultiple * metrics.heightMultiple)
            }
            imageSize = PixelSize(width: width, height: height)
            columns = min(area.columns, (width + dotsAcross - 1) / dotsAcross)
            rows = min(area.rows, (height + dotsDown - 1) / dotsDown)
        } else {
            columns = min(area.columns, max(1, Int(physicalWidth / metrics.cellWidth)))
            rows = min(area.rows, max(1, Int(physicalHeight / metrics.cellHeight)))
            imageSize = PixelSize(width: columns * dotsAcross, height: rows * dotsDown)
        }
        cells = CellRect(
            column: area.column + (area.columns - columns) / 2,
            row: area.row + (area.rows - rows) / 2,
            columns: columns, rows: rows)
    }

    /// The source region shown at `zoom` (1 = whole frame) around `center`, kept inside the frame.
    public static func viewport(source: PixelSize, zoom: Int, center: Point?) -> BoxRect {
        let z = Double(max(1, zoom))
        let width = Double(source.width) / z, height = Double(source.height) / z
        let c = center ?? Point(x: Double(source.width) / 2, y: Double(source.height) / 2)
        let x = min(max(c.x - width / 2, 0), Double(source.width) - width)
        let y = min(max(c.y - height / 2, 0), Double(source.height) - height)
        return BoxRect(x: x, y: y, width: width, height: height)
    }

    /// Source pixels per dot.
    var sourcePerDot: (x: Double, y: Double) {
        (viewport.width / Double(imageSize.width), viewport.height / Double(imageSize.height))
    }

    /// How far one cell of the view is in source pixels.
    public var sourceStep: (x: Double, y: Double) {
        (sourcePerDot.x * Double(dotsAcross), sourcePerDot.y * Double(dotsDown))
    }

    /// The source point at the centre of a cell; nil outside the image.
    public func sourcePoint(column: Int, row: Int) -> Point? {
        guard cells.contains(column: column, row: row) else { return nil }
        let dotX = (Double(column - cells.column) + 0.5) * Double(dotsAcross)
        let dotY = (Double(row - cells.row) + 0.5) * Double(dotsDown)
        let s = sourcePerDot
        return Point(x: min(viewport.x + dotX * s.x, viewport.maxX), y: min(viewport.y + dotY * s.y, viewport.maxY))
    }

    /// The cell showing a source point; nil when the point is outside the viewport.
    public func cell(for p: Point) -> (column: Int, row: Int)? {
        guard p.x >= viewport.x, p.x <= viewport.maxX, p.y >= viewport.y, p.y <= viewport.maxY else { return nil }
        let s = sourcePerDot
        let column = Int(((p.x - viewport.x) / s.x / Double(dotsAcross)).rounded(.down))
        let row = Int(((p.y - viewport.y) / s.y / Double(dotsDown)).rounded(.down))
        return (cells.column + min(column, cells.columns - 1), cells.row + min(row, cells.rows - 1))
    }

    /// A source point in image dots.
    public func imagePoint(_ p: Point) -> Point {
        let s = sourcePerDot
        return Point(x: (p.x - viewport.x) / s.x, y: (p.y - viewport.y) / s.y)
    }

    /// A source rectangle in image dots (may extend past the image when zoomed).
    public func imageRect(_ r: BoxRect) -> BoxRect {
        let s = sourcePerDot
        return BoxRect(x: (r.x - viewport.x) / s.x, y: (r.y - viewport.y) / s.y, width: r.width / s.x, height: r.height / s.y)
    }
}

/// Where everything goes on the screen.
public struct Layout: Sendable, Hashable {
    public static let minimumColumns = 80
    public static let minimumRows = 24

    public var columns: Int
    public var rows: Int
    /// Below 80x24: only the "terminal too small" view is drawn.
    public var tooSmall: Bool
    /// Where frames are drawn; never includes the bottom row.
    public var frameArea: CellRect
    public var panel: CellRect
    public var timeline: CellRect
    public var messageRow: Int
    public var statusRow: Int

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        tooSmall = columns < Layout.minimumColumns || rows < Layout.minimumRows
        let panelWidth = columns >= 140 ? 34 : 28
        let top = rows - 3
        frameArea = CellRect(column: 0, row: 0, columns: max(1, columns - panelWidth - 1), rows: max(1, top))
        panel = CellRect(column: max(0, columns - panelWidth), row: 0, columns: min(panelWidth, columns), rows: max(1, top))
        timeline = CellRect(column: 0, row: max(0, rows - 3), columns: columns, rows: 1)
        messageRow = max(0, rows - 2)
        statusRow = max(0, rows - 1)
    }

    /// Tiles of the review gallery: 8 to 24 crops, or nil when the area is too small.
    public func galleryTiles(minimumTile: (columns: Int, rows: Int) = (16, 7)) -> [CellRect]? {
        var across = frameArea.columns / minimumTile.columns
        var down = frameArea.rows / minimumTile.rows
        while across * down > 24 {
            if across >= down { across -= 1 } else { down -= 1 }
        }
        guard across * down >= 8 else { return nil }
        let width = frameArea.columns / across, height = frameArea.rows / down
        var tiles: [CellRect] = []
        for r in 0..<down {
            for c in 0..<across {
                tiles.append(CellRect(column: frameArea.column + c * width, row: frameArea.row + r * height, columns: width, rows: height))
            }
        }
        return tiles
    }
}

/// The timeline strip: every frame compressed into at most `width` cells.
public struct Timeline: Sendable, Hashable {
    public var frameCount: Int
    public var cellCount: Int

    public init(frameCount: Int, width: Int) {
        self.frameCount = frameCount
        cellCount = max(0, min(frameCount, width))
    }

    /// Frames shown by cell `i`.
    public func frames(inCell i: Int) -> Range<Int> {
        (i * frameCount / cellCount)..<((i + 1) * frameCount / cellCount)
    }

    /// The cell showing `frame`.
    public func cell(forFrame frame: Int) -> Int {
        guard frameCount > 0 else { return 0 }
        let clamped = min(max(frame, 0), frameCount - 1)
        // The cell whose range holds the frame (ranges may be uneven).
        var i = clamped * cellCount / frameCount
        while i + 1 < cellCount, frames(inCell: i).upperBound <= clamped { i += 1 }
        while i > 0, frames(inCell: i).lowerBound > clamped { i -= 1 }
        return i
    }

    /// The union of marks of each cell's frames.
    public func cells(_ marks: [FrameMarks]) -> [FrameMarks] {
        (0..<cellCount).map { i in
            frames(inCell: i).reduce(into: FrameMarks()) { acc, f in
                if f < marks.count { acc.formUnion(marks[f]) }
            }
        }
    }
}
