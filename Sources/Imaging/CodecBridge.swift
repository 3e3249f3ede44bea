import CCodecs

/// The one place that calls the C codecs: turns their status codes and messages into
/// `ImagingError`s that name the file.
enum CodecBridge {
    struct Failure: Error {
        let status: ml_status
        let message: String

        func error(path: String) -> ImagingError {
            switch status {
            case ML_TRUNCATED:
                var detail = Substring(message)
                if detail.hasPrefix("truncated: ") { detail = detail.dropFirst("truncated: ".count) }
                return .truncated(path: path, detail: String(detail))
            case ML_UNSUPPORTED:
                return .unsupportedFormat(path: path, detail: message)
            default:
                return .corrupt(path: path, detail: message)
            }
        }
    }

    /// Runs a C call with a scratch message buffer; throws `Failure` unless it returns ML_OK.
    @inline(__always)
    private static func call(_ body: (UnsafeMutablePointer<CChar>) -> ml_status) throws(Failure) {
        let failure: Failure? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(ML_MESSAGE_CAPACITY)) { message in
            message[0] = 0
            let status = body(message.baseAddress!)
            if status == ML_OK { return nil }
            return Failure(status: status, message: String(cString: message.baseAddress!))
        }
        if let failure { throw failure }
    }

    static func jpegInfo(_ bytes: UnsafeRawBufferPointer, scale: Int) throws(Failure) -> ml_image_info {
        var info = ml_image_info()
        try call { message in
            ml_jpeg_read_info(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(scale), &info, message)
        }
        return info
    }

    static func pngInfo(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> ml_image_info {
        var info = ml_image_info()
        try call { message in
            ml_png_read_info(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &info, message)
        }
        return info
    }

    /// Decodes a JPEG at 1/scale straight into a new pixel array; `info` is its header at that scale.
    static func decodeJPEG(_ bytes: UnsafeRawBufferPointer, scale: Int, info: ml_image_info) throws(Failure) -> RGBImage {
        let width = Int(info.output_width), height = Int(info.output_height)
        let pixels = try decodeInto(width: width, height: height) { out, message in
            ml_jpeg_decode_rgb(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(scale),
                               out.baseAddress, out.count, Int32(width), Int32(height), message)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func decodePNG(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> RGBImage {
        let info = try pngInfo(bytes)
        let width = Int(info.width), height = Int(info.height)
        let pixels = try decodeInto(width: width, height: height) { out, message in
            ml_png_decode_rgb(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                              out.baseAddress, out.count, Int32(width), Int32(height), message)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Allocates width*height*3 bytes without zeroing them and lets the decoder fill them.
    private static func decodeInto(
        width: Int, height: Int,
        _ decode: (UnsafeMutableBufferPointer<UInt8>, UnsafeMutablePointer<CChar>) -> ml_status
    ) throws(Failure) -> [UInt8] {
        let (count, overflow) = width.multipliedReportingOverflow(by: height * 3)
        guard width > 0, height > 0, !overflow, count <= 1 << 33 else {
            throw Failure(status: ML_CORRUPT, message: "implausible image size \(width)x\(height)")
        }
        var failure: Failure?
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            do throws(Failure) {
                try call { message in decode(buffer, message) }
                initialized = count
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return pixels
    }

    static func encodeJPEG(_ image: RGBImage, quality: Int) throws(Failure) -> [UInt8] {
        try encode { out, size, message in
            image.pixels.withUnsafeBufferPointer { rgb in
                ml_jpeg_encode_rgb(rgb.baseAddress, Int32(image.width), Int32(image.height), Int32(quality), out, size, message)
            }
        }
    }

    /// Fast levels (0, 1) use the Up filter alone; trying every filter per row costs more than it saves there.
    static func encodePNG(_ image: RGBImage, compressionLevel: Int) throws(Failure) -> [UInt8] {
        let filters: Int32 = compressionLevel <= 1 ? ML_PNG_FILTER_UP : 0
        return try encode { out, size, message in
            image.pixels.withUnsafeBufferPointer { rgb in
                ml_png_encode_rgb(rgb.baseAddress, Int32(image.width), Int32(image.height), Int32(compressionLevel),
                                  filters, out, size, message)
            }
        }
    }

    private static func encode(
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>) -> ml_status
    ) throws(Failure) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        try call { message in body(&output, &size, message) }
        defer { ml_free(output) }
        guard let output else { return [] }
        return [UInt8](UnsafeBufferPointer(start: output, count: size))
    }
}
