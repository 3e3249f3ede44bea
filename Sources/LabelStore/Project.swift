import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One labelling project: a single SQLite file, conventionally `NAME.microlabel`.
///
/// Thread safety: a `Project` owns one connection and serialises every call behind a lock, so one
/// instance may be shared between threads. Several instances (in one process or in several, say the
/// TUI and a CLI command) may use the same file at once: SQLite's locks order their writes, a writer
/// waits up to 5 s for another's transaction, and every write is one short transaction.
///
/// Durability: WAL journal with `synchronous = FULL`: a call that returned has its transaction written to
/// the WAL and fsynced, so it survives a kill -9 of the process and power loss too. NORMAL would also survive
/// kill -9 (the kernel keeps the written WAL), but the fsync measured only 2-4 ms per commit here and the
/// store makes one commit per user action or per proposal batch, so FULL costs nothing a user notices.
///
/// User edits go through `perform` (or the convenience methods built on it) and can be undone and redone,
/// across restarts. Engine writes (`replaceProposals`, `addModel`) and settings are not user edits and are
/// not in the undo log.
public final class Project: @unchecked Sendable {
    /// The project file, absolute.
    public let url: URL
    let connection: Connection
    /// Recursive on purpose, so not a `Mutex`: code inside `perform` may read through the
    /// project and sees the action's uncommitted writes on the same connection.
    private let lock = NSRecursiveLock()
    private var storedUndoLimit = 1000

    /// How many actions back undo reaches (at least 1); older actions leave the log when a new one is recorded,
    /// so it cannot grow without bound.
    public var undoLimit: Int {
        get { locked { storedUndoLimit } }
        set { locked { storedUndoLimit = max(newValue, 1) } }
    }

    var folder: URL { url.deletingLastPathComponent() }

    /// Opened by `openForReading` without write access: every write fails.
    public let isReadOnly: Bool

    private init(url: URL, connection: Connection, isReadOnly: Bool = false) {
        self.url = url
        self.connection = connection
        self.isReadOnly = isReadOnly
    }

    /// The conventional file extension of a project.
    public static let fileExtension = "microlabel"

    // MARK: - Create and open

    /// Creates a new project file with its source and first labels. Refuses a path that already exists.
    /// A relative `source.path` is taken from the current directory. The first labels are not an undoable action.
    ///
    /// The file is built under a temporary name beside it and then linked into place, so another process
    /// never sees a half-made project and an existing file is never overwritten.
    ///
    /// `frameFiles`, for a folder source, are the frames' file names in frame order: recorded so that
    /// a frame keeps its file when other files of the folder are removed or added later.
    public static func create(at url: URL, source: SourceInfo, labels: [String], frameFiles: [String]? = nil) throws -> Project {
        let url = url.absoluteURL.standardizedFileURL
        let files = FileManager.default
        if (try? files.attributesOfItem(atPath: url.path)) != nil { throw StoreError.alreadyExists(file: url) }
        var isFolder: ObjCBool = false
        guard files.fileExists(atPath: url.deletingLastPathComponent().path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StoreError.invalidValue(file: url, reason: "the folder \(url.deletingLastPathComponent().path) does not exist")
        }
        try validate(source: source, file: url)
        var names: [String] = []
        for label in labels {
            let name = try validLabelName(label, file: url)
            if names.contains(name) { throw StoreError.duplicateLabel(file: url, name: name) }
            names.append(name)
        }

        let scratch = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).creating")
        defer { try? files.removeItem(at: scratch) }
        let connection = try Connection(file: url, mode: .create, path: scratch)
        try connection.transaction(immediate: true) {
            try connection.execute("PRAGMA application_id = \(Schema.applicationID)")
            try Schema.migrate(connection, from: 0)
            try connection.storeSource(source, projectFolder: url.deletingLastPathComponent())
            if let frameFiles {
                guard frameFiles.count == source.frameCount else {
                    throw StoreError.invalidValue(file: url, reason: "\(frameFiles.count) frame file names for \(source.frameCount) frames")
                }
                let text = String(decoding: try JSONEncoder().encode(frameFiles), as: UTF8.self)
                try connection.run("INSERT INTO settings (key, value) VALUES (?, ?)", [.text(SettingKey.frameFiles), .text(text)])
            }
            let now = Date().timeIntervalSince1970
            for name in names {
                try connection.run("INSERT INTO labels (name, created_at) VALUES (?, ?)", [.text(name), .real(now)])
            }
        }
        connection.close()

