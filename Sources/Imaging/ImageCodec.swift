import CCodecs
import Foundation

/// The image file formats microlabel reads and writes.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg
    case png
    /// Netpbm: PPM (P3, P6) and PGM (P2, P5); written as binary PPM.
    case pnm

    /// The format a file name's extension stands for (case-insensitive): jpg, jpeg, png, ppm, pgm, pnm.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "jpg", "jpeg": self = .jpeg
        case "png": self = .png
        case "ppm", "pgm", "pnm": self = .pnm
        default: return nil
        }
    }

    /// The format announced by the first bytes of a file, if it is one we know.
    static func detect(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 4, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 { return .png }
        if PNMCodec.isPNM(bytes) { return .pnm }
        return nil
    }
}

/// What a file's header says, read without decoding pixels.
public struct ImageInfo: Sendable, Equatable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int

    public init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// The size a decode at `scale` produces: each side divided by `scale`, rounded up.
    public func size(atScale scale: Int) -> (width: Int, height: Int) {
        ((width + scale - 1) / scale, (height + scale - 1) / scale)
    }
}

/// Decoding and encoding of JPEG, PNG and PPM/PGM files to and from `RGBImage`.
///
/// The format is recognised by its first bytes, not the file name. `scale` (1, 2, 4 or 8)
/// reduces each side to `ceil(side / scale)`: JPEG uses libjpeg's scaled DCT (much faster
/// than a full decode), the other formats average each `scale`x`scale` block.
/// Every error is an `ImagingError` naming the file (`name` for in-memory data).
public enum ImageCodec {
    /// Bytes read to probe a header; a JPEG header behind a larger EXIF block triggers a full read.
    static let probePrefixSize = 64 * 1024

    /// Decodes an image file.
    public static func decode(contentsOf url: URL, scale: Int = 1) throws -> RGBImage {
        let path = url.path
        let bytes = try FileBytes.read(path: path)
        return try bytes.withUnsafeBytes { try decode($0, scale: scale, name: path) }
    }

    /// Decodes image data held in memory; `name` stands in for the path in errors.
    public static func decode(_ data: Data, scale: Int = 1, name: String = "<memory>") throws -> RGBImage {
        try data.withUnsafeBytes { try decode($0, scale: scale, name: name) }
    }

    /// Decodes image bytes; `name` stands in for the path in errors.
    public static func decode(_ bytes: UnsafeRawBufferPointer, scale: Int = 1, name: String) throws -> RGBImage {
        try checkScale(scale)
        guard !bytes.isEmpty else { throw ImagingError.truncated(path: name, detail: "the file is empty") }
        // Every format checks its header against the size limits before allocating pixel memory.
        switch ImageFormat.detect(bytes) {
        case .jpeg:
            // One header read serves both the check and the decode.
            let header: ml_image_info
            do { header = try CodecBridge.jpegInfo(bytes, scale: scale) } catch { throw error.error(path: name) }
            try ImageLimits.check(width: Int(header.width), height: Int(header.height), path: name)
            do { return try CodecBridge.decodeJPEG(bytes, scale: scale, info: header) } catch { throw error.error(path: name) }
        case .png:
            _ = try info(of: bytes, name: name)
            let image: RGBImage
            do { image = try CodecBridge.decodePNG(bytes) } catch { throw error.error(path: name) }
            return image.downsampled(by: scale)
        case .pnm:
            return try PNMCodec.decode(bytes, path: name).downsampled(by: scale)
        case nil:
            throw ImagingError.unsupportedFormat(path: name, detail: unknownSignature(bytes))
        }
    }

    /// Reads format and size from the file's header only (the first 64 KiB, more if the
    /// header lies further in), so probing hundreds of frames is cheap.
    public static func info(contentsOf url: URL) throws -> ImageInfo {
        try header(ofFile: url.path).info
    }

