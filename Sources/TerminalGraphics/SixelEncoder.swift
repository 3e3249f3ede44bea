import Imaging

/// Encodes an RGB image as a DEC sixel image with a palette chosen for this frame.
///
/// The output is `ESC P 0;1;0 q`, raster attributes `"1;1;W;H` (so decoders know the size),
/// the palette in percent, then one band per six pixel rows, each colour of the band as a
/// run-length-encoded row of sixels, and `ESC \`.
public struct SixelEncoder: Sendable {
    /// Palette size, 2...256; terminals report theirs through XTSMGRAPHICS.
    public var colourRegisters: Int
    /// Floyd-Steinberg error diffusion; off by default (sharper, smaller, higher PSNR).
    public var dither: Bool

    public init(colourRegisters: Int = 256, dither: Bool = false) {
        self.colourRegisters = colourRegisters
        self.dither = dither
    }

    /// The sixel bytes for `image` at its own pixel size.
    public func encode(_ image: RGBImage) throws -> [UInt8] {
        guard (2...256).contains(colourRegisters) else { throw TerminalGraphicsError.invalidColourRegisters(colourRegisters) }
        var quantizer = ColourQuantizer(maxColours: colourRegisters)
        quantizer.dither = dither
        quantizer.channelAsShown = Self.channelAsShown
        let quantized = quantizer.quantize(image)
        return Self.write(quantized, width: image.width, height: image.height)
    }

    /// Sixel colours are percentages; a decoder turns p back into (p * 255 + 50) / 100.
    static func percent(_ value: UInt8) -> Int { (Int(value) * 100 + 127) / 255 }
    static let channelAsShown: [UInt8] = (0...255).map { UInt8((percent(UInt8($0)) * 255 + 50) / 100) }

    static func write(_ image: QuantizedImage, width: Int, height: Int) -> [UInt8] {
        let colours = image.palette.count
        // Untouched capacity costs nothing; this size avoids regrowing for ordinary frames.
        var out = ByteWriter(capacity: width * height * 2 + colours * 20 + 256)
        out.append("\u{1B}P0;1;0q\"1;1;")
        out.reserve(48)
        out.appendDecimal(width)
        out.append(UInt8(ascii: ";"))
        out.appendDecimal(height)
        for (i, colour) in image.palette.enumerated() {
            out.reserve(24)
            out.append(UInt8(ascii: "#"))
            out.appendDecimal(i)
            out.append(";2;")
            out.appendDecimal(percent(colour.r))
            out.append(UInt8(ascii: ";"))
            out.appendDecimal(percent(colour.g))
            out.append(UInt8(ascii: ";"))
            out.appendDecimal(percent(colour.b))
        }

        image.indices.withUnsafeBufferPointer { indices in
            writeBands(indices, width: width, height: height, colours: colours, to: &out)
        }
        out.append("\u{1B}\\")
        return out.bytes()
    }
}

extension SixelEncoder {
    /// The bands of sixels. Per band and colour: the six-bit pattern of every column, and a
    /// bitmap of the columns where the colour occurs, so writing a colour's row costs in
    /// proportion to where it occurs rather than to the width.
    static func writeBands(_ indices: UnsafeBufferPointer<UInt8>, width: Int, height: Int, colours: Int, to out: inout ByteWriter) {
        let words = (width + 63) >> 6
        let patterns = UnsafeMutablePointer<UInt8>.allocate(capacity: colours * width)
        patterns.initialize(repeating: 0, count: colours * width)
        let columns = UnsafeMutablePointer<UInt64>.allocate(capacity: colours * words)
        columns.initialize(repeating: 0, count: colours * words)
        var present: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        defer { patterns.deallocate(); columns.deallocate() }
        let pixels = indices.baseAddress!

        var bandTop = 0
        while bandTop < height {
            let bandRows = min(6, height - bandTop)
            withUnsafeMutableBytes(of: &present) { present in
                let presentWords = present.bindMemory(to: UInt64.self)
                for k in 0..<bandRows {
                    let bit = UInt8(1) << UInt8(k)
                    let row = pixels + (bandTop + k) * width
                    for x in 0..<width {
                        let c = Int(row[x])
                        patterns[c &* width &+ x] |= bit
                        columns[c &* words &+ (x >> 6)] |= UInt64(1) << UInt64(x & 63)
                        presentWords[c >> 6] |= UInt64(1) << UInt64(c & 63)
                    }
                }
            }
            var firstInBand = true
            for group in 0..<4 {
                var colourMask: UInt64
                switch group {
                case 0: colourMask = present.0
                case 1: colourMask = present.1
                case 2: colourMask = present.2
                default: colourMask = present.3
                }
                while colourMask != 0 {
                    let c = group << 6 | colourMask.trailingZeroBitCount
                    colourMask &= colourMask &- 1
                    let line = patterns + c * width
                    let occupied = columns + c * words
                    let separator = !firstInBand
                    firstInBand = false
                    // One colour row is at most `width` sixels plus run markers and a header.
                    out.write(room: 2 * width + 24) { start in
                        var row = SixelRowWriter(cursor: start)
                        if separator { row.put(UInt8(ascii: "$")) }
                        row.put(UInt8(ascii: "#"))
                        row.putDecimal(c)
                        var pattern: UInt8 = 0
                        var length = 0
                        var position = 0 // next column not yet accounted for
                        for w in 0..<words {
                            var bits = occupied[w]
                            occupied[w] = 0
                            while bits != 0 {
                                let x = w << 6 | bits.trailingZeroBitCount
                                bits &= bits &- 1
                                if x > position {
                                    // Columns without this colour: empty sixels.
                                    if pattern != 0 { row.putRun(pattern, length); pattern = 0; length = 0 }
                                    length &+= x &- position
                                }
                                let p = line[x]
                                line[x] = 0
                                if p == pattern {
                                    length &+= 1
                                } else {
                                    row.putRun(pattern, length)
                                    pattern = p
                                    length = 1
                                }
                                position = x &+ 1
                            }
                        }
                        row.putRun(pattern, length) // the last run is never empty sixels
                        return row.cursor - start
                    }
                }
            }
            present = (0, 0, 0, 0)
            bandTop += 6
            if bandTop < height { out.append(UInt8(ascii: "-")) }
        }
    }
}