        // link(2) fails with EEXIST instead of replacing: an atomic "create if absent" for a finished file.
        // File systems without hard links get a check then a rename, which is not atomic.
        if link(scratch.path, url.path) != 0 {
            let code = errno
            if code == EEXIST { throw StoreError.alreadyExists(file: url) }
            if files.fileExists(atPath: url.path) { throw StoreError.alreadyExists(file: url) }
            if rename(scratch.path, url.path) != 0 {
                throw StoreError.notWritable(file: url, message: String(cString: strerror(errno)))
            }
        }
        return try open(at: url)
    }

    /// Opens an existing project, migrating an older schema.
    ///
    /// A file that is not a project, or that has a newer schema, is never modified: it is judged from its
    /// 100-byte SQLite header (and, when a WAL file beside it may hold a newer header, through a read-only
    /// connection) before anything opens it for writing or switches its journal to WAL.
    public static func open(at url: URL) throws -> Project {
        let url = url.absoluteURL.standardizedFileURL
        _ = try versionFromHeader(of: url)
        if FileManager.default.fileExists(atPath: url.path + "-wal") {
            // The header on disk may be older than the WAL's copy; only a definite answer stops us here.
            do {
                let inspector = try Connection(file: url, mode: .readOnly)
                defer { inspector.close() }
                _ = try checkedVersion(inspector)
            } catch let error as StoreError {
                switch error {
                case .notAProject, .newerSchema: throw error
                default: break
                }
            }
        }

        let connection = try Connection(file: url, mode: .readWrite)
        // Reading the pragmas writes nothing; the journal mode below may, so it comes after the check.
        var version = try checkedVersion(connection)
        try checkNotEmptyShell(connection, version: version)
        try connection.execute("PRAGMA foreign_keys = ON")
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = FULL")
        if version < Schema.currentVersion {
            try connection.transaction(immediate: true) {
                // Another process may have migrated it meanwhile.
                version = try checkedVersion(connection)
                if version < Schema.currentVersion { try Schema.migrate(connection, from: version) }
            }
        }
        return Project(url: url, connection: connection)
    }

    /// Opens a project only to read it, for commands that write nothing (info, export, eval). It is
    /// opened as usual when that works; when the file or its folder cannot be written (a read-only
    /// mount, someone else's files), it is opened read-only, and as an immutable file when no WAL
    /// file lies beside it, since then no process can be writing it.
    public static func openForReading(at url: URL) throws -> Project {
        let url = url.absoluteURL.standardizedFileURL
        do {
            return try open(at: url)
        } catch StoreError.notWritable(_, _) {
            let version = try versionFromHeader(of: url)
            guard version == Schema.currentVersion else {
                throw StoreError.notWritable(file: url, message: "its schema (version \(version)) must be updated to version \(Schema.currentVersion), which needs write access once")
            }
            let hasWAL = FileManager.default.fileExists(atPath: url.path + "-wal")
            let connection = try Connection(file: url, mode: hasWAL ? .readOnly : .immutable)
            _ = try checkedVersion(connection)
            // A cheap read proves the file can be read this way (a WAL file without its shared memory cannot).
            _ = try connection.fetchFrameCount()
            return Project(url: url, connection: connection, isReadOnly: true)
        }
    }

    /// A file that claims schema version 0 (nothing applied) yet holds tables was not made by
    /// microlabel, or lost its header: migrating it would fail half-way with a confusing error.
    private static func checkNotEmptyShell(_ connection: Connection, version: Int) throws {
        guard version == 0 else { return }
        let tables = try connection.queryFirst("SELECT count(*) FROM sqlite_master WHERE type = 'table'") { $0.int(0) } ?? 0
        if tables > 0 {
            throw StoreError.damaged(file: connection.file, reason: "its header says schema version 0 (empty) but it holds \(tables) tables; the file was left unchanged")
        }
    }

    /// The schema version in the file's SQLite header, after checking it is a microlabel project this build can read.
    /// Reads the bytes directly: SQLite itself would leave journal files beside a foreign database.
    private static func versionFromHeader(of url: URL) throws -> Int {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { throw StoreError.notFound(file: url) }
        if isFolder.boolValue { throw StoreError.notAProject(file: url, reason: "it is a folder") }
        let header: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            header = try handle.read(upToCount: 100) ?? Data()
        } catch {
            throw StoreError.notAProject(file: url, reason: "it cannot be read (\(error.localizedDescription))")
        }
        if header.isEmpty { throw StoreError.notAProject(file: url, reason: "it is empty") }
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw StoreError.notAProject(file: url, reason: "it is not an SQLite database")
        }
        func field(_ offset: Int) -> Int64 {
            Int64(Int32(bitPattern: header[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        }
        return try checked(applicationID: field(68), version: field(60), file: url)
    }

    /// The file's schema version as SQLite reports it, after the same checks.
    private static func checkedVersion(_ connection: Connection) throws -> Int {
        let applicationID = try connection.queryFirst("PRAGMA application_id") { $0.int64(0) } ?? 0
        let version = try connection.queryFirst("PRAGMA user_version") { $0.int64(0) } ?? 0
        return try checked(applicationID: applicationID, version: version, file: connection.file)
    }

    private static func checked(applicationID: Int64, version: Int64, file: URL) throws -> Int {
        guard applicationID == Int64(Schema.applicationID) else {
            let reason = applicationID == 0
                ? "it is an SQLite database without microlabel's application id"
                : "it is an SQLite database of another program (application id \(applicationID))"
            throw StoreError.notAProject(file: file, reason: reason)
        }
        guard version >= 0 else {
            throw StoreError.damaged(file: file, reason: "its schema version \(version) is not a valid version (they count up from 0); the file was left unchanged")
        }
        guard version <= Schema.currentVersion else {
            throw StoreError.newerSchema(file: file, found: Int(version), supported: Schema.currentVersion)
        }
        return Int(version)
    }

    // MARK: - Reads

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The frame source; its path resolved to an absolute one.
    public func source() throws -> SourceInfo {
        try locked { try connection.fetchSource(projectFolder: folder) }
    }

    /// Points the project at a moved or re-encoded source. Not an undoable edit. The recorded frame
    /// file names are replaced by `frameFiles` (removed when nil).
    public func setSource(_ source: SourceInfo, frameFiles: [String]? = nil) throws {
        try Project.validate(source: source, file: url)
        let text = try frameFiles.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try locked {
            try connection.transaction(immediate: true) {
                try connection.storeSource(source, projectFolder: folder)
                try connection.run("DELETE FROM settings WHERE key = ?", [.text(SettingKey.frameFiles)])
                if let text {
                    try connection.run("INSERT INTO settings (key, value) VALUES (?, ?)", [.text(SettingKey.frameFiles), .text(text)])
                }
            }
        }
    }

    /// The file names of a folder source's frames, in frame order, as recorded when the project was
    /// made; nil for a video, or a project made before names were recorded.
    public func frameFiles() throws -> [String]? {
        guard let text = try setting(SettingKey.frameFiles) else { return nil }
        guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw StoreError.damaged(file: url, reason: "the recorded frame file names cannot be read")
        }
        return names
    }

    /// All labels in the order they were created.
    public func labels() throws -> [Label] {
        try locked { try connection.fetchLabels() }
    }

    public func label(named name: String) throws -> Label? {
        try locked { try connection.fetchLabel(named: name) }
    }

    public func label(id: Int64) throws -> Label? {
        try locked { try connection.fetchLabel(id: id) }
    }

    /// All tracked objects (or those of one label) in the order they were created.
    public func objects(labelID: Int64? = nil) throws -> [TrackedObject] {
        try locked { try connection.fetchObjects(labelID: labelID) }
    }

    public func object(id: Int64) throws -> TrackedObject? {
        try locked { try connection.fetchObject(id: id) }
    }

    public func box(id: Int64) throws -> Box? {
        try locked { try connection.fetchBox(id: id) }
    }

    /// Boxes filtered by 0-based frame range, object and kinds, ordered by frame, object, id.
    public func boxes(frames: ClosedRange<Int>? = nil, objectID: Int64? = nil, kinds: Set<BoxKind>? = nil) throws -> [Box] {
        try locked { try connection.fetchBoxes(frames: frames, objectID: objectID, kinds: kinds) }
    }

    /// Box counts by kind, for the whole project or one object.
    public func counts(objectID: Int64? = nil) throws -> BoxCounts {
        try locked { try connection.fetchCounts(objectID: objectID) }
    }

    /// SQLite's integrity and foreign-key checks; empty when the file is sound. Reads every page, so it
    /// takes a moment on a large project (for `doctor`-style commands, not for every open).
    public func integrityProblems() throws -> [String] {
        try locked {
            let integrity = try connection.query("PRAGMA integrity_check") { $0.string(0) }.filter { $0 != "ok" }
            let keys = try connection.query("PRAGMA foreign_key_check") { row in
                "\(row.string(0)) row \(row.int64(1)) refers to a missing \(row.string(2)) row"
            }
            return integrity + keys
        }
    }

    // MARK: - Settings (not undoable)

    public func setting(_ key: String) throws -> String? {
        try locked { try connection.queryFirst("SELECT value FROM settings WHERE key = ?", [.text(key)]) { $0.string(0) } }
    }

    /// Stores a setting; nil removes it.
    public func setSetting(_ key: String, _ value: String?) throws {
        try locked {
            try connection.transaction(immediate: true) {
                if let value {
                    try connection.run(
                        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [.text(key), .text(value)])
                } else {
                    try connection.run("DELETE FROM settings WHERE key = ?", [.text(key)])
                }
            }
        }
    }

    // MARK: - Validation

    static func validate(source: SourceInfo, file: URL) throws {
        guard !source.path.isEmpty else { throw StoreError.invalidValue(file: file, reason: "the source path is empty") }
        guard source.frameCount >= 0, source.width >= 0, source.height >= 0, source.fps.isFinite, source.fps >= 0 else {
            throw StoreError.invalidValue(
                file: file,
                reason: "source \(source.path) has an impossible size (\(source.frameCount) frames of \(source.width)x\(source.height) at \(source.fps) fps)")
        }
    }

    static func validLabelName(_ name: String, file: URL) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw StoreError.invalidValue(file: file, reason: "a label name cannot be empty") }
        return trimmed
    }
}
