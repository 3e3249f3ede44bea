import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an export under a hidden sibling name and renames it into place at the end, so that
/// an interrupted export never leaves half a dataset under the target name.
///
/// `force` replaces only what an export wrote: a folder holding the marker file
/// `.microlabel-export` (every exported folder gets one), or, for a single-file format, a text
/// file of that format. Never a path in `protecting` (the project file, its source), a folder
/// that holds one of them, or an SQLite database.
struct SafeOutput {
    /// The file every exported folder holds, so that a later `--force` knows it may replace it.
    static let markerName = ".microlabel-export"

    let target: URL
    /// Where the export is written until `commit`.
    let staging: URL
    let force: Bool

    init(target: URL, isDirectory: Bool, force: Bool, protecting protected: [URL] = []) throws {
        let fileManager = FileManager.default
        self.target = target.standardizedFileURL
        self.force = force
        let path = self.target.path
        try SafeOutput.refuseProtected(self.target, protected)
        var existingIsFolder: ObjCBool = false
        if fileManager.fileExists(atPath: path, isDirectory: &existingIsFolder) || SafeOutput.isLink(path) {
            guard force else { throw ExchangeError.targetExists(path: path) }
            if let reason = SafeOutput.whyNotAnExport(self.target, isFolder: existingIsFolder.boolValue, wantFolder: isDirectory) {
                throw ExchangeError.writeFailed(path: path, reason: "\(reason); --force replaces only an earlier export, so choose another --out")
            }
        }
        let parent = self.target.deletingLastPathComponent()
        SafeOutput.removeAbandonedStaging(of: self.target)
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        staging = parent.appendingPathComponent(".\(self.target.lastPathComponent).partial-\(tag)")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            if isDirectory {
                try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
                try Data("written by microlabel export; 'microlabel export --force' may replace this folder\n".utf8)
                    .write(to: staging.appendingPathComponent(SafeOutput.markerName))
            }
        } catch {
            throw ExchangeError.writeFailed(path: parent.path, reason: describe(error))
        }
    }

    /// Refuses a target that is, or holds, one of the protected paths (compared after resolving
    /// symbolic links, so another name for the same file is caught too).
    private static func refuseProtected(_ target: URL, _ protected: [URL]) throws {
        let resolvedTarget = target.resolvingSymlinksInPath().standardizedFileURL.path
        for item in protected {
            let resolved = item.resolvingSymlinksInPath().standardizedFileURL.path
            let what = item.pathExtension == "microlabel" ? "the project file" : "the project's source"
            if resolved == resolvedTarget || target.standardizedFileURL.path == item.standardizedFileURL.path {
                throw ExchangeError.writeFailed(path: target.path, reason: "it is \(what); an export never replaces it, so choose another --out")
            }
            if resolved.hasPrefix(resolvedTarget.hasSuffix("/") ? resolvedTarget : resolvedTarget + "/") {
                throw ExchangeError.writeFailed(path: target.path, reason: "it holds \(what) (\(item.path)); an export never replaces it, so choose another --out")
            }
        }
    }

    /// Why an existing path is not something an export wrote, or nil when it is.
    private static func whyNotAnExport(_ url: URL, isFolder: Bool, wantFolder: Bool) -> String? {
        if isLink(url.path) { return "it is a symbolic link" }
        if isFolder {
            guard wantFolder else { return "it is a folder, and this format writes one file" }
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent(markerName).path) else {
                return "it is a folder microlabel did not export (it has no \(markerName) file)"
            }
            return nil
        }
        guard !wantFolder else { return "it is a file, and this format writes a folder" }
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "it cannot be read" }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        if head.starts(with: Data("SQLite format 3\0".utf8)) { return "it is an SQLite database (a project?)" }
        guard looksLikeMOT(head) else { return "it is not a MOT text file" }
        return nil
    }

    /// Whether the start of a file reads as MOT lines: numbers separated by commas, six or more a line.
    static func looksLikeMOT(_ head: Data) -> Bool {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        if head.count == 4096, lines.count > 1 { lines.removeLast() }  // may be cut
        return lines.allSatisfy { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return fields.count >= 6 && fields.allSatisfy { Double($0.trimmingCharacters(in: .whitespaces)) != nil }
        }
    }

    private static func isLink(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
    }

    /// Removes staging outputs of this target left by exports whose process is gone (killed, or
    /// crashed before it could clean up). Those of a live process are left alone.
    private static func removeAbandonedStaging(of target: URL) {
        let parent = target.deletingLastPathComponent()
        let prefix = ".\(target.lastPathComponent).partial-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let tag = name.dropFirst(prefix.count)
            guard let dash = tag.firstIndex(of: "-"), let pid = Int32(tag[..<dash]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
            }
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
    // Foundation's file errors print as "Error Domain=NSCocoaErrorDomain Code=513 ... UserInfo={...}";
    // the operating system's reason underneath ("Permission denied") is what a user can act on.
    let nsError = error as NSError
    for candidate in [nsError, nsError.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap({ $0 })
    where candidate.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(candidate.code)))
    }
    return nsError.domain == NSCocoaErrorDomain ? nsError.localizedDescription : String(describing: error)
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
