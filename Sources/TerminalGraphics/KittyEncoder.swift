import CZlib
import Imaging

/// Encodes an image for the kitty graphics protocol: raw RGB (f=24), zlib-compressed (o=z),
/// base64, in chunks of at most 4096 bytes. Sending the same image and placement ids again
/// replaces the picture in place; C=1 keeps the cursor still and q=2 silences replies.
public struct KittyEncoder: Sendable {
    public var imageID: UInt32
    public var placementID: UInt32
    /// zlib level; 1 is fast and already shrinks video frames well.
    public var compressionLevel: Int32

    /// Largest base64 payload per escape sequence, as the protocol allows.
    public static let chunkSize = 4096

    public init(imageID: UInt32 = 1, placementID: UInt32 = 1, compressionLevel: Int32 = 1) {
        self.imageID = imageID
        self.placementID = placementID
        self.compressionLevel = compressionLevel
    }

    /// Transmit-and-display commands for `image` at its own pixel size.
    public func encode(_ image: RGBImage) throws -> [UInt8] {
        let compressed = try deflate(image.pixels, level: compressionLevel)
        let keys = "a=T,f=24,o=z,s=\(image.width),v=\(image.height),i=\(imageID),p=\(placementID),C=1,q=2"
        return KittyImages.chunked(base64(compressed), keys: keys, laterKeys: "")
    }

    /// Deletes this image and frees its data in the terminal.
    public func deleteCommand() -> [UInt8] {
        Array("\u{1B}_Ga=d,d=I,i=\(imageID),q=2\u{1B}\\".utf8)
    }
}

/// zlib's compress2, wrapped once.
func deflate(_ bytes: [UInt8], level: Int32) throws -> [UInt8] {
    var capacity = compressBound(uLong(bytes.count))
    var out = [UInt8](repeating: 0, count: Int(capacity))
    let status = bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            compress2(dst.baseAddress, &capacity, src.baseAddress, uLong(bytes.count), level)
        }
    }
    guard status == Z_OK else { throw TerminalGraphicsError.compressionFailed(code: status) }
    out.removeSubrange(Int(capacity)...)
    return out
}

private let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

/// Standard base64 with padding.
func base64(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: UInt8(ascii: "="), count: (bytes.count + 2) / 3 * 4)
    base64Alphabet.withUnsafeBufferPointer { table in
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var i = 0, o = 0
                while i + 3 <= src.count {
                    let v = Int(src[i]) << 16 | Int(src[i + 1]) << 8 | Int(src[i + 2])
                    dst[o] = table[v >> 18]; dst[o + 1] = table[(v >> 12) & 63]
                    dst[o + 2] = table[(v >> 6) & 63]; dst[o + 3] = table[v & 63]
                    i += 3; o += 4
                }
                let rest = src.count - i
                if rest > 0 {
                    let v = Int(src[i]) << 16 | (rest > 1 ? Int(src[i + 1]) << 8 : 0)
                    dst[o] = table[v >> 18]; dst[o + 1] = table[(v >> 12) & 63]
                    if rest > 1 { dst[o + 2] = table[(v >> 6) & 63] }
                }
            }
        }
    }
    return out
}

/// Kitty graphics in a cell area: fitted and overlays drawn in image space, like sixel.
public struct KittyRenderer: TerminalRenderer {
    public var encoder: KittyEncoder
    public var tmuxPassthrough: Bool
    public var mode: GraphicsMode { .kitty }

    public init(encoder: KittyEncoder = KittyEncoder(), tmuxPassthrough: Bool = false) {
        self.encoder = encoder
        self.tmuxPassthrough = tmuxPassthrough
    }

    public func render(_ image: RGBImage, overlays: [Overlay], in area: CellArea) throws -> [UInt8] {
        try area.validate()
        let size = fittedSize(imageWidth: image.width, imageHeight: image.height,
                              width: area.columns * area.cellWidth, height: area.rows * area.cellHeight)
        var frame = image.displayResized(width: size.width, height: size.height)
        frame.draw(overlays, scaleX: Double(size.width) / Double(image.width), scaleY: Double(size.height) / Double(image.height))
        return wrap(try encoder.encode(frame))
    }

    /// The image at its own pixel size with overlays drawn.
    public func render(_ image: RGBImage, overlays: [Overlay]) throws -> [UInt8] {
        var frame = image
        frame.draw(overlays)
        return wrap(try encoder.encode(frame))
    }

    private func wrap(_ bytes: [UInt8]) -> [UInt8] {
        tmuxPassthrough ? Self.passthrough(bytes) : bytes
    }

