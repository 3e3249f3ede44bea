import Foundation

/// Opens the frames at `url`: a folder of frame images, or a video file read through ffmpeg.
public func openFrameSource(at url: URL) throws -> any FrameSource {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw ImagingError.unreadableFile(path: url.path, reason: FileBytes.problem(path: url.path) ?? "no such file or folder")
    }
    if isDirectory.boolValue {
        return try FolderSource(folder: url)
    }
    if VideoSource.fileExtensions.contains(url.pathExtension.lowercased()) {
        return try VideoSource(url: url)
    }
    throw ImagingError.unreadableFile(
        path: url.path,
        reason: "not a folder of frames or a video file (videos: \(VideoSource.fileExtensions.sorted().joined(separator: ", ")))")
}

/// Why `url` cannot be opened, in words ("no such file or folder", "a symbolic link loop ...",
/// "permission denied"), or nil when it exists.
public func pathProblem(_ url: URL) -> String? {
    FileBytes.problem(path: url.path)
}
