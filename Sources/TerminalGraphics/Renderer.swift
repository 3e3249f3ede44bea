import Imaging

/// The ways microlabel can draw an image in a terminal.
public enum GraphicsMode: String, Sendable, CaseIterable, CustomStringConvertible {
    case sixel, kitty, blocks, ascii
    public var description: String { rawValue }
    /// Whether the mode draws real pixels, as opposed to text cells.
    public var isPixel: Bool { self == .sixel || self == .kitty }
}

/// Where an image is drawn: a rectangle of terminal cells and the pixel size of one cell.
///
/// Pixel protocols fit the image into `columns * cellWidth` by `rows * cellHeight` pixels;
/// text modes into `columns` by `rows` cells. The aspect ratio is kept in both.
public struct CellArea: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    /// Pixels per cell, from the terminal probe; 10x20 when the terminal does not say.
    public var cellWidth: Int
    public var cellHeight: Int

    public init(columns: Int, rows: Int, cellWidth: Int = 10, cellHeight: Int = 20) {
        self.columns = columns
        self.rows = rows
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
    }

    func validate() throws {
        guard columns > 0, rows > 0 else { throw TerminalGraphicsError.emptyTarget(columns: columns, rows: rows) }
        guard cellWidth > 0, cellHeight > 0 else {
            throw TerminalGraphicsError.invalidCellSize(width: cellWidth, height: cellHeight)
        }
    }
}

/// One renderer: an image, its overlays and a cell area in, bytes for the terminal out.
public protocol TerminalRenderer: Sendable {
    var mode: GraphicsMode { get }
    /// Renders `image` with `overlays` (in the image's pixel coordinates) fitted into `area`.
    /// The output starts at the cursor; text modes end each row with a newline.
    func render(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> [UInt8]
}

/// How text output may use colour.
public enum ColourDepth: String, Sendable, Equatable {
    /// 24-bit SGR colours (COLORTERM=truecolor or 24bit).
    case trueColour
    /// The xterm 256-colour palette: the 6x6x6 cube and the grey ramp.
    case palette256
    /// No colour at all (NO_COLOR, TERM=dumb).
    case none
}

/// The renderer for a mode with the given options.
public func makeRenderer(
    _ mode: GraphicsMode, colourDepth: ColourDepth = .trueColour, colourRegisters: Int = 256,
    tmuxPassthrough: Bool = false
) -> any TerminalRenderer {
    switch mode {
    case .sixel:
        return SixelRenderer(encoder: SixelEncoder(colourRegisters: colourRegisters), tmuxPassthrough: tmuxPassthrough)
    case .kitty:
        return KittyRenderer(encoder: KittyEncoder(), tmuxPassthrough: tmuxPassthrough)
    case .blocks:
        return BlockRenderer(colourDepth: colourDepth == .none ? .palette256 : colourDepth)
    case .ascii:
        return AsciiRenderer(colourDepth: colourDepth)
    }
}

/// The largest size with the image's aspect ratio that fits in `width` x `height`, at least 1x1.
/// `pixelAspect` is the displayed width of one target unit divided by its height.
func fittedSize(imageWidth: Int, imageHeight: Int, width: Int, height: Int, pixelAspect: Double = 1) -> (width: Int, height: Int) {
    let imageAspect = Double(imageWidth) / Double(imageHeight)
    // In target units: w * pixelAspect / h == imageAspect.
    var w = Double(width)
    var h = w * pixelAspect / imageAspect
    if h > Double(height) {
        h = Double(height)
        w = h * imageAspect / pixelAspect
    }
    return (max(1, min(width, Int(w.rounded()))), max(1, min(height, Int(h.rounded()))))
}

/// Wraps an escape sequence for tmux passthrough: `ESC Ptmux; ... ESC \` with every ESC doubled.
public func tmuxPassthrough(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = Array("\u{1B}Ptmux;".utf8)
    out.reserveCapacity(bytes.count + bytes.count / 64 + 16)
    for byte in bytes {
        if byte == 0x1B { out.append(0x1B) }
        out.append(byte)
    }
    out.append(contentsOf: [0x1B, UInt8(ascii: "\\")])
    return out
}
