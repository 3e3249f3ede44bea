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
        var out: [UInt8] = []
        out.reserveCapacity(width * height / 2 + colours * 16 + 64)
        out.append(contentsOf: Array("\u{1B}P0;1;0q\"1;1;".utf8))
        appendDecimal(width, to: &out)
        out.append(UInt8(ascii: ";"))
        appendDecimal(height, to: &out)
        for (i, colour) in image.palette.enumerated() {
            out.append(UInt8(ascii: "#"))
            appendDecimal(i, to: &out)
            out.append(contentsOf: [UInt8(ascii: ";"), UInt8(ascii: "2"), UInt8(ascii: ";")])
            appendDecimal(percent(colour.r), to: &out)
            out.append(UInt8(ascii: ";"))
            appendDecimal(percent(colour.g), to: &out)
            out.append(UInt8(ascii: ";"))
            appendDecimal(percent(colour.b), to: &out)
        }

        // Per band: the six-bit column pattern of every colour, and for each colour a mask of
        // which chunks of columns it occurs in, so absent stretches are skipped, not scanned.
        var chunkShift = 6
        while (width + (1 << chunkShift) - 1) >> chunkShift > 64 { chunkShift += 1 }
        let chunkSize = 1 << chunkShift
        var patterns = [UInt8](repeating: 0, count: colours * width)
        var chunkMask = [UInt64](repeating: 0, count: colours)

        image.indices.withUnsafeBufferPointer { indices in
            patterns.withUnsafeMutableBufferPointer { patterns in
                chunkMask.withUnsafeMutableBufferPointer { chunkMask in
                    var bandTop = 0
                    while bandTop < height {
                        let bandRows = min(6, height - bandTop)
                        for k in 0..<bandRows {
                            let bit = UInt8(1) << UInt8(k)
                            let row = (bandTop + k) * width
                            for x in 0..<width {
                                let c = Int(indices[row &+ x])
                                patterns[c &* width &+ x] |= bit
                                chunkMask[c] |= UInt64(1) << UInt64(x >> chunkShift)
                            }
                        }
                        var firstInBand = true
                        for c in 0..<colours where chunkMask[c] != 0 {
                            if !firstInBand { out.append(UInt8(ascii: "$")) }
                            firstInBand = false
                            out.append(UInt8(ascii: "#"))
                            appendDecimal(c, to: &out)
                            var run = RunLength()
                            var mask = chunkMask[c]
                            var position = 0 // next column not yet accounted for
                            let base = c * width
                            while mask != 0 {
                                let chunk = mask.trailingZeroBitCount
                                mask &= mask - 1
                                let start = chunk << chunkShift, end = min(width, start + chunkSize)
                                if start > position { run.add(0, count: start - position, to: &out) }
                                for x in start..<end {
                                    let p = patterns[base &+ x]
                                    patterns[base &+ x] = 0
                                    run.add(p, count: 1, to: &out)
                                }
                                position = end
                            }
                            run.finish(to: &out)
                            chunkMask[c] = 0
                        }
                        bandTop += 6
                        if bandTop < height { out.append(UInt8(ascii: "-")) }
                    }
                }
            }
        }
        out.append(contentsOf: [0x1B, UInt8(ascii: "\\")])
        return out
    }
}

/// Run-length state for one colour row: `!n` + sixel for runs longer than three.
private struct RunLength {
    var pattern: UInt8 = 0
    var length = 0

    @inline(__always) mutating func add(_ p: UInt8, count: Int, to out: inout [UInt8]) {
        if p == pattern {
            length &+= count
        } else {
            flush(to: &out)
            pattern = p
            length = count
        }
    }

    @inline(__always) func flush(to out: inout [UInt8]) {
        guard length > 0 else { return }
        let character = pattern &+ 63
        if length > 3 {
            out.append(UInt8(ascii: "!"))
            appendDecimal(length, to: &out)
            out.append(character)
        } else {
            for _ in 0..<length { out.append(character) }
        }
    }

    /// Ends the row; a trailing run of empty sixels is left out.
    mutating func finish(to out: inout [UInt8]) {
        if pattern != 0 { flush(to: &out) }
        length = 0
    }
}

@inline(__always)
func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 10 {
        out.append(UInt8(truncatingIfNeeded: 48 + value))
        return
    }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    var v = value
    withUnsafeMutableBytes(of: &digits) { d in
        while v > 0 && count < 10 {
            d[count] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            count += 1
        }
        while count > 0 {
            count -= 1
            out.append(d[count])
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
