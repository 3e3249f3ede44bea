import Imaging

/// One terminal cell: a character and its colours (nil = the terminal's default).
public struct TextCell: Sendable, Equatable {
    public var character: Unicode.Scalar
    public var foreground: RGB?
    public var background: RGB?

    public init(_ character: Unicode.Scalar, foreground: RGB? = nil, background: RGB? = nil) {
        self.character = character
        self.foreground = foreground
        self.background = background
    }
}

/// A grid of cells, what the text renderers produce. A curses front end can draw the cells
/// itself; `encode` turns them into bytes with the fewest colour changes.
public struct TextCanvas: Sendable, Equatable {
    public let columns: Int
    public let rows: Int
    public var cells: [TextCell]

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        cells = [TextCell](repeating: TextCell(" "), count: columns * rows)
    }

    public subscript(column: Int, row: Int) -> TextCell {
        get { cells[row * columns + column] }
        set { cells[row * columns + column] = newValue }
    }

    /// Writes `text` from (column, row), clipped to the grid.
    mutating func write(_ text: String, column: Int, row: Int, foreground: RGB?, background: RGB?) {
        guard row >= 0, row < rows else { return }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let c = column + offset
            if c >= 0 && c < columns { self[c, row] = TextCell(scalar, foreground: foreground, background: background) }
        }
    }

    /// Rows of text with SGR colours, each row ending in a reset (when coloured) and "\n".
    /// A colour is only sent when it changes; a space's foreground never matters.
    public func encode(colourDepth: ColourDepth) -> [UInt8] {
        var out = ByteWriter(capacity: columns * rows * (colourDepth == .none ? 1 : 16) + rows * 8)
        cells.withUnsafeBufferPointer { cells in
            for row in 0..<rows {
                var foreground: RGB? = nil // each row starts from the default colours
                var background: RGB? = nil
                var dirty = false
                for column in 0..<columns {
                    let cell = cells[row * columns + column]
                    // Room for two colours and one character.
                    out.reserve(48)
                    if colourDepth != .none {
                        let newForeground = cell.character != " " && foreground != cell.foreground
                        let newBackground = background != cell.background
                        if newForeground || newBackground {
                            out.append(0x1B)
                            out.append(UInt8(ascii: "["))
                            if newForeground { appendColour(cell.foreground, layer: 38, depth: colourDepth, to: &out) }
                            if newForeground && newBackground { out.append(UInt8(ascii: ";")) }
                            if newBackground { appendColour(cell.background, layer: 48, depth: colourDepth, to: &out) }
                            out.append(UInt8(ascii: "m"))
                            if newForeground { foreground = cell.foreground }
                            background = cell.background
                            dirty = true
                        }
                    }
                    appendUTF8(cell.character, to: &out)
                }
                out.reserve(8)
                if dirty { out.append("\u{1B}[0m") }
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out.bytes()
    }
}

/// Appends `38;2;r;g;b` (or `38;5;n`) style parameters; nil selects the default colour.
@inline(__always)
private func appendColour(_ colour: RGB?, layer: Int, depth: ColourDepth, to out: inout ByteWriter) {
    guard let colour else {
        out.appendDecimal(layer + 1) // 39 / 49: default colour
        return
    }
    out.appendDecimal(layer)
    if depth == .trueColour {
        out.append(UInt8(ascii: ";")); out.append(UInt8(ascii: "2")); out.append(UInt8(ascii: ";"))
        out.appendDecimal(Int(colour.r)); out.append(UInt8(ascii: ";"))
        out.appendDecimal(Int(colour.g)); out.append(UInt8(ascii: ";"))
        out.appendDecimal(Int(colour.b))
    } else {
        out.append(UInt8(ascii: ";")); out.append(UInt8(ascii: "5")); out.append(UInt8(ascii: ";"))
        out.appendDecimal(xterm256Index(colour))
    }
}

/// The nearest colour of the xterm 256-colour palette among the 6x6x6 cube (16...231)
/// and the grey ramp (232...255).
public func xterm256Index(_ colour: RGB) -> Int {
    let levels = [0, 95, 135, 175, 215, 255]
    func cubeStep(_ v: Int) -> Int { v < 48 ? 0 : (v < 115 ? 1 : (v - 35) / 40) }
    let r = Int(colour.r), g = Int(colour.g), b = Int(colour.b)
    let (cr, cg, cb) = (cubeStep(r), cubeStep(g), cubeStep(b))
    let cubeDistance = (levels[cr] - r) * (levels[cr] - r) + (levels[cg] - g) * (levels[cg] - g) + (levels[cb] - b) * (levels[cb] - b)
    let mean = (r + g + b) / 3
    let grey = mean < 8 ? 0 : min(23, (mean - 8 + 5) / 10)
    let greyValue = 8 + 10 * grey
    let greyDistance = (greyValue - r) * (greyValue - r) + (greyValue - g) * (greyValue - g) + (greyValue - b) * (greyValue - b)
    return greyDistance < cubeDistance ? 232 + grey : 16 + 36 * cr + 6 * cg + cb
}

/// Scaled overlay corners in a grid of `gridWidth` x `gridHeight`, from an image's pixels.
private func gridRect(_ overlay: Overlay, image: RGBImage, gridWidth: Int, gridHeight: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
    let sx = Double(gridWidth) / Double(image.width), sy = Double(gridHeight) / Double(image.height)
    let x0 = (overlay.x * sx).clampedPixel(.down), y0 = (overlay.y * sy).clampedPixel(.down)
    let x1 = max(x0, ((overlay.x + overlay.width) * sx).clampedPixel(.up) - 1)
    let y1 = max(y0, ((overlay.y + overlay.height) * sy).clampedPixel(.up) - 1)
    return (x0, y0, x1, y1)
}

/// Upper half blocks: each cell shows two pixels, the top one as foreground of U+2580 and the
/// bottom one as background. Boxes are 1-pixel coloured edges; tags are text in the cells above.
public struct BlockRenderer: TerminalRenderer {
    /// `.trueColour` or `.palette256`; `.none` is treated as the palette.
    public var colourDepth: ColourDepth
    public var mode: GraphicsMode { .blocks }

    public init(colourDepth: ColourDepth = .trueColour) {
        self.colourDepth = colourDepth == .none ? .palette256 : colourDepth
    }

    public func render(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> [UInt8] {
        try canvas(image, overlays: overlays, in: area).encode(colourDepth: colourDepth)
    }

    /// The cells, for front ends that draw them themselves.
    public func canvas(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> TextCanvas {
        try area.validate()
        // A half cell is cellWidth x cellHeight/2 pixels on screen.
        let aspect = Double(area.cellWidth) / (Double(area.cellHeight) / 2)
        let size = fittedSize(imageWidth: image.width, imageHeight: image.height,
                              width: area.columns, height: area.rows * 2, pixelAspect: aspect)
        var grid = image.displayResized(width: size.width, height: size.height)
        for overlay in overlays {
            let r = gridRect(overlay, image: image, gridWidth: size.width, gridHeight: size.height)
            grid.strokeRectangle(x: r.x0, y: r.y0, width: r.x1 - r.x0 + 1, height: r.y1 - r.y0 + 1, thickness: 1, colour: overlay.colour)
        }
        let rows = (size.height + 1) / 2
        var canvas = TextCanvas(columns: size.width, rows: rows)
        for row in 0..<rows {
            for column in 0..<size.width {
                let top = grid[column, row * 2]
                if row * 2 + 1 < size.height {
                    let bottom = grid[column, row * 2 + 1]
                    canvas[column, row] = top == bottom
                        ? TextCell(" ", background: bottom)
                        : TextCell("\u{2580}", foreground: top, background: bottom)
                } else {
                    canvas[column, row] = TextCell("\u{2580}", foreground: top)
                }
            }
        }
        for overlay in overlays {
            guard let label = overlay.label, !label.isEmpty else { continue }
            let r = gridRect(overlay, image: image, gridWidth: size.width, gridHeight: size.height)
            let above = r.y0 / 2 - 1
            let row = above >= 0 ? above : min(rows - 1, r.y0 / 2 + 1)
            canvas.write(label, column: max(0, min(r.x0, size.width - label.unicodeScalars.count)), row: row,
                         foreground: overlay.colour.contrasting, background: overlay.colour)
        }
        return canvas
    }
}

/// A luminance ramp, one character per cell; coloured characters unless colour is off.
/// Boxes are drawn with `+ - |` on their border cells; tags as text in the row above.
public struct AsciiRenderer: TerminalRenderer {
    public var colourDepth: ColourDepth
    public var mode: GraphicsMode { .ascii }
    /// Darkest to lightest, for a dark terminal background.
    public static let ramp: [Unicode.Scalar] = Array(" .:-=+*#%@".unicodeScalars)

    public init(colourDepth: ColourDepth = .none) {
        self.colourDepth = colourDepth
    }

    public func render(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> [UInt8] {
        try canvas(image, overlays: overlays, in: area).encode(colourDepth: colourDepth)
    }

    public func canvas(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> TextCanvas {
        try area.validate()
        let aspect = Double(area.cellWidth) / Double(area.cellHeight)
        let size = fittedSize(imageWidth: image.width, imageHeight: image.height,
                              width: area.columns, height: area.rows, pixelAspect: aspect)
        let grid = image.displayResized(width: size.width, height: size.height)
        let coloured = colourDepth != .none
        var canvas = TextCanvas(columns: size.width, rows: size.height)
        let last = Self.ramp.count - 1
        for row in 0..<size.height {
            for column in 0..<size.width {
                let p = grid[column, row]
                let luma = (299 * Int(p.r) + 587 * Int(p.g) + 114 * Int(p.b)) / 1000
                canvas[column, row] = TextCell(Self.ramp[(luma * last + 127) / 255], foreground: coloured ? p : nil)
            }
        }
        for overlay in overlays {
            let r = gridRect(overlay, image: image, gridWidth: size.width, gridHeight: size.height)
            let colour: RGB? = coloured ? overlay.colour : nil
            func put(_ c: Unicode.Scalar, _ x: Int, _ y: Int) {
                if x >= 0 && x < size.width && y >= 0 && y < size.height { canvas[x, y] = TextCell(c, foreground: colour) }
            }
            for x in r.x0...r.x1 { put("-", x, r.y0); put("-", x, r.y1) }
            for y in r.y0...r.y1 { put("|", r.x0, y); put("|", r.x1, y) }
            for (x, y) in [(r.x0, r.y0), (r.x1, r.y0), (r.x0, r.y1), (r.x1, r.y1)] { put("+", x, y) }
            if let label = overlay.label, !label.isEmpty {
                let row = r.y0 - 1 >= 0 ? r.y0 - 1 : min(size.height - 1, r.y0 + 1)
                canvas.write(label, column: max(0, min(r.x0, size.width - label.unicodeScalars.count)), row: row,
                             foreground: coloured ? overlay.colour.contrasting : nil, background: colour)
            }
        }
        return canvas
    }
}

/// The colour a 256-colour terminal shows for `colour` (its nearest palette entry).
public func xterm256Colour(_ colour: RGB) -> RGB {
    let index = xterm256Index(colour)
    if index >= 232 {
        let v = UInt8(8 + 10 * (index - 232))
        return RGB(v, v, v)
    }
    let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
    let i = index - 16
    return RGB(levels[i / 36], levels[i / 6 % 6], levels[i % 6])
}

extension TextCanvas {
    /// The canvas with every colour as the terminal will show it at `depth`: changes a
    /// 256-colour terminal cannot show are then no changes at all.
    public func snapped(to depth: ColourDepth) -> TextCanvas {
        guard depth == .palette256 else { return self }
        var out = self
        var memo: [RGB: RGB] = [:]
        func snap(_ c: RGB?) -> RGB? {
            guard let c else { return nil }
            if let known = memo[c] { return known }
            let shown = xterm256Colour(c)
            memo[c] = shown
            return shown
        }
        for i in out.cells.indices {
            out.cells[i].foreground = snap(out.cells[i].foreground)
            out.cells[i].background = snap(out.cells[i].background)
        }
        return out
    }

    /// The canvas, except that cells within `tolerance` (per colour channel, same character)
    /// of what `previous` shows keep showing that: near-identical cells of the next frame
    /// need not be sent, and what shows stays within `tolerance` of the picture.
    public func keepingClose(to previous: TextCanvas?, tolerance: Int) -> TextCanvas {
        guard tolerance > 0, let previous, previous.columns == columns, previous.rows == rows else { return self }
        func close(_ a: RGB?, _ b: RGB?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return abs(Int(a.r) - Int(b.r)) <= tolerance && abs(Int(a.g) - Int(b.g)) <= tolerance && abs(Int(a.b) - Int(b.b)) <= tolerance
        }
        var out = self
        for i in cells.indices {
            let new = cells[i], old = previous.cells[i]
            if new.character == old.character && close(new.background, old.background)
                && (new.character == " " || close(new.foreground, old.foreground)) {
                out.cells[i] = old
            }
        }
        return out
    }

    /// Bytes that turn `previous` (what the terminal shows with its top-left cell at 0-based
    /// `column`, `row`) into this canvas: only the runs of cells that differ, each reached with
    /// a cursor move, and a colour only where it changes. Everything when `previous` is nil or
    /// of another size. Ends with the colours reset.
    public func encodeChanges(from previous: TextCanvas?, column: Int, row: Int, colourDepth: ColourDepth) -> [UInt8] {
        let all = previous == nil || previous!.columns != columns || previous!.rows != rows
        var out = ByteWriter(capacity: all ? columns * rows * 12 + rows * 12 : 4096)
        var foreground: RGB?? = .none  // unknown until set
        var background: RGB?? = .none
        var any = false
        for y in 0..<rows {
            var x = 0
            while x < columns {
                if !all && self[x, y] == previous![x, y] { x += 1; continue }
                // A run of changes, bridging gaps of up to four unchanged cells (a cursor move costs more).
                var end = x + 1  // one past the last changed cell of the run
                var probe = end
                while probe < columns && probe - end <= 4 {
                    if all || self[probe, y] != previous![probe, y] { end = probe + 1 }
                    probe += 1
                }
                out.reserve(24)
                out.append(0x1B); out.append(UInt8(ascii: "["))
                out.appendDecimal(row + y + 1); out.append(UInt8(ascii: ";"))
                out.appendDecimal(column + x + 1); out.append(UInt8(ascii: "H"))
                for cx in x..<end {
                    let cell = self[cx, y]
                    out.reserve(48)
                    if colourDepth != .none {
                        let newForeground = cell.character != " " && foreground != .some(cell.foreground)
                        let newBackground = background != .some(cell.background)
                        if newForeground || newBackground {
                            out.append(0x1B); out.append(UInt8(ascii: "["))
                            if newForeground { appendColour(cell.foreground, layer: 38, depth: colourDepth, to: &out) }
                            if newForeground && newBackground { out.append(UInt8(ascii: ";")) }
                            if newBackground { appendColour(cell.background, layer: 48, depth: colourDepth, to: &out) }
                            out.append(UInt8(ascii: "m"))
                            if newForeground { foreground = .some(cell.foreground) }
                            background = .some(cell.background)
                        }
                    }
                    appendUTF8(cell.character, to: &out)
                }
                any = true
                x = end
            }
        }
        if any && colourDepth != .none { out.reserve(8); out.append("\u{1B}[0m") }
        return out.bytes()
    }
}

@inline(__always)
private func appendUTF8(_ scalar: Unicode.Scalar, to out: inout ByteWriter) {
    let value = scalar.value
    if value < 0x80 {
        out.append(UInt8(truncatingIfNeeded: value))
    } else if value < 0x800 {
        out.append(UInt8(truncatingIfNeeded: 0xC0 | value >> 6))
        out.append(UInt8(truncatingIfNeeded: 0x80 | value & 0x3F))
    } else if value < 0x10000 {
        out.append(UInt8(truncatingIfNeeded: 0xE0 | value >> 12))
        out.append(UInt8(truncatingIfNeeded: 0x80 | (value >> 6) & 0x3F))
        out.append(UInt8(truncatingIfNeeded: 0x80 | value & 0x3F))
    } else {
        out.append(UInt8(truncatingIfNeeded: 0xF0 | value >> 18))
        out.append(UInt8(truncatingIfNeeded: 0x80 | (value >> 12) & 0x3F))
        out.append(UInt8(truncatingIfNeeded: 0x80 | (value >> 6) & 0x3F))
        out.append(UInt8(truncatingIfNeeded: 0x80 | value & 0x3F))
    }
}
