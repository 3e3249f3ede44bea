/// Netpbm PPM (P3 ASCII, P6 binary) and PGM (P2 ASCII, P5 binary), maxval 1...65535.
/// Samples are scaled to 8 bits with rounding: v * 255 / maxval.
enum PNMCodec {
    struct Header {
        var binary: Bool
        var channels: Int  // 1 for PGM, 3 for PPM
        var width: Int
        var height: Int
        var maxValue: Int
        var dataOffset: Int
    }

    static func isPNM(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") && (bytes[1] >= UInt8(ascii: "1") && bytes[1] <= UInt8(ascii: "7"))
    }

    static func header(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Header {
        guard bytes.count >= 2 else { throw ImagingError.truncated(path: path, detail: "the file ends inside the PNM header") }
        let kind = bytes[1]
        let binary: Bool, channels: Int
        switch kind {
        case UInt8(ascii: "2"): (binary, channels) = (false, 1)
        case UInt8(ascii: "3"): (binary, channels) = (false, 3)
        case UInt8(ascii: "5"): (binary, channels) = (true, 1)
        case UInt8(ascii: "6"): (binary, channels) = (true, 3)
        default:
            throw ImagingError.unsupportedFormat(path: path, detail: "Netpbm P\(Character(UnicodeScalar(kind))) (only P2, P3, P5 and P6 are read)")
        }
        var reader = NumberReader(bytes: bytes, position: 2, path: path, what: "PNM header")
        let width = try reader.next()
        let height = try reader.next()
        let maxValue = try reader.next()
        guard width > 0, height > 0 else { throw ImagingError.corrupt(path: path, detail: "PNM size \(width)x\(height) is not positive") }
        try ImageLimits.check(width: width, height: height, path: path)
        guard maxValue >= 1, maxValue <= 65535 else {
            throw ImagingError.corrupt(path: path, detail: "PNM maxval \(maxValue) is outside 1...65535")
        }
        // Exactly one whitespace byte separates the header from binary data.
        guard reader.position < bytes.count else { throw ImagingError.truncated(path: path, detail: "the file ends inside the PNM header") }
        guard isWhitespace(bytes[reader.position]) else {
            throw ImagingError.corrupt(path: path, detail: "no whitespace after the PNM maxval")
        }
        return Header(binary: binary, channels: channels, width: width, height: height, maxValue: maxValue,
                      dataOffset: reader.position + 1)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> RGBImage {
        let header = try header(bytes, path: path)
        let pixelCount = header.width * header.height
        let sampleCount = pixelCount * header.channels
        // Enough data for every sample is checked before allocating: a small file must not make us
        // allocate for the size its header claims. An ASCII sample takes a digit and a separator.
        let available = bytes.count - header.dataOffset
        let needed = header.binary ? sampleCount * (header.maxValue > 255 ? 2 : 1) : 2 * sampleCount - 1
        guard available >= needed else {
            throw ImagingError.truncated(path: path, detail: "\(max(available, 0)) bytes of PNM pixel data, at least \(needed) needed")
        }
        let scaleTable = header.maxValue == 255 ? nil : scaleTable(maxValue: header.maxValue)
        var failure: ImagingError?
        let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { out, initialized in
            initialized = 0
            do {
                if header.binary {
                    try decodeBinary(bytes, header: header, sampleCount: sampleCount, table: scaleTable, into: out, path: path)
                } else {
                    try decodeASCII(bytes, header: header, sampleCount: sampleCount, table: scaleTable, into: out, path: path)
                }
                if header.channels == 1 { expandGray(out, pixelCount: pixelCount) }
                initialized = pixelCount * 3
            } catch {
                failure = error as? ImagingError ?? .corrupt(path: path, detail: "\(error)")
            }
        }
        if let failure { throw failure }
        return RGBImage(width: header.width, height: header.height, pixels: pixels)
    }

    /// 8-bit value for every sample value 0...maxValue.
    private static func scaleTable(maxValue: Int) -> [UInt8] {
        (0...maxValue).map { UInt8((($0 * 255) + maxValue / 2) / maxValue) }
    }

    /// Writes samples to the start of `out` (gray samples packed, expanded later).
    private static func decodeBinary(_ bytes: UnsafeRawBufferPointer, header: Header, sampleCount: Int, table: [UInt8]?,
                                     into out: UnsafeMutableBufferPointer<UInt8>, path: String) throws {
        let wide = header.maxValue > 255
        let needed = sampleCount * (wide ? 2 : 1)
        guard bytes.count - header.dataOffset >= needed else {
            throw ImagingError.truncated(path: path, detail: "\(bytes.count - header.dataOffset) of \(needed) bytes of PNM pixel data")
        }
        let source = bytes.baseAddress!.advanced(by: header.dataOffset).assumingMemoryBound(to: UInt8.self)
        guard let table else {
            out.baseAddress!.update(from: source, count: sampleCount)
            return
        }
        let maxValue = header.maxValue
        try table.withUnsafeBufferPointer { table in
            for i in 0..<sampleCount {
                let value = wide ? Int(source[2 &* i]) << 8 | Int(source[2 &* i &+ 1]) : Int(source[i])
                guard value <= maxValue else {
                    throw ImagingError.corrupt(path: path, detail: "PNM sample \(value) exceeds maxval \(maxValue)")
                }
                out[i] = table[value]
            }
        }
    }

    private static func decodeASCII(_ bytes: UnsafeRawBufferPointer, header: Header, sampleCount: Int, table: [UInt8]?,
                                    into out: UnsafeMutableBufferPointer<UInt8>, path: String) throws {
        var reader = NumberReader(bytes: bytes, position: header.dataOffset, path: path, what: "PNM pixel data")
        for i in 0..<sampleCount {
            let value = try reader.next()
            guard value <= header.maxValue else {
                throw ImagingError.corrupt(path: path, detail: "PNM sample \(value) exceeds maxval \(header.maxValue)")
            }
            out[i] = table.map { $0[value] } ?? UInt8(value)
        }
    }

    /// Spreads `pixelCount` gray bytes at the start of `buffer` into RGB triples, back to front.
    private static func expandGray(_ buffer: UnsafeMutableBufferPointer<UInt8>, pixelCount: Int) {
        var i = pixelCount
        while i > 0 {
            i &-= 1
            let value = buffer[i]
            buffer[3 &* i] = value
            buffer[3 &* i &+ 1] = value
            buffer[3 &* i &+ 2] = value
        }
    }

    static func encodePPM(_ image: RGBImage) -> [UInt8] {
        var bytes = Array("P6\n\(image.width) \(image.height)\n255\n".utf8)
        bytes.append(contentsOf: image.pixels)
        return bytes
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }

    /// Reads non-negative decimal numbers separated by whitespace and `#` comments.
    struct NumberReader {
        let bytes: UnsafeRawBufferPointer
        var position: Int
        let path: String
        let what: String

        mutating func next() throws -> Int {
            while position < bytes.count {
                let byte = bytes[position]
                if PNMCodec.isWhitespace(byte) {
                    position &+= 1
                } else if byte == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position &+= 1 }
                } else {
                    break
                }
            }
            guard position < bytes.count else { throw ImagingError.truncated(path: path, detail: "the file ends inside the \(what)") }
            var value = 0
            var digits = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                value = value &* 10 &+ Int(bytes[position] &- 0x30)
                digits &+= 1
                position &+= 1
                guard digits <= 9 else { throw ImagingError.corrupt(path: path, detail: "number too long in the \(what)") }
            }
            guard digits > 0 else {
                throw ImagingError.corrupt(path: path, detail: "unexpected byte 0x\(String(bytes[position], radix: 16)) in the \(what)")
            }
            return value
        }
    }
}
