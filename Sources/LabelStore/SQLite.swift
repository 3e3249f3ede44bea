import CSQLite3
import Foundation

// The only file that calls the SQLite C API. Everything else speaks `Connection`, `SQLValue` and `Row`.

/// One value bound to or read from SQLite.
enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// The current result row of a statement; valid only inside the closure it is handed to.
struct Row {
    fileprivate let handle: OpaquePointer

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: text)
    }

    func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

    func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_NULL: return .null
        default: return .text(string(column))
        }
    }

    var columnCount: Int32 { sqlite3_column_count(handle) }
}

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe by itself (opened with SQLITE_OPEN_NOMUTEX): `Project` serialises every use behind its lock.
final class Connection {
    enum Mode {
        /// Never writes, never creates: used to inspect a file before anything may change it.
        case readOnly
        /// Reads and writes an existing file.
        case readWrite
        /// Creates the file if it is missing.
        case create
        /// Reads a file no process can be writing (it lies in a folder nobody may write, and has no
        /// WAL file): SQLite takes no locks and needs no shared-memory file beside it.
        case immutable
    }

    /// The database file, named in every error.
    let file: URL
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// How long a statement waits for another connection's lock before failing with `StoreError.busy`.
    static let busyTimeoutMilliseconds: Int32 = 5000

    /// Opens `path`, or `file` when no path is given; errors always name `file`.
    init(file: URL, mode: Mode, path: URL? = nil) throws {
        self.file = file
        var flags = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .immutable: flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
        }
        var name = (path ?? file).path
        if mode == .immutable {
            // A URI file name; '?' and '#' (and '%') in the path must be escaped.
            let escaped = name.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f")
                .replacingOccurrences(of: "#", with: "%23")
            name = "file:\(escaped)?immutable=1"
        }
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(name, &handle, flags, nil)
        if code != SQLITE_OK {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw Connection.error(file: file, code: code, message: message, context: "opening")
        }
        db = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Connection.busyTimeoutMilliseconds)
    }

    deinit { close() }

    /// Finalises every cached statement and closes the connection; later calls throw.
    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    /// True between BEGIN and COMMIT/ROLLBACK.
    var isInTransaction: Bool {
        guard let db else { return false }
        return sqlite3_get_autocommit(db) == 0
    }

    var lastInsertRowID: Int64 { db.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Runs one or more statements that take no parameters and return no rows (schema, pragmas, BEGIN...).
    func execute(_ sql: String) throws {
        let db = try handle()
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(message)
            throw Connection.error(file: file, code: code, message: text, context: Connection.summary(sql))
        }
    }

    /// Runs one statement to completion, ignoring any rows.
    func run(_ sql: String, _ values: [SQLValue] = []) throws {
        try withStatement(sql, values) { statement in
            while try step(statement, sql) {}
        }
    }

    /// Runs one statement and maps every result row.
    func query<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (Row) throws -> T) throws -> [T] {
        try withStatement(sql, values) { statement in
            var result: [T] = []
            while try step(statement, sql) { result.append(try map(Row(handle: statement))) }
            return result
        }
    }

    /// Runs one statement and maps its first row, if any.
    func queryFirst<T>(_ sql: String, _ values: [SQLValue] = [], _ map: (Row) throws -> T) throws -> T? {
        try withStatement(sql, values) { statement in
            try step(statement, sql) ? try map(Row(handle: statement)) : nil
        }
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    /// `immediate` takes the write lock at BEGIN, so a writer never has to upgrade a read lock (which can deadlock).
    func transaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: - Internals

    private func handle() throws -> OpaquePointer {
        guard let db else {
            throw StoreError.sqlite(file: file, code: SQLITE_MISUSE, message: "connection is closed", context: "using the project")
        }
        return db
    }

    private func withStatement<T>(_ sql: String, _ values: [SQLValue], _ body: (OpaquePointer) throws -> T) throws -> T {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let v): code = sqlite3_bind_int64(statement, index, v)
            case .real(let v): code = sqlite3_bind_double(statement, index, v)
            case .text(let v): code = sqlite3_bind_text(statement, index, v, -1, microlabel_sqlite_transient())
            }
            if code != SQLITE_OK { throw lastError(code, sql) }
        }
        return try body(statement)
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        let db = try handle()
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw lastError(code, sql) }
        statements[sql] = statement
        return statement
    }

    /// Steps once: true when a row is ready, false when done.
    private func step(_ statement: OpaquePointer, _ sql: String) throws -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw lastError(code, sql)
        }
    }

    private func lastError(_ code: Int32, _ sql: String) -> StoreError {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "connection is closed"
        return Connection.error(file: file, code: code, message: message, context: Connection.summary(sql))
    }

    private static func error(file: URL, code: Int32, message: String, context: String) -> StoreError {
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(file: file)
        case SQLITE_NOTADB: return .notAProject(file: file, reason: "it is not an SQLite database")
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN: return .notWritable(file: file, message: message)
        default: return .sqlite(file: file, code: code, message: message, context: context)
        }
    }

    /// The first words of a statement, enough to say what was being done in an error message.
    private static func summary(_ sql: String) -> String {
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(4).joined(separator: " ")
        return "running \"\(words)\""
    }
}
