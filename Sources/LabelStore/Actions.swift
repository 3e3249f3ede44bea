import Foundation
import Geometry

/// The tables user actions write, with the columns kept in the undo log's row images (id first).
enum LoggedTable: String {
    case labels, objects, boxes

    var columns: String {
        switch self {
        case .labels: return "id, name, created_at"
        case .objects: return "id, label_id, number, name, created_at"
        case .boxes: return Connection.boxColumns
        }
    }

    var columnNames: [String] { columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
}

/// One row's state before and after an action; nil means the row did not exist.
struct RowChange {
    var table: LoggedTable
    var rowID: Int64
    var before: [SQLValue]?
    var after: [SQLValue]?
}

extension Connection {
    func rowImage(_ table: LoggedTable, _ id: Int64) throws -> [SQLValue]? {
        try queryFirst("SELECT \(table.columns) FROM \(table.rawValue) WHERE id = ?", [.integer(id)]) { row in
            (0..<row.columnCount).map { row.value($0) }
        }
    }

    /// Moves a row from state `current` to state `target` (nil: no row). Updates only the columns that
    /// differ, so indexes on unchanged columns are left alone, and never deletes a row it keeps
    /// (a delete would cascade to the row's dependants).
    func setRow(_ table: LoggedTable, _ id: Int64, from current: [SQLValue]?, to target: [SQLValue]?) throws {
        let names = table.columnNames
        if let target, target.count != names.count || target.first != .integer(id) {
            throw StoreError.damaged(file: file, reason: "the undo log holds a malformed image of \(table.rawValue) row \(id)")
        }
        switch (current, target) {
        case (nil, nil):
            return
        case (.some, nil):
            try run("DELETE FROM \(table.rawValue) WHERE id = ?", [.integer(id)])
        case (nil, .some(let target)):
            let marks = names.map { _ in "?" }.joined(separator: ", ")
            try run("INSERT INTO \(table.rawValue) (\(table.columns)) VALUES (\(marks))", target)
        case (.some(let current), .some(let target)):
            let changed = names.indices.dropFirst().filter { current[$0] != target[$0] }
            if changed.isEmpty { return }
            let assignments = changed.map { "\(names[$0]) = ?" }.joined(separator: ", ")
            try run("UPDATE \(table.rawValue) SET \(assignments) WHERE id = ?", changed.map { target[$0] } + [.integer(id)])
        }
    }
}

/// The writes available inside one user action (`Project.perform`). Every write records the rows it
/// changes, so the whole action is undone and redone as one step. Valid only inside the closure it is
/// given to; all of its writes share that action's transaction.
public final class ActionContext {
    let connection: Connection
    let projectFolder: URL
    private(set) var changes: [RowChange] = []
    fileprivate var isOpen = true
    private lazy var now = Date().timeIntervalSince1970

    fileprivate init(connection: Connection, projectFolder: URL) {
        self.connection = connection
        self.projectFolder = projectFolder
    }

    private var file: URL { connection.file }

    private func checkOpen() {
        precondition(isOpen, "an ActionContext was used after its action ended")
    }

    // MARK: Reads (they see this action's own writes)

    public func source() throws -> SourceInfo { checkOpen(); return try connection.fetchSource(projectFolder: projectFolder) }
    public func labels() throws -> [Label] { checkOpen(); return try connection.fetchLabels() }
    public func label(named name: String) throws -> Label? { checkOpen(); return try connection.fetchLabel(named: name) }
    public func objects(labelID: Int64? = nil) throws -> [TrackedObject] { checkOpen(); return try connection.fetchObjects(labelID: labelID) }
    public func object(id: Int64) throws -> TrackedObject? { checkOpen(); return try connection.fetchObject(id: id) }
    public func box(id: Int64) throws -> Box? { checkOpen(); return try connection.fetchBox(id: id) }

    public func boxes(frames: ClosedRange<Int>? = nil, objectID: Int64? = nil, kinds: Set<BoxKind>? = nil) throws -> [Box] {
        checkOpen()
        return try connection.fetchBoxes(frames: frames, objectID: objectID, kinds: kinds)
    }

    // MARK: Writes

    /// Adds a label; names are trimmed and must be unique.
    public func addLabel(_ name: String) throws -> Label {
        checkOpen()
        let name = try Project.validLabelName(name, file: file)
        if try connection.fetchLabel(named: name) != nil { throw StoreError.duplicateLabel(file: file, name: name) }
        let id = try insert(.labels, "INSERT INTO labels (name, created_at) VALUES (?, ?)", [.text(name), .real(now)])
        return Label(id: id, name: name)
    }

