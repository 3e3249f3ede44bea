import Foundation

/// Everything that can go wrong reading or writing a project file. Every message names the file.
/// Frames in messages are 1-based, as the command line shows them.
public enum StoreError: Error, Equatable, Sendable {
    /// There is no file at the given path.
    case notFound(file: URL)
    /// `Project.create` was given a path that already exists; the existing file was not touched.
    case alreadyExists(file: URL)
    /// The file is not a microlabel project (not SQLite at all, or SQLite written by another program).
    /// It was only read, never modified.
    case notAProject(file: URL, reason: String)
    /// The project was written by a newer microlabel whose schema this build does not know. It was not modified.
    case newerSchema(file: URL, found: Int, supported: Int)
    /// The project (or its folder, where SQLite keeps NAME-wal and NAME-shm beside it) cannot be opened or written.
    case notWritable(file: URL, message: String)
    /// Another process held the project's write lock for longer than the busy timeout (5 s).
    case busy(file: URL)
    /// The project has no label with this id.
    case noSuchLabel(file: URL, id: Int64)
    /// The project has no tracked object with this id.
    case noSuchObject(file: URL, id: Int64)
    /// The project has no box with this id.
    case noSuchBox(file: URL, id: Int64)
    /// A label with this name already exists (label names are unique).
    case duplicateLabel(file: URL, name: String)
    /// A box or label value was rejected before writing (the reason says which value and why).
    case invalidValue(file: URL, reason: String)
    /// The file is a microlabel project but its contents are inconsistent (the reason says what).
    case damaged(file: URL, reason: String)
    /// SQLite reported an error not covered above; `code` is its extended result code.
    case sqlite(file: URL, code: Int32, message: String, context: String)
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let file):
            return "\(file.path): no such project file"
        case .alreadyExists(let file):
            return "\(file.path) already exists; choose another name or remove it first"
        case .notAProject(let file, let reason):
            return "\(file.path) is not a microlabel project (\(reason)); the file was left unchanged"
        case .newerSchema(let file, let found, let supported):
            return "\(file.path) was written by a newer microlabel (schema version \(found); this build reads up to \(supported)); "
                + "the file was left unchanged: update microlabel to open it"
        case .notWritable(let file, let message):
            return "\(file.path) cannot be opened for writing (\(message)); check the permissions of the file and of its folder, "
                + "where SQLite keeps \(file.lastPathComponent)-wal and -shm"
        case .busy(let file):
            return "\(file.path) is locked by another microlabel process (waited \(Connection.busyTimeoutMilliseconds / 1000) s); try again"
        case .noSuchLabel(let file, let id):
            return "\(file.path) has no label with id \(id)"
        case .noSuchObject(let file, let id):
            return "\(file.path) has no object with id \(id)"
        case .noSuchBox(let file, let id):
            return "\(file.path) has no box with id \(id)"
        case .duplicateLabel(let file, let name):
            return "\(file.path) already has a label named \"\(name)\""
        case .invalidValue(let file, let reason):
            return "\(file.path): \(reason)"
        case .damaged(let file, let reason):
            return "\(file.path) is damaged: \(reason)"
        case .sqlite(let file, let code, let message, let context):
            return "\(file.path): SQLite error \(code) (\(message)) while \(context)"
        }
    }
}
