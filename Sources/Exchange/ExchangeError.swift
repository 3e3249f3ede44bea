import Geometry
import Foundation

/// Everything that can go wrong while exporting, importing or scoring a dataset.
/// Each message names the file and, for content errors, the line or entry.
public enum ExchangeError: Error, Equatable, CustomStringConvertible {
    /// The export target exists and `force` was not given.
    case targetExists(path: String)
    /// A file or folder of the export could not be written.
    case writeFailed(path: String, reason: String)
    /// The caller's image writer failed for a frame (0-based index).
    case imageFailed(frame: Int, path: String, reason: String)
    /// The export options do not fit the dataset: an unknown label, an empty frame range, a format that cannot be written.
    case invalidOptions(String)
    /// A split description such as `train=0.8,val=0.2` could not be understood.
    case invalidSplit(text: String, reason: String)
    /// A file or folder to import does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// A file's syntax or content is broken: JSON, XML, numbers, missing fields.
    case malformed(path: String, location: String, reason: String)
    /// A box lies outside its image by more than half a pixel.
    case boxOutsideImage(path: String, location: String, box: BoxRect, width: Int, height: Int)
    /// A box refers to a class the file (or, for MOT, the project) does not define; `defined` lists those that are.
    case unknownClass(path: String, location: String, classID: String, defined: [String])
    /// A box refers to a frame beyond the project's video (`frame` is 1-based, as in the file).
    case frameOutOfRange(path: String, location: String, frame: Int, frameCount: Int)
    /// Normalised coordinates (YOLO) need the image size, and neither the file nor the project gives it.
    case missingImageSize(path: String)
    /// Nothing importable was found at the path.
    case nothingToImport(path: String, reason: String)
    /// Ground truth for evaluation is empty or has lines that are not `x,y,w,h`.
    case invalidGroundTruth(path: String, reason: String)

    public var description: String {
        switch self {
        case .targetExists(let path):
            return "\(path) already exists; choose another --out or pass --force to replace it"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .imageFailed(let frame, let path, let reason):
            return "cannot write the image of frame \(frame + 1) to \(path): \(reason)"
        case .invalidOptions(let reason):
            return reason
        case .invalidSplit(let text, let reason):
            return "bad split '\(text)': \(reason) (expected e.g. train=0.8,val=0.2)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformed(let path, let location, let reason):
            return "\(path): \(location): \(reason)"
        case .boxOutsideImage(let path, let location, let box, let width, let height):
            let numbers = [box.x, box.y, box.width, box.height].map { formatForMessage($0) }.joined(separator: ",")
            return "\(path): \(location): box x,y,w,h = \(numbers) lies outside the \(width)x\(height) image by more than 0.5 px"
        case .unknownClass(let path, let location, let classID, let defined):
            let known = defined.isEmpty ? "no classes are defined" : "the classes are " + defined.joined(separator: ", ")
            return "\(path): \(location): class \(classID) is not defined; \(known)"
        case .frameOutOfRange(let path, let location, let frame, let frameCount):
            return "\(path): \(location): frame \(frame) is outside the video's frames 1-\(frameCount)"
        case .missingImageSize(let path):
            return "\(path): normalised coordinates need the image size; the project's frame size is unknown"
        case .nothingToImport(let path, let reason):
            return "\(path): \(reason)"
        case .invalidGroundTruth(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

private func formatForMessage(_ value: Double) -> String {
    var buffer = TextBuffer()
    buffer.append(value, decimals: 2)
    return buffer.string
}
