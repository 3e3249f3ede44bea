import Foundation
import Geometry

// Reads shared by `Project` (under its lock) and `ActionContext` (inside an action's transaction).
extension Connection {
    static let boxColumns = "id, frame, object_id, x, y, w, h, kind, confidence, model_id, created_at, updated_at"

    func makeBox(_ row: Row) throws -> Box {
        let kindText = row.string(7)
        guard let kind = BoxKind(rawValue: kindText) else {
            throw StoreError.damaged(file: file, reason: "box \(row.int64(0)) has unknown kind \"\(kindText)\"")
        }
        return Box(
            id: row.int64(0), frame: row.int(1), objectID: row.int64(2),
            rect: BoxRect(x: row.double(3), y: row.double(4), width: row.double(5), height: row.double(6)),
            kind: kind, confidence: row.double(8), modelID: row.optionalInt64(9),
            createdAt: Date(timeIntervalSince1970: row.double(10)), updatedAt: Date(timeIntervalSince1970: row.double(11)))
    }

    func fetchLabels() throws -> [Label] {
        try query("SELECT id, name FROM labels ORDER BY id") { Label(id: $0.int64(0), name: $0.string(1)) }
    }

    func fetchLabel(id: Int64) throws -> Label? {
        try queryFirst("SELECT id, name FROM labels WHERE id = ?", [.integer(id)]) { Label(id: $0.int64(0), name: $0.string(1)) }
    }

    func fetchLabel(named name: String) throws -> Label? {
        try queryFirst("SELECT id, name FROM labels WHERE name = ?", [.text(name)]) { Label(id: $0.int64(0), name: $0.string(1)) }
    }

    private static let objectColumns = "id, label_id, number, name"

    private func makeObject(_ row: Row) -> TrackedObject {
        TrackedObject(id: row.int64(0), labelID: row.int64(1), number: row.int(2), name: row.string(3))
    }

    func fetchObjects(labelID: Int64? = nil) throws -> [TrackedObject] {
        if let labelID {
            return try query("SELECT \(Self.objectColumns) FROM objects WHERE label_id = ? ORDER BY id", [.integer(labelID)], makeObject)
        }
        return try query("SELECT \(Self.objectColumns) FROM objects ORDER BY id", [], makeObject)
    }

    func fetchObject(id: Int64) throws -> TrackedObject? {
        try queryFirst("SELECT \(Self.objectColumns) FROM objects WHERE id = ?", [.integer(id)], makeObject)
    }

    func fetchBox(id: Int64) throws -> Box? {
        try queryFirst("SELECT \(Self.boxColumns) FROM boxes WHERE id = ?", [.integer(id)], makeBox)
    }

    func fetchBoxes(frames: ClosedRange<Int>?, objectID: Int64?, kinds: Set<BoxKind>?) throws -> [Box] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let frames {
            conditions.append("frame BETWEEN ? AND ?")
            values += [.integer(Int64(frames.lowerBound)), .integer(Int64(frames.upperBound))]
        }
        if let objectID {
            conditions.append("object_id = ?")
            values.append(.integer(objectID))
        }
        if let kinds {
            if kinds.isEmpty { return [] }
            // Sorted so the same filter always reuses the same cached statement.
            let names = kinds.map(\.rawValue).sorted()
            conditions.append("kind IN (\(names.map { _ in "?" }.joined(separator: ", ")))")
            values += names.map { .text($0) }
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try query("SELECT \(Self.boxColumns) FROM boxes\(filter) ORDER BY frame, object_id, id", values, makeBox)
    }

    func fetchCounts(objectID: Int64?) throws -> BoxCounts {
        // One pass with four sums: cheaper than GROUP BY, which sorts.
        let sums = "SELECT total(kind = 'seed'), total(kind = 'proposal'), total(kind = 'accepted'), total(kind = 'rejected') FROM boxes"
        let makeCounts = { (row: Row) in
            BoxCounts(seeds: Int(row.double(0)), proposals: Int(row.double(1)), accepted: Int(row.double(2)), rejected: Int(row.double(3)))
        }
        if let objectID {
            return try queryFirst(sums + " WHERE object_id = ?", [.integer(objectID)], makeCounts) ?? BoxCounts()
        }
        return try queryFirst(sums, [], makeCounts) ?? BoxCounts()
    }

    func fetchFrameCount() throws -> Int {
        guard let count = try queryFirst("SELECT frame_count FROM source", [], { $0.int(0) }) else {
            throw StoreError.damaged(file: file, reason: "the source record is missing")
        }
        return count
    }

    func fetchSource(projectFolder: URL) throws -> SourceInfo {
        let stored = try queryFirst("SELECT relative_path, absolute_path, kind, frame_count, width, height, fps FROM source") { row in
            (relative: row.optionalString(0), absolute: row.string(1), kind: row.string(2),
             info: SourceInfo(path: "", kind: .folder, frameCount: row.int(3), width: row.int(4), height: row.int(5), fps: row.double(6)))
        }
        guard let stored else { throw StoreError.damaged(file: file, reason: "the source record is missing") }
        guard let kind = SourceKind(rawValue: stored.kind) else {
            throw StoreError.damaged(file: file, reason: "unknown source kind \"\(stored.kind)\"")
        }
        var info = stored.info
        info.kind = kind
        info.path = SourcePath.resolve(relative: stored.relative, absolute: stored.absolute, projectFolder: projectFolder)
        return info
    }

    func storeSource(_ source: SourceInfo, projectFolder: URL) throws {
        let absolute = SourcePath.absolute(source.path)
        let relative = SourcePath.relative(from: projectFolder, to: absolute)
        try run("""
            INSERT INTO source (id, relative_path, absolute_path, kind, frame_count, width, height, fps)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET relative_path = excluded.relative_path, absolute_path = excluded.absolute_path,
                kind = excluded.kind, frame_count = excluded.frame_count, width = excluded.width, height = excluded.height, fps = excluded.fps
            """,
            [relative.map { .text($0) } ?? .null, .text(absolute), .text(source.kind.rawValue),
             .integer(Int64(source.frameCount)), .integer(Int64(source.width)), .integer(Int64(source.height)), .real(source.fps)])
    }
}

/// Source paths are stored twice: relative to the project's folder (so a project moved together with its
/// frames still finds them) and absolute (so a project moved alone still finds them).
enum SourcePath {
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).absoluteURL.standardizedFileURL.path
    }

    /// The path of `target` seen from `folder`, or nil when one of them is not absolute.
    static func relative(from folder: URL, to target: String) -> String? {
        let base = folder.absoluteURL.standardizedFileURL.pathComponents
        let goal = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
        guard base.first == "/", goal.first == "/" else { return nil }
        var shared = 0
        while shared < base.count, shared < goal.count, base[shared] == goal[shared] { shared += 1 }
        let parts = Array(repeating: "..", count: base.count - shared) + goal[shared...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// The relative path if it exists, else the absolute one if that exists, else the relative one.
    static func resolve(relative: String?, absolute: String, projectFolder: URL) -> String {
        guard let relative else { return absolute }
        let fromProject = projectFolder.appendingPathComponent(relative).standardizedFileURL.path
        let files = FileManager.default
        if files.fileExists(atPath: fromProject) || !files.fileExists(atPath: absolute) { return fromProject }
        return absolute
    }
}