    /// Adds an object of a label, numbered after the label's existing objects; named "label number" unless `name` is given.
    public func addObject(labelID: Int64, name: String? = nil) throws -> TrackedObject {
        checkOpen()
        guard let label = try connection.fetchLabel(id: labelID) else { throw StoreError.noSuchLabel(file: file, id: labelID) }
        let number = try connection.queryFirst("SELECT coalesce(max(number), 0) + 1 FROM objects WHERE label_id = ?", [.integer(labelID)]) { $0.int(0) } ?? 1
        let displayName = name?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty ?? "\(label.name) \(number)"
        let id = try insert(.objects, "INSERT INTO objects (label_id, number, name, created_at) VALUES (?, ?, ?, ?)",
                            [.integer(labelID), .integer(Int64(number)), .text(displayName), .real(now)])
        return TrackedObject(id: id, labelID: labelID, number: number, name: displayName)
    }

    public func renameObject(id: Int64, to name: String) throws {
        checkOpen()
        guard let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines).nonEmpty else {
            throw StoreError.invalidValue(file: file, reason: "an object name cannot be empty")
        }
        try requireObject(id)
        try update(.objects, id, "UPDATE objects SET name = ? WHERE id = ?", [.text(trimmed), .integer(id)])
    }

    /// Moves an object (and so all its boxes) to another label.
    public func setLabel(objectID: Int64, to labelID: Int64) throws {
        checkOpen()
        try requireObject(objectID)
        guard try connection.fetchLabel(id: labelID) != nil else { throw StoreError.noSuchLabel(file: file, id: labelID) }
        try update(.objects, objectID, "UPDATE objects SET label_id = ? WHERE id = ?", [.integer(labelID), .integer(objectID)])
    }

