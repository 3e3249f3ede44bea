import Foundation
import Imaging
import Geometry
import LabelStore

/// Where projects live and how a PROJECT argument names one.
enum ProjectPaths {
    static let fileExtension = "microlabel"

    /// The project file a PROJECT argument names: the path itself when it exists or already ends
    /// in `.microlabel`, otherwise the path with `.microlabel` added.
    static func resolve(_ argument: String) -> URL {
        let url = URL(fileURLWithPath: argument).standardizedFileURL
        if url.pathExtension == fileExtension || FileManager.default.fileExists(atPath: url.path)
            || (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil { return url }
        return url.appendingPathExtension(fileExtension)
    }

    /// Opens an existing project, with a message that says how to make one when it is missing.
    static func open(_ argument: String) throws -> Project {
        try Project.open(at: existing(argument))
    }

    /// Opens an existing project for a command that only reads it: it also works where the project
    /// cannot be written (a read-only folder or mount).
    static func openForReading(_ argument: String) throws -> Project {
        try Project.openForReading(at: existing(argument))
    }

    private static func existing(_ argument: String) throws -> URL {
        let url = resolve(argument)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if let problem = pathProblem(url), problem != "no such file or folder" {
                throw CommandError("\(url.path): cannot open the project: \(problem)")
            }
            throw CommandError("\(url.path): no such project (make one with 'microlabel init \(argument) --source PATH')")
        }
        return url
    }

    /// The project's frames, behind a cache of `MICROLABEL_CACHE_MB` megabytes (default 256).
    /// They are the frames the project recorded: a frame whose file is gone, or past the end of a
    /// source that shrank, reads as an error naming it, while the others stay usable.
    static func frames(of project: Project) throws -> CachedFrameSource {
        CachedFrameSource(try recordedFrames(of: project), budget: try cacheBudget())
    }

    static func recordedFrames(of project: Project) throws -> RecordedSource {
        let source = try project.source()
        let url = URL(fileURLWithPath: source.path)
        let base: any FrameSource
        if source.kind == .folder, let names = try project.frameFiles() {
            base = try FolderSource(folder: url, fileNames: names, fps: source.fps)
        } else {
            base = try openFrameSource(at: url)
            // A project made before file names were recorded gets them now, while the folder still
            // matches it, so that a frame removed later is found missing rather than shifting the rest.
            if let folder = base as? FolderSource, source.kind == .folder, folder.frameCount == source.frameCount,
               folder.width == source.width, folder.height == source.height, !project.isReadOnly {
                try? project.setSetting(SettingKey.frameFiles, String(decoding: try JSONEncoder().encode(folder.fileNames), as: UTF8.self))
            }
        }
        return RecordedSource(base, frameCount: source.frameCount, width: source.width, height: source.height)
    }

    static func cacheBudget() throws -> Int {
        guard let text = ProcessInfo.processInfo.environment["MICROLABEL_CACHE_MB"] else { return CachedFrameSource.defaultBudget }
        guard let megabytes = Int(text), megabytes >= 0 else {
            throw CommandError("MICROLABEL_CACHE_MB must be a whole number of megabytes, not '\(text)'")
        }
        return megabytes << 20
    }
}

/// Parsing the user's way of writing frames and boxes.
enum UserInput {
    /// `X,Y,W,H` in source pixels; decimals allowed.
    static func box(_ text: String, option: String, command: String) throws -> BoxRect {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
              [x, y, w, h].allSatisfy(\.isFinite) else {
            throw UsageError(command: command, message: "--\(option) must be X,Y,W,H in pixels (e.g. 120,40,64,128), not '\(text)'")
        }
        guard w >= 1 && h >= 1 else {
            throw UsageError(command: command, message: "--\(option) \(text): a box must be at least 1 pixel wide and high")
        }
        return BoxRect(x: x, y: y, width: w, height: h)
    }

    /// A 1-based frame number checked against the source; returns the 0-based index.
    static func frame(_ number: Int, count: Int) throws -> Int {
        guard number >= 1 && number <= count else {
            if count == 0 { throw CommandError("frame \(number) is out of range: the source has no frames") }
            throw CommandError("frame \(number) is out of range: the source has frames 1-\(count)")
        }
        return number - 1
    }

    /// Refuses a box that does not lie inside the image (a hair of rounding is forgiven).
    static func checkInside(_ box: BoxRect, width: Int, height: Int, frame: Int) throws {
        let slack = 0.01
        guard box.x >= -slack, box.y >= -slack, box.x + box.width <= Double(width) + slack, box.y + box.height <= Double(height) + slack else {
            throw CommandError("box \(format(box)) on frame \(frame) is outside the \(width)x\(height) image")
        }
    }

    static func format(_ box: BoxRect) -> String {
        [box.x, box.y, box.width, box.height].map(number).joined(separator: ",")
    }

    /// A number with at most two decimals and no trailing zeros; huge values in exponent form.
    /// The precision `accept` aims at by default, as messages and help show it.
    static let defaultPrecision = number(PrecisionTarget.defaultPrecision)

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        guard abs(value) < 1e15 else { return String(format: "%.6g", value) }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