    /// `info(contentsOf:)` with the bytes it read: the file's start, or all of it when
    /// `isWholeFile` (a file no longer than the prefix, or one whose header lies further in).
    static func header(ofFile path: String) throws -> (info: ImageInfo, bytes: [UInt8], isWholeFile: Bool) {
        let (prefix, fileSize) = try FileBytes.read(path: path, limit: probePrefixSize)
        do {
            return (try prefix.withUnsafeBytes { try info(of: $0, name: path) }, prefix, prefix.count == fileSize)
        } catch ImagingError.truncated(_, _) where fileSize > prefix.count {
            let bytes = try FileBytes.read(path: path)
            return (try bytes.withUnsafeBytes { try info(of: $0, name: path) }, bytes, true)
        }
    }

    /// Reads format and size from the header of in-memory image data.
    public static func info(of data: Data, name: String = "<memory>") throws -> ImageInfo {
        try data.withUnsafeBytes { try info(of: $0, name: name) }
    }

    static func info(of bytes: UnsafeRawBufferPointer, name: String) throws -> ImageInfo {
        let info = try headerInfo(of: bytes, name: name)
        try ImageLimits.check(width: info.width, height: info.height, path: name)
        return info
    }

    private static func headerInfo(of bytes: UnsafeRawBufferPointer, name: String) throws -> ImageInfo {
        guard !bytes.isEmpty else { throw ImagingError.truncated(path: name, detail: "the file is empty") }
        switch ImageFormat.detect(bytes) {
        case .jpeg:
            do {
                let info = try CodecBridge.jpegInfo(bytes, scale: 1)
                return ImageInfo(format: .jpeg, width: Int(info.width), height: Int(info.height))
            } catch { throw error.error(path: name) }
        case .png:
            do {
                let info = try CodecBridge.pngInfo(bytes)
                return ImageInfo(format: .png, width: Int(info.width), height: Int(info.height))
            } catch { throw error.error(path: name) }
        case .pnm:
            let header = try PNMCodec.header(bytes, path: name)
            return ImageInfo(format: .pnm, width: header.width, height: header.height)
        case nil:
            throw ImagingError.unsupportedFormat(path: name, detail: unknownSignature(bytes))
        }
    }

    // MARK: Encoding

    /// Baseline JPEG, 4:2:0 chroma, `quality` 1...100.
    public static func encodeJPEG(_ image: RGBImage, quality: Int = 90) throws -> Data {
        do { return Data(try CodecBridge.encodeJPEG(image, quality: quality)) } catch {
            throw ImagingError.encodingFailed(format: "JPEG", detail: error.message)
        }
    }

    /// 8-bit RGB PNG. `compressionLevel` is zlib's 0...9; the default 1 is fast and,
    /// with the Up filter only, still shrinks video frames well.
    public static func encodePNG(_ image: RGBImage, compressionLevel: Int = 1) throws -> Data {
        do { return Data(try CodecBridge.encodePNG(image, compressionLevel: compressionLevel)) } catch {
            throw ImagingError.encodingFailed(format: "PNG", detail: error.message)
        }
    }

    /// Binary PPM (P6, maxval 255).
    public static func encodePPM(_ image: RGBImage) -> Data {
        Data(PNMCodec.encodePPM(image))
    }

    /// Encodes `image` in `format` (by default the one the file extension names) and writes it.
    public static func write(_ image: RGBImage, to url: URL, format: ImageFormat? = nil, quality: Int = 90) throws {
        let path = url.path
        guard let format = format ?? ImageFormat(pathExtension: url.pathExtension) else {
            throw ImagingError.unwritableFile(path: path, reason: "unknown image extension; use .jpg, .png or .ppm")
        }
        let data: Data
        switch format {
        case .jpeg: data = try encodeJPEG(image, quality: quality)
        case .png: data = try encodePNG(image)
        case .pnm: data = encodePPM(image)
        }
        try data.withUnsafeBytes { try FileBytes.write($0, to: path) }
    }

    // MARK: Helpers

    static func checkScale(_ scale: Int) throws {
        guard scale == 1 || scale == 2 || scale == 4 || scale == 8 else { throw ImagingError.invalidScale(scale) }
    }

    private static func unknownSignature(_ bytes: UnsafeRawBufferPointer) -> String {
        let shown = bytes.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")
        return "unknown signature \(shown)"
    }
}
