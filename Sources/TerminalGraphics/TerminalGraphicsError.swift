/// What can go wrong while turning an image into terminal output or probing the terminal.
public enum TerminalGraphicsError: Error, Equatable, CustomStringConvertible {
    /// A render target of zero (or negative) cells or pixels was asked for.
    case emptyTarget(columns: Int, rows: Int)
    /// A cell size of zero (or negative) pixels was given for a pixel protocol.
    case invalidCellSize(width: Int, height: Int)
    /// The number of sixel colour registers is outside 2...256.
    case invalidColourRegisters(Int)
    /// The value of `--graphics` or MICROLABEL_GRAPHICS is not one of the known modes.
    case unknownGraphicsMode(String, source: String)
    /// zlib refused to compress the kitty payload.
    case compressionFailed(code: Int32)

    public var description: String {
        switch self {
        case let .emptyTarget(columns, rows):
            return "cannot render into \(columns)x\(rows) cells: the target needs at least 1 column and 1 row"
        case let .invalidCellSize(width, height):
            return "cell size \(width)x\(height) px is not usable: both sides must be at least 1 px"
        case let .invalidColourRegisters(count):
            return "\(count) sixel colour registers requested: use a number from 2 to 256"
        case let .unknownGraphicsMode(value, source):
            return "\(source) is '\(value)': use one of auto, sixel, kitty, blocks, ascii"
        case let .compressionFailed(code):
            return "zlib could not compress the image for the kitty protocol (error \(code))"
        }
    }
}