    public func addBox(_ box: NewBox) throws -> Box {
        checkOpen()
        try validate(frame: box.frame, rect: box.rect, confidence: box.confidence)
        try requireObject(box.objectID)
        let id = try insert(.boxes, """
            INSERT INTO boxes (frame, object_id, x, y, w, h, kind, confidence, model_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(Int64(box.frame)), .integer(box.objectID), .real(box.rect.x), .real(box.rect.y), .real(box.rect.width), .real(box.rect.height),
             .text(box.kind.rawValue), .real(box.confidence), box.modelID.map { .integer($0) } ?? .null, .real(now), .real(now)])
        guard let stored = try connection.fetchBox(id: id) else { throw StoreError.noSuchBox(file: file, id: id) }
        return stored
    }

    /// Moves or resizes a box; its kind is unchanged.
    @discardableResult
    public func updateBox(id: Int64, rect: BoxRect) throws -> Box {
        checkOpen()
        let box = try requireBox(id)
        try validate(frame: box.frame, rect: rect, confidence: box.confidence)
        try update(.boxes, id, "UPDATE boxes SET x = ?, y = ?, w = ?, h = ?, updated_at = ? WHERE id = ?",
                   [.real(rect.x), .real(rect.y), .real(rect.width), .real(rect.height), .real(now), .integer(id)])
        return try requireBox(id)
    }

    public func deleteBox(id: Int64) throws {
        checkOpen()
        _ = try requireBox(id)
        try update(.boxes, id, "DELETE FROM boxes WHERE id = ?", [.integer(id)])
    }

    /// Sets the kind of many boxes (accept, reject, or back to proposal). Boxes already of that kind are left as they are.
    public func setKind(ids: [Int64], to kind: BoxKind) throws {
        checkOpen()
        for id in ids {
            if try requireBox(id).kind == kind { continue }
            try update(.boxes, id, "UPDATE boxes SET kind = ?, updated_at = ? WHERE id = ?", [.text(kind.rawValue), .real(now), .integer(id)])
        }
    }

    /// Assigns boxes to another object (which may be of another label).
    public func setObject(boxIDs: [Int64], to objectID: Int64) throws {
        checkOpen()
        try requireObject(objectID)
        for id in boxIDs {
            if try requireBox(id).objectID == objectID { continue }
            try update(.boxes, id, "UPDATE boxes SET object_id = ?, updated_at = ? WHERE id = ?", [.integer(objectID), .real(now), .integer(id)])
        }
    }

    // MARK: Recording

    private func insert(_ table: LoggedTable, _ sql: String, _ values: [SQLValue]) throws -> Int64 {
        try connection.run(sql, values)
        let id = connection.lastInsertRowID
        changes.append(RowChange(table: table, rowID: id, before: nil, after: try connection.rowImage(table, id)))
        return id
    }

    private func update(_ table: LoggedTable, _ id: Int64, _ sql: String, _ values: [SQLValue]) throws {
        let before = try connection.rowImage(table, id)
        try connection.run(sql, values)
        let after = try connection.rowImage(table, id)
        if before != after { changes.append(RowChange(table: table, rowID: id, before: before, after: after)) }
    }

    @discardableResult
    private func requireBox(_ id: Int64) throws -> Box {
        guard let box = try connection.fetchBox(id: id) else { throw StoreError.noSuchBox(file: file, id: id) }
        return box
    }

    private func requireObject(_ id: Int64) throws {
        if try connection.fetchObject(id: id) == nil { throw StoreError.noSuchObject(file: file, id: id) }
    }

    private func validate(frame: Int, rect: BoxRect, confidence: Double) throws {
        try Project.validate(frame: frame, rect: rect, confidence: confidence, frameCount: try connection.fetchFrameCount(), file: file)
    }
}

extension Project {
    static func validate(frame: Int, rect: BoxRect, confidence: Double, frameCount: Int, file: URL) throws {
        guard frame >= 0, frame < frameCount else {
            throw StoreError.invalidValue(file: file, reason: "frame \(frame + 1) is outside the source's frames 1-\(frameCount)")
        }
        guard [rect.x, rect.y, rect.width, rect.height].allSatisfy({ $0.isFinite && abs($0) <= 1e7 }) else {
            throw StoreError.invalidValue(file: file, reason: "box on frame \(frame + 1) has an impossible position or size (\(rect.x), \(rect.y), \(rect.width) x \(rect.height))")
        }
        guard rect.width >= 1, rect.height >= 1 else {
            throw StoreError.invalidValue(
                file: file,
                reason: "box on frame \(frame + 1) is \(rect.width) x \(rect.height) pixels; a box must be at least 1 pixel wide and high")
        }
        guard confidence.isFinite else {
            throw StoreError.invalidValue(file: file, reason: "box on frame \(frame + 1) has confidence \(confidence)")
        }
    }
}

// MARK: - Performing, undoing and redoing actions

extension Project {
    /// Runs one user action: every write `body` makes through the context is one transaction and one
    /// undo step named `description` (shown as "undo: DESCRIPTION"; the built-in actions name frames 1-based,
    /// as the command line shows them). Starts a new redo branch. Undo reaches back `undoLimit` actions.
    /// If `body` throws, nothing is written. Do not call `perform` (or another writing method of this
    /// project) from inside `body`: use the context.
    public func perform<T>(_ description: String, _ body: (ActionContext) throws -> T) throws -> T {
        try performAction { (try body($0), description) }
    }

    /// Like `perform`, with the description computed by the action itself.
    func performAction<T>(_ body: (ActionContext) throws -> (T, String)) throws -> T {
        try locked {
            precondition(!connection.isInTransaction, "Project.perform was called inside another action; use its ActionContext")
            return try connection.transaction(immediate: true) {
                let context = ActionContext(connection: connection, projectFolder: folder)
                defer { context.isOpen = false }
                let (result, description) = try body(context)
                try ActionLog.record(description, context.changes, keeping: undoLimit, connection)
                return result
            }
        }
    }

    /// Reverts the latest action that is not undone, in one transaction. Returns "undo: DESCRIPTION", or nil if there is nothing to undo.
    /// The log lives in the file, so it is shared by every process using the project: undo reverts the latest action whoever made it.
    @discardableResult
    public func undo() throws -> String? {
        try locked { try connection.transaction(immediate: true) { try ActionLog.step(.undo, connection) } }
    }

    /// Re-applies the most recently undone action. Returns "redo: DESCRIPTION", or nil if there is nothing to redo.
    @discardableResult
    public func redo() throws -> String? {
        try locked { try connection.transaction(immediate: true) { try ActionLog.step(.redo, connection) } }
    }

    /// What `undo()` would revert, without doing it.
    public func nextUndo() throws -> String? {
        try locked { try ActionLog.next(.undo, connection)?.description }
    }

    /// What `redo()` would re-apply, without doing it.
    public func nextRedo() throws -> String? {
        try locked { try ActionLog.next(.redo, connection)?.description }
    }

    // MARK: Convenience actions

    public func addLabel(_ name: String) throws -> Label {
        try performAction { context in
            let label = try context.addLabel(name)
            return (label, "add label \"\(label.name)\"")
        }
    }

    public func addObject(labelID: Int64, name: String? = nil) throws -> TrackedObject {
        try performAction { context in
            let object = try context.addObject(labelID: labelID, name: name)
            return (object, "add object \(object.name)")
        }
    }

    public func renameObject(id: Int64, to name: String) throws {
        try performAction { context in
            let old = try context.object(id: id)?.name ?? "\(id)"
            try context.renameObject(id: id, to: name)
            return ((), "rename \(old) to \(name)")
        }
    }

    public func setLabel(objectID: Int64, to labelID: Int64) throws {
        try performAction { context in
            try context.setLabel(objectID: objectID, to: labelID)
            let object = try context.object(id: objectID)?.name ?? "\(objectID)"
            let label = try context.labels().first { $0.id == labelID }?.name ?? "\(labelID)"
            return ((), "relabel \(object) as \(label)")
        }
    }

    public func addBox(_ box: NewBox) throws -> Box {
        try performAction { context in
            let stored = try context.addBox(box)
            return (stored, "add \(box.kind.rawValue) box on frame \(box.frame + 1)")
        }
    }

    @discardableResult
    public func updateBox(id: Int64, rect: BoxRect) throws -> Box {
        try performAction { context in
            let old = try context.box(id: id)
            let box = try context.updateBox(id: id, rect: rect)
            let verb = old.map { $0.rect.width == rect.width && $0.rect.height == rect.height } == true ? "move" : "resize"
            return (box, "\(verb) box on frame \(box.frame + 1)")
        }
    }

    public func deleteBox(id: Int64) throws {
        try performAction { context in
            let old = try context.box(id: id)
            try context.deleteBox(id: id)
            return ((), "delete \(old?.kind.rawValue ?? "") box on frame \((old?.frame ?? 0) + 1)")
        }
    }

    /// Accepts, rejects (or returns to proposal, or marks as seed) many boxes as one action.
    public func setKind(ids: [Int64], to kind: BoxKind) throws {
        try performAction { context in
            let first = try ids.first.flatMap { try context.box(id: $0) }
            try context.setKind(ids: ids, to: kind)
            let verb: String
            switch kind {
            case .seed: verb = "mark as seed"
            case .proposal: verb = "return to proposals"
            case .accepted: verb = "accept"
            case .rejected: verb = "reject"
            }
            let what = ids.count == 1 ? "box on frame \((first?.frame ?? 0) + 1)" : "\(ids.count) boxes"
            return ((), "\(verb) \(what)")
        }
    }

    public func setObject(boxIDs: [Int64], to objectID: Int64) throws {
        try performAction { context in
            try context.setObject(boxIDs: boxIDs, to: objectID)
            let name = try context.object(id: objectID)?.name ?? "\(objectID)"
            return ((), "assign \(boxIDs.count == 1 ? "box" : "\(boxIDs.count) boxes") to \(name)")
        }
    }
}

/// The persistent undo log: `actions` (one row per user action, `undone` marking the redo branch) and
/// `action_changes` (the before and after image of every row an action changed).
///
/// Undo puts each row back to its before image, in reverse order; redo puts each to its after image.
/// A row is only touched if it is still in the state the action (or its undo) left it: the engine
/// may since have replaced a pending proposal the action moved, and that newer state wins.
enum ActionLog {
    enum Direction { case undo, redo }

    static func record(_ description: String, _ changes: [RowChange], keeping keptActions: Int, _ connection: Connection) throws {
        if changes.isEmpty { return }
        try connection.run("DELETE FROM actions WHERE undone = 1")
        try connection.run("DELETE FROM actions WHERE id < (SELECT min(id) FROM (SELECT id FROM actions ORDER BY id DESC LIMIT ?))",
                           [.integer(Int64(max(keptActions, 1) - 1))])
        try connection.run("INSERT INTO actions (description, created_at) VALUES (?, ?)", [.text(description), .real(Date().timeIntervalSince1970)])
        let action = connection.lastInsertRowID
        for (seq, change) in changes.enumerated() {
            try connection.run(
                "INSERT INTO action_changes (action_id, seq, table_name, row_id, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                [.integer(action), .integer(Int64(seq)), .text(change.table.rawValue), .integer(change.rowID),
                 encode(change.before), encode(change.after)])
        }
    }

    static func next(_ direction: Direction, _ connection: Connection) throws -> (id: Int64, description: String)? {
        let sql = direction == .undo
            ? "SELECT id, description FROM actions WHERE undone = 0 ORDER BY id DESC LIMIT 1"
            : "SELECT id, description FROM actions WHERE undone = 1 ORDER BY id ASC LIMIT 1"
        return try connection.queryFirst(sql) { ($0.int64(0), $0.string(1)) }
    }

    /// Undoes or redoes one action. Call inside a write transaction.
    static func step(_ direction: Direction, _ connection: Connection) throws -> String? {
        guard let action = try next(direction, connection) else { return nil }
        let order = direction == .undo ? "DESC" : "ASC"
        let changes = try connection.query(
            "SELECT table_name, row_id, before, after FROM action_changes WHERE action_id = ? ORDER BY seq \(order)",
            [.integer(action.id)]) { row in
            (table: row.string(0), rowID: row.int64(1), before: row.optionalString(2), after: row.optionalString(3))
        }
        var skipped = 0
        for change in changes {
            guard let table = LoggedTable(rawValue: change.table) else {
                throw StoreError.damaged(file: connection.file, reason: "the undo log names unknown table \"\(change.table)\"")
            }
            let before = try decode(change.before, connection)
            let after = try decode(change.after, connection)
            let (expected, target) = direction == .undo ? (after, before) : (before, after)
            let current = try connection.rowImage(table, change.rowID)
            guard current == expected else {
                skipped += 1
                continue
            }
            try connection.setRow(table, change.rowID, from: current, to: target)
        }
        try connection.run("UPDATE actions SET undone = ? WHERE id = ?", [.integer(direction == .undo ? 1 : 0), .integer(action.id)])
        let note = skipped == 0 ? "" : " (\(skipped) row\(skipped == 1 ? "" : "s") changed since, left as \(skipped == 1 ? "is" : "they are"))"
        return "\(direction == .undo ? "undo" : "redo"): \(action.description)\(note)"
    }

    private static func encode(_ image: [SQLValue]?) -> SQLValue {
        image.map { .text(RowImage.encode($0)) } ?? .null
    }

    private static func decode(_ text: String?, _ connection: Connection) throws -> [SQLValue]? {
        guard let text else { return nil }
        guard let image = RowImage.decode(text) else {
            throw StoreError.damaged(file: connection.file, reason: "the undo log holds an unreadable row image")
        }
        return image
    }
}

/// A compact, exact text form of a row for the undo log (JSON coding was the main cost of a bulk accept):
/// `n` null, `i<decimal>;` integer, `r<shortest round-trip decimal>;` real, `t<UTF-8 byte count>:<text>` text.
enum RowImage {
    static func encode(_ values: [SQLValue]) -> String {
        var out = ""
        for value in values {
            switch value {
            case .null: out += "n"
            case .integer(let v): out += "i\(v);"
            case .real(let v): out += "r\(v);"
            case .text(let v): out += "t\(v.utf8.count):\(v)"
            }
        }
        return out
    }

    static func decode(_ text: String) -> [SQLValue]? {
        let bytes = Array(text.utf8)
        var values: [SQLValue] = []
        var index = 0
        func field(until terminator: UInt8) -> String? {
            guard let end = bytes[index...].firstIndex(of: terminator) else { return nil }
            defer { index = end + 1 }
            return String(decoding: bytes[index..<end], as: UTF8.self)
        }
        while index < bytes.count {
            let tag = bytes[index]
            index += 1
            switch tag {
            case UInt8(ascii: "n"):
                values.append(.null)
            case UInt8(ascii: "i"):
                guard let v = field(until: UInt8(ascii: ";")).flatMap({ Int64($0) }) else { return nil }
                values.append(.integer(v))
            case UInt8(ascii: "r"):
                guard let v = field(until: UInt8(ascii: ";")).flatMap({ Double($0) }) else { return nil }
                values.append(.real(v))
            case UInt8(ascii: "t"):
                guard let count = field(until: UInt8(ascii: ":")).flatMap({ Int($0) }), count >= 0, index + count <= bytes.count else { return nil }
                values.append(.text(String(decoding: bytes[index..<(index + count)], as: UTF8.self)))
                index += count
            default:
                return nil
            }
        }
        return values
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