/// Writes one colour row through a pointer kept in a register; the caller has made room.
private struct SixelRowWriter {
    var cursor: UnsafeMutablePointer<UInt8>

    @inline(__always) mutating func put(_ byte: UInt8) {
        cursor.pointee = byte
        cursor += 1
    }

    @inline(__always) mutating func putDecimal(_ value: Int) {
        if value >= 100 { put(UInt8(truncatingIfNeeded: 48 &+ value / 100)) }
        if value >= 10 { put(UInt8(truncatingIfNeeded: 48 &+ (value / 10) % 10)) }
        put(UInt8(truncatingIfNeeded: 48 &+ value % 10))
    }

    /// `!n` + sixel for runs longer than three, else the sixel repeated; needs 3 bytes of slack.
    @inline(__always) mutating func putRun(_ pattern: UInt8, _ length: Int) {
        let character = pattern &+ 63
        if length > 3 {
            put(UInt8(ascii: "!"))
            if length >= 1000 {
                var digits = 0, v = length
                while v > 0 { digits &+= 1; v /= 10 }
                v = length
                for i in stride(from: digits - 1, through: 0, by: -1) {
                    cursor[i] = UInt8(truncatingIfNeeded: 48 &+ v % 10)
                    v /= 10
                }
                cursor += digits
            } else {
                putDecimal(length)
            }
            put(character)
        } else {
            cursor[0] = character
            cursor[1] = character
            cursor[2] = character
            cursor += length
        }
    }
}

/// Sixel in a cell area: fitted, overlays drawn in image space, height padded to whole cells.
public struct SixelRenderer: TerminalRenderer {
    public var encoder: SixelEncoder
    /// Wrap the output for tmux passthrough.
    public var tmuxPassthrough: Bool
    public var mode: GraphicsMode { .sixel }

    public init(encoder: SixelEncoder = SixelEncoder(), tmuxPassthrough: Bool = false) {
        self.encoder = encoder
        self.tmuxPassthrough = tmuxPassthrough
    }

    /// The image fitted into the area, overlays drawn, then padded with black rows to a multiple
    /// of the cell height and of 6 (or of the cell height only, when that would not fit).
    /// Keep the bottom text row out of `area`: a sixel touching it scrolls the screen.
    public func render(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> [UInt8] {
        try area.validate()
        let box = (width: area.columns * area.cellWidth, height: area.rows * area.cellHeight)
        let size = fittedSize(imageWidth: image.width, imageHeight: image.height, width: box.width, height: box.height)
        var frame = image.displayResized(width: size.width, height: size.height)
        frame.draw(overlays, scaleX: Double(size.width) / Double(image.width), scaleY: Double(size.height) / Double(image.height))
        let step = lcm(6, area.cellHeight)
        var padded = (size.height + step - 1) / step * step
        if padded > box.height { padded = (size.height + area.cellHeight - 1) / area.cellHeight * area.cellHeight }
        if padded != size.height {
            var tall = RGBImage(width: size.width, height: padded)
            tall.pixels.replaceSubrange(0..<frame.pixels.count, with: frame.pixels)
            frame = tall
        }
        let bytes = try encoder.encode(frame)
        return tmuxPassthrough ? TerminalGraphics.tmuxPassthrough(bytes) : bytes
    }

    /// The image at its own pixel size with overlays drawn, as `microlabel render` prints it.
    public func render(_ image: RGBImage, overlays: [Overlay]) throws -> [UInt8] {
        var frame = image
        frame.draw(overlays)
        let bytes = try encoder.encode(frame)
        return tmuxPassthrough ? TerminalGraphics.tmuxPassthrough(bytes) : bytes
    }
}

func lcm(_ a: Int, _ b: Int) -> Int {
    var x = a, y = b
    while y != 0 { (x, y) = (y, x % y) }
    return a / x * b
}

/// How coarse a light sixel image is: blocks of `blockWidth` pixels across and one sixel
/// band (6 pixels) down, each one colour out of at most `colours`. A row of blocks is a run
/// of one sixel character per colour, so the bytes fall with the block width and the palette.
public struct SixelCoarseness: Sendable, Hashable {
    public var blockWidth: Int
    public var colours: Int

