// Stand-in until the imaging branch lands ImagingError; these cases move there.
public enum ImagingError: Error, CustomStringConvertible, Equatable {
    case unreadableFile(path: String, reason: String)
    case frameOutOfRange(path: String, frame: Int, count: Int)
    case videoUnreadable(path: String, reason: String)
    case frameUnreadable(path: String, frame: Int, reason: String)
    case toolMissing(tool: String)
    case toolFailed(tool: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): return "\(path): \(reason)"
        case .frameOutOfRange(let path, let frame, let count): return "\(path): frame \(frame) is out of range (1-\(count))"
        case .videoUnreadable(let path, let reason): return "\(path): ffmpeg cannot read this video: \(reason)"
        case .frameUnreadable(let path, let frame, let reason): return "\(path): frame \(frame) cannot be decoded: \(reason)"
        case .toolMissing(let tool): return "\(tool) is not installed (not found on PATH); install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg), or open a folder of frames instead"
        case .toolFailed(let tool, let reason): return "\(tool) could not be started: \(reason)"
        }
    }
}
