/// Everything that can go wrong while reading, decoding, encoding or writing images and
/// frame folders. Each message names the file (or folder) so a user can go and look.
public enum ImagingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read: missing, no permission, a folder, an I/O error.
    case unreadableFile(path: String, reason: String)
    /// The data ends before the image does (a partly copied or still-being-written file).
    case truncated(path: String, detail: String)
    /// The data is damaged: bad markers, bad entropy-coded data, failed checksums, bad header values.
    case corrupt(path: String, detail: String)
    /// Not JPEG, PNG or binary/ASCII PPM/PGM, or a variant we do not decode (CMYK JPEG, PBM, PAM...).
    case unsupportedFormat(path: String, detail: String)
    /// An image is not the size it has to be; `reference` says where the expected size comes from.
    case sizeMismatch(path: String, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int, reference: String)
    /// A reduction scale other than 1, 2, 4 or 8.
    case invalidScale(Int)
    /// The image could not be encoded (the format cannot hold it, or the encoder failed).
    case encodingFailed(format: String, detail: String)
    /// The file could not be written.
    case unwritableFile(path: String, reason: String)
    /// The folder could not be listed: missing, not a folder, no permission.
    case unreadableFolder(path: String, reason: String)
    /// The folder holds no JPEG, PNG, PPM or PGM files.
    case noFrames(folder: String)
    /// A frame index outside `0..<frameCount`.
    case frameOutOfRange(index: Int, frameCount: Int)
    /// ffprobe or ffmpeg cannot read the video (not a video, an unknown codec, no video stream).
    case videoUnreadable(path: String, reason: String)
    /// An external program microlabel needs (ffmpeg, ffprobe) is not on PATH.
    case toolMissing(tool: String)
    /// An external program could not be started.
    case toolFailed(tool: String, reason: String)
    /// A frame the project was made with is gone: its file was removed or renamed, or the
    /// source now holds fewer frames (`path` is nil when the file is not known).
    case missingFrame(path: String?, sourceFrameCount: Int)
    /// The image is larger than microlabel decodes (see `ImageLimits`).
    case tooLarge(path: String, width: Int, height: Int)
    /// One frame of a sequence failed; `number` is 1-based, `error` names the file.
    indirect case badFrame(number: Int, error: ImagingError)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read \(path): \(reason)"
        case let .truncated(path, detail):
            return "\(path) is truncated: \(detail)"
        case let .corrupt(path, detail):
            return "\(path) is corrupt: \(detail)"
        case let .unsupportedFormat(path, detail):
            return "\(path) is not an image microlabel can read (\(detail)); use JPEG, PNG, PPM or PGM"
        case let .sizeMismatch(path, width, height, expectedWidth, expectedHeight, reference):
            return "\(path) is \(width)x\(height), but \(reference) is \(expectedWidth)x\(expectedHeight); all frames must have one size"
        case let .invalidScale(scale):
            return "scale \(scale) is not supported; use 1, 2, 4 or 8"
        case let .encodingFailed(format, detail):
            return "cannot encode \(format): \(detail)"
        case let .unwritableFile(path, reason):
            return "cannot write \(path): \(reason)"
        case let .unreadableFolder(path, reason):
            return "cannot read the folder \(path): \(reason)"
        case let .noFrames(folder):
            return "the folder \(folder) holds no frames (files ending in .jpg, .jpeg, .png, .ppm, .pgm or .pnm)"
        case let .frameOutOfRange(index, frameCount):
            return "frame \(index + 1) is out of range: the source has frames 1-\(frameCount)"
        case let .videoUnreadable(path, reason):
            return "ffmpeg cannot read the video \(path): \(reason)"
        case let .toolMissing(tool):
            return "\(tool) is not installed (not found on PATH); install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg), or use a folder of frames instead"
        case let .toolFailed(tool, reason):
            return "\(tool) could not be started: \(reason)"
        case let .missingFrame(path, count):
            if let path { return "\(path) is missing (removed or renamed since the project was made)" }
            return "the source now has only \(count) frames (it changed since the project was made)"
        case let .tooLarge(path, width, height):
            return "\(path) is \(width)x\(height) pixels, larger than microlabel decodes (\(ImageLimits.maxSide) pixels a side and \(ImageLimits.maxPixels) pixels in all)"
        case let .badFrame(number, error):
            return "frame \(number): \(error.description)"
        }
    }

    /// The error without any `badFrame` wrapping.
    public var underlying: ImagingError {
        if case let .badFrame(_, error) = self { return error.underlying }
        return self
    }
}
