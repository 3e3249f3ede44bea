import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an export under a hidden sibling name and renames it into place at the end, so that
/// an interrupted export never leaves half a dataset under the target name.
struct SafeOutput {
    let target: URL
    /// Where the export is written until `commit`.
    let staging: URL
    let force: Bool

    init(target: URL, isDirectory: Bool, force: Bool) throws {
        let fileManager = FileManager.default
        self.target = target.standardizedFileURL
        self.force = force
        if fileManager.fileExists(atPath: self.target.path) && !force {
            throw ExchangeError.targetExists(path: self.target.path)
        }
        let parent = self.target.deletingLastPathComponent()
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        staging = parent.appendingPathComponent(".\(self.target.lastPathComponent).partial-\(tag)")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            if isDirectory {
                try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
            }
        } catch {
            throw ExchangeError.writeFailed(path: parent.path, reason: describe(error))
        }
    }

    /// Moves the finished export to the target, replacing an existing one when `force` was given.
    func commit() throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
            try move(staging, to: target)
            return
        }
        guard force else { throw ExchangeError.targetExists(path: target.path) }
        if !isDirectory.boolValue {
            // rename(2) replaces a file atomically.
            var stagingIsDirectory: ObjCBool = false
            _ = fileManager.fileExists(atPath: staging.path, isDirectory: &stagingIsDirectory)
            if !stagingIsDirectory.boolValue {
                try move(staging, to: target)
                return
            }
        }
        // A folder cannot be renamed over a non-empty one: move the old one aside first.
        let old = target.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).old-\(UUID().uuidString.prefix(8))")
        try move(target, to: old)
        do {
            try move(staging, to: target)
        } catch {
            try? move(old, to: target)
            throw error
        }
        try? fileManager.removeItem(at: old)
    }

    /// Removes whatever was written so far.
    func discard() {
        try? FileManager.default.removeItem(at: staging)
    }

    private func move(_ source: URL, to destination: URL) throws {
        if rename(source.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            throw ExchangeError.writeFailed(path: destination.path, reason: reason)
        }
    }
}

func describe(_ error: Error) -> String {
    if let error = error as? ExchangeError { return error.description }
    return String(describing: error)
}

/// Writes `buffer` to a new file at `url`, reporting failures as `ExchangeError.writeFailed`.
/// Plain open/write/close: Foundation's `Data.write` costs milliseconds per file on Linux,
/// which YOLO and VOC, with one file per frame, cannot afford.
func writeFile(_ buffer: TextBuffer, to url: URL) throws {
    let path = url.path
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw ExchangeError.writeFailed(path: path, reason: String(cString: strerror(errno)))
    }
    var failure: Int32 = 0
    buffer.bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            offset += written
        }
    }
    if close(descriptor) != 0 && failure == 0 { failure = errno }
    if failure != 0 {
        throw ExchangeError.writeFailed(path: path, reason: String(cString: strerror(failure)))
    }
}

func makeDirectory(_ url: URL) throws {
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        throw ExchangeError.writeFailed(path: url.path, reason: describe(error))
    }
}
