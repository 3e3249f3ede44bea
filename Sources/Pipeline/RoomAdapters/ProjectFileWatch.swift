#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import ReviewRoom

/// Which file a path names: its device and inode. Equal identities, the same file.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64

    enum Lookup: Equatable {
        case found(FileIdentity)
        /// Nothing at the path (or a folder on the way is gone).
        case missing
        /// stat failed otherwise (permissions): nothing can be said.
        case unknown
    }

    static func lookup(_ path: String) -> Lookup {
        var info = stat()
        guard stat(path, &info) == 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .unknown }
        return .found(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}

/// Notices when the project file the room opened is deleted or replaced under it (`rm`, `mv`
/// over it, a sync tool writing a new copy). Edits would then go into a file no one can open
/// again, so the room saves what it has to a new file beside the old one and stops editing.
final class ProjectFileWatch {
    let url: URL
    private let opened: FileIdentity?
    /// Set once the file has gone: the message the room shows from then on.
    private(set) var problem: String?

    init(url: URL) {
        self.url = url
        if case .found(let identity) = FileIdentity.lookup(url.path) { opened = identity } else { opened = nil }
    }

    /// Nil while the path still names the file that was opened. Otherwise `beforeSaving` runs
    /// (to stop other writers), `save` writes the open project to a new file, and the returned
    /// line says what happened and where the work is.
    func check(beforeSaving: () -> Void, save: (URL) throws -> Void) -> String? {
        if let problem { return problem }
        guard let opened else { return nil }
        let what: String
        switch FileIdentity.lookup(url.path) {
        case .found(let now) where now == opened: return nil
        case .unknown: return nil
        case .found: what = "was replaced by another file"
        case .missing: what = "was deleted"
        }
        beforeSaving()
        let name = url.lastPathComponent
        var saved: URL?
        var failure = ""
        for folder in [url.deletingLastPathComponent(), FileManager.default.homeDirectoryForCurrentUser] {
            for attempt in 1...20 {
                let candidate = folder.appendingPathComponent(attempt == 1 ? "\(name).rescued" : "\(name).rescued-\(attempt)")
                if FileManager.default.fileExists(atPath: candidate.path) { continue }
                do {
                    try save(candidate)
                    saved = candidate
                } catch {
                    failure = "\(error)"
                }
                break
            }
            if saved != nil { break }
        }
        if let saved {
            problem = "\(name) \(what) while open; the work is saved in \(saved.path); edits are now refused"
        } else {
            problem = "\(name) \(what) while open and no copy could be saved (\(failure)); edits are now refused"
        }
        return problem
    }
}