    public init(blockWidth: Int, colours: Int) {
        self.blockWidth = max(1, blockWidth)
        self.colours = min(256, max(2, colours))
    }

    /// From fine to coarse; the room moves along it to fit the link.
    public static let levels: [SixelCoarseness] = [
        SixelCoarseness(blockWidth: 2, colours: 64), SixelCoarseness(blockWidth: 3, colours: 32),
        SixelCoarseness(blockWidth: 4, colours: 24), SixelCoarseness(blockWidth: 6, colours: 16),
        SixelCoarseness(blockWidth: 8, colours: 16), SixelCoarseness(blockWidth: 12, colours: 12),
        SixelCoarseness(blockWidth: 16, colours: 8),
    ]
}

extension SixelEncoder {
    /// A light sixel image of `image`: averaged into blocks, few colours, then the overlays
    /// drawn sharp on top (boxes stay readable while the picture is coarse). The palette is
    /// chosen on the blocks alone, so this costs a fraction of a full encode.
    public func encodeCoarse(_ image: RGBImage, overlays: [Overlay], coarseness: SixelCoarseness) throws -> [UInt8] {
        let blocks = Self.blockCount(width: image.width, height: image.height, coarseness: coarseness)
        return try encodeCoarse(blocks: image.displayResized(width: blocks.across, height: blocks.down),
                                width: image.width, height: image.height, overlays: overlays, coarseness: coarseness)
    }

    /// Blocks across and down of a `width` x `height` light picture.
    public static func blockCount(width: Int, height: Int, coarseness: SixelCoarseness) -> (across: Int, down: Int) {
        (max(1, (width + coarseness.blockWidth - 1) / coarseness.blockWidth), max(1, (height + 5) / 6))
    }

    /// The same from the blocks themselves (one pixel a block, `blockCount` of them), so the
    /// picture need never exist at full size.
    public func encodeCoarse(blocks small: RGBImage, width: Int, height: Int, overlays: [Overlay],
                             coarseness: SixelCoarseness) throws -> [UInt8] {
        let blockWidth = coarseness.blockWidth
        let blocksAcross = small.width, blocksDown = small.height
        var quantizer = ColourQuantizer(maxColours: min(colourRegisters, coarseness.colours))
        quantizer.channelAsShown = Self.channelAsShown
        let blocks = quantizer.quantize(small)
        var palette = blocks.palette

        // Overlays land on a canvas of a colour they never use; whatever changed is overlay.
        let unused = RGB(1, 2, 3)
        var marks = RGBImage(width: width, height: height)
        marks.pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count { p[i] = unused.r; p[i + 1] = unused.g; p[i + 2] = unused.b; i += 3 }
        }
        marks.draw(overlays)

        var indices = [UInt8](repeating: 0, count: width * height)
        var extra: [RGB: UInt8] = [:]
        blocks.indices.withUnsafeBufferPointer { src in
            marks.pixels.withUnsafeBufferPointer { mark in
                indices.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let row = min(blocksDown - 1, y / 6) * blocksAcross
                        for x in 0..<width {
                            let o = y * width + x
                            let m = o * 3
                            if mark[m] == unused.r && mark[m + 1] == unused.g && mark[m + 2] == unused.b {
                                dst[o] = src[row + min(blocksAcross - 1, x / blockWidth)]
                            } else {
                                let colour = RGB(mark[m], mark[m + 1], mark[m + 2])
                                if let known = extra[colour] {
                                    dst[o] = known
                                } else if palette.count < 256 {
                                    extra[colour] = UInt8(palette.count)
                                    dst[o] = UInt8(palette.count)
                                    palette.append(colour)
                                } else {
                                    dst[o] = UInt8(palette.count - 1)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Self.write(QuantizedImage(palette: palette, indices: indices), width: width, height: height)
    }
}