    /// Kitty commands wrapped for tmux passthrough, one wrapper per command.
    public static func passthrough(_ bytes: [UInt8]) -> [UInt8] {
        // tmux passes one sequence per passthrough; wrap each chunk on its own.
        var out: [UInt8] = []
        var start = 0
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x1B && bytes[i + 1] == UInt8(ascii: "\\") {
                out.append(contentsOf: TerminalGraphics.tmuxPassthrough(Array(bytes[start...(i + 1)])))
                start = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        return out
    }
}

/// How kitty pixels travel: PNG (f=100, row filters then deflate), raw RGB deflated (o=z), or a
/// PNG made for speed (`QuickPNG`: several times faster to make, about a third larger).
public enum KittyPayload: String, Sendable, CaseIterable {
    case png, zlib, quickPNG
}

/// Kitty's stored images, addressed by id: sent once, then placed, moved and deleted by
/// short commands. The terminal scales a placement into the cells it is given (c=, r=), so
/// pixels can travel at any resolution.
public enum KittyImages {
    /// Transmits `image` as image `id` without showing it (a=t), in chunks, q=2.
    public static func transmit(_ image: RGBImage, id: UInt32, payload: KittyPayload = .png) throws -> [UInt8] {
        let data: [UInt8]
        let keys: String
        switch payload {
        case .png:
            data = [UInt8](try ImageCodec.encodePNG(image, compressionLevel: 1))
            keys = "a=t,f=100,i=\(id),q=2"
        case .zlib:
            data = try deflate(image.pixels, level: 1)
            keys = "a=t,f=24,o=z,s=\(image.width),v=\(image.height),i=\(id),q=2"
        case .quickPNG:
            data = QuickPNG.encode(image)
            keys = "a=t,f=100,i=\(id),q=2"
        }
        return chunked(base64(data), keys: keys)
    }

    /// `image` with `bits` per channel, each value moved to the middle of its step: far fewer
    /// distinct values, so PNG's filters and deflate shrink it much more (5 bits: about 41 dB).
    public static func reducedPrecision(_ image: RGBImage, bits: Int) -> RGBImage {
        guard bits < 8, bits > 0 else { return image }
        let drop = UInt8(8 - bits)
        let mask = UInt8(truncatingIfNeeded: 0xFF << drop), half = UInt8(1) << (drop - 1)
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = (p[i] & mask) | half }
        }
        return out
    }

    /// Shows stored image `id` at the cursor over `columns` x `rows` cells, as placement
    /// `placement`; the cursor does not move (C=1).
    public static func place(id: UInt32, placement: UInt32 = 1, columns: Int, rows: Int) -> [UInt8] {
        Array("\u{1B}_Ga=p,i=\(id),p=\(placement),c=\(columns),r=\(rows),C=1,q=2\u{1B}\\".utf8)
    }

    /// Removes a placement of image `id`; the image stays stored for a later `place`.
    public static func unplace(id: UInt32, placement: UInt32 = 1) -> [UInt8] {
        Array("\u{1B}_Ga=d,d=i,i=\(id),p=\(placement),q=2\u{1B}\\".utf8)
    }

    /// Removes image `id` and its placements and frees its pixels in the terminal.
    public static func free(id: UInt32) -> [UInt8] {
        Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8)
    }

    /// `payload` in commands of at most `KittyEncoder.chunkSize` bytes: the first carries
    /// `keys`, the later ones `laterKeys` and whether more follow (m=).
    static func chunked(_ payload: [UInt8], keys: String, laterKeys: String = "q=2,") -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + (payload.count / KittyEncoder.chunkSize + 1) * (8 + laterKeys.utf8.count) + keys.utf8.count + 16)
        var offset = 0
        var first = true
        repeat {
            let end = min(payload.count, offset + KittyEncoder.chunkSize)
            let more = end < payload.count
            out.append(contentsOf: "\u{1B}_G".utf8)
            if first {
                out.append(contentsOf: keys.utf8)
                if more { out.append(contentsOf: ",m=1".utf8) }
            } else {
                out.append(contentsOf: laterKeys.utf8)
                out.append(contentsOf: (more ? "m=1" : "m=0").utf8)
            }
            out.append(UInt8(ascii: ";"))
            out.append(contentsOf: payload[offset..<end])
            out.append(contentsOf: [0x1B, UInt8(ascii: "\\")])
            offset = end
            first = false
        } while offset < payload.count
        return out
    }
}
