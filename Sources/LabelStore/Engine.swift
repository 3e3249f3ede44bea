import Foundation
import Geometry

// Engine writes: proposals and micro-model records. Not user edits, so not in the undo log.
extension Project {
    /// Replaces the pending proposals of one object in a 0-based frame range by `proposals`, in one transaction.
    ///
    /// Seeds, accepted and rejected boxes are never touched. A proposal on a frame where the object already
    /// has a seed or an accepted box is dropped: that frame is decided. Every proposal must lie inside `frames`.
    /// Returns how many proposals were stored.
    @discardableResult
    public func replaceProposals(objectID: Int64, frames: ClosedRange<Int>, with proposals: [ProposedBox]) throws -> Int {
        try replaceProposals(objectID: objectID, frames: frames, with: proposals, expectedDecided: nil, stretch: nil)!
    }

    /// Like `replaceProposals`, for proposals computed from the boxes of `kinds` (seeds and accepted
    /// boxes by default, a seed winning on a shared frame) `decided` in `frames`: when those are no longer
    /// what the store holds, because someone added, moved or removed one since, nothing is written
    /// and nil is returned. Otherwise the proposals are written and, in the same transaction, the
    /// stretch record of `frames` becomes `record` (nil removes it), so a record of the work done
    /// is never saved without the work, nor the work without its record.
    public func replaceProposals(objectID: Int64, frames: ClosedRange<Int>, with proposals: [ProposedBox],
                                 ifDecidedAre decided: [Int: BoxRect], kinds: Set<BoxKind> = [.seed, .accepted],
                                 record: StretchRecord?) throws -> Int? {
        if let record, record.frames != frames {
            throw StoreError.invalidValue(file: url, reason: "a stretch record for frames \(record.frames.lowerBound + 1)-\(record.frames.upperBound + 1) was given with proposals for frames \(frames.lowerBound + 1)-\(frames.upperBound + 1)")
        }
        return try replaceProposals(objectID: objectID, frames: frames, with: proposals, expectedDecided: (decided, kinds),
                                    stretch: .some(record))
    }

    private func replaceProposals(objectID: Int64, frames: ClosedRange<Int>, with proposals: [ProposedBox],
                                  expectedDecided: (boxes: [Int: BoxRect], kinds: Set<BoxKind>)?, stretch: StretchRecord??) throws -> Int? {
        try locked {
            try connection.transaction(immediate: true) {
                guard try connection.fetchObject(id: objectID) != nil else { throw StoreError.noSuchObject(file: url, id: objectID) }
                if let expectedDecided {
                    var current: [Int: (rect: BoxRect, seed: Bool)] = [:]
                    for box in try connection.fetchBoxes(frames: frames, objectID: objectID, kinds: expectedDecided.kinds) {
                        if current[box.frame]?.seed == true { continue }
                        current[box.frame] = (box.rect, box.kind == .seed)
                    }
                    guard current.count == expectedDecided.boxes.count,
                          current.allSatisfy({ expectedDecided.boxes[$0.key] == $0.value.rect }) else { return nil }
                }
                if case let .some(record) = stretch {
                    try connection.run("DELETE FROM stretch_records WHERE object_id = ? AND first_frame = ? AND last_frame = ?",
                                       [.integer(objectID), .integer(Int64(frames.lowerBound)), .integer(Int64(frames.upperBound))])
                    if let record { try connection.insertStretchRecord(record, objectID: objectID) }
                }
                let frameCount = try connection.fetchFrameCount()
                for proposal in proposals {
                    guard frames.contains(proposal.frame) else {
                        throw StoreError.invalidValue(
                            file: url,
                            reason: "a proposal for frame \(proposal.frame + 1) lies outside the frames \(frames.lowerBound + 1)-\(frames.upperBound + 1) it replaces")
                    }
                    try Project.validate(frame: proposal.frame, rect: proposal.rect, confidence: proposal.confidence, frameCount: frameCount, file: url)
                }
                let range: [SQLValue] = [.integer(objectID), .integer(Int64(frames.lowerBound)), .integer(Int64(frames.upperBound))]
                let decided = Set(try connection.query(
                    "SELECT frame FROM boxes WHERE object_id = ? AND frame BETWEEN ? AND ? AND kind IN ('seed', 'accepted')", range) { $0.int(0) })
                try connection.run("DELETE FROM boxes WHERE object_id = ? AND frame BETWEEN ? AND ? AND kind = 'proposal'", range)
                let now = Date().timeIntervalSince1970
                var stored = 0
                for proposal in proposals where !decided.contains(proposal.frame) {
                    try connection.run("""
                        INSERT INTO boxes (frame, object_id, x, y, w, h, kind, confidence, model_id, created_at, updated_at, score)
                        VALUES (?, ?, ?, ?, ?, ?, 'proposal', ?, ?, ?, ?, ?)
                        """,
                        [.integer(Int64(proposal.frame)), .integer(objectID),
                         .real(proposal.rect.x), .real(proposal.rect.y), .real(proposal.rect.width), .real(proposal.rect.height),
                         .real(proposal.confidence), proposal.modelID.map { .integer($0) } ?? .null, .real(now), .real(now),
                         proposal.score.map { .real($0) } ?? .null])
                    stored += 1
                }
                return stored
            }
        }
    }

    /// The stretch records of one object (all objects when nil), by object, in frame order.
    public func stretchRecords(objectID: Int64? = nil) throws -> [Int64: [StretchRecord]] {
        let columns = "object_id, first_frame, last_frame, fingerprint, checks, checks_passed"
        let rows = try locked {
            if let objectID {
                return try connection.query("SELECT \(columns) FROM stretch_records WHERE object_id = ? ORDER BY first_frame, last_frame",
                                            [.integer(objectID)], Self.stretchRow)
            }
            return try connection.query("SELECT \(columns) FROM stretch_records ORDER BY object_id, first_frame, last_frame", [], Self.stretchRow)
        }
        var out: [Int64: [StretchRecord]] = [:]
        for row in rows {
            guard let record = row.record else {
                throw StoreError.damaged(file: url, reason: "a stretch record of object \(row.objectID) ends before it starts")
            }
            out[row.objectID, default: []].append(record)
        }
        return out
    }

    /// Replaces every stretch record of one object by `records`, in one transaction.
    public func replaceStretchRecords(objectID: Int64, with records: [StretchRecord]) throws {
        try locked {
            try connection.transaction(immediate: true) {
                guard try connection.fetchObject(id: objectID) != nil else { throw StoreError.noSuchObject(file: url, id: objectID) }
                try connection.run("DELETE FROM stretch_records WHERE object_id = ?", [.integer(objectID)])
                for record in records { try connection.insertStretchRecord(record, objectID: objectID) }
            }
        }
    }

    private static func stretchRow(_ row: Row) -> (objectID: Int64, record: StretchRecord?) {
        let first = row.int(1), last = row.int(2)
        guard first <= last else { return (row.int64(0), nil) }
        return (row.int64(0), StretchRecord(frames: first...last, fingerprint: row.string(3), checks: row.int(4), checksPassed: row.int(5)))
    }

    /// Pending proposals (optionally of one object), in review order, at most `limit` of them.
    public func pendingProposals(orderedBy order: ProposalOrder = .confidenceAscending, objectID: Int64? = nil, limit: Int? = nil) throws -> [Box] {
        let orderBy: String
        switch order {
        case .confidenceAscending: orderBy = "confidence ASC, frame, object_id, id"
        case .confidenceDescending: orderBy = "confidence DESC, frame, object_id, id"
        case .frame: orderBy = "frame, object_id, id"
        }
        var values: [SQLValue] = []
        var filter = ""
        if let objectID {
            filter = " AND object_id = ?"
            values.append(.integer(objectID))
        }
        values.append(.integer(Int64(limit ?? -1)))  // LIMIT -1 means no limit
        return try locked {
            try connection.query(
                "SELECT \(Connection.boxColumns) FROM boxes WHERE kind = 'proposal'\(filter) ORDER BY \(orderBy) LIMIT ?", values, connection.makeBox)
        }
    }

    /// Review decisions that carry the engine's raw score: (score, accepted) for every accepted or
    /// rejected box that was a scored proposal and was decided by a person.
    public func scoredDecisions() throws -> [(objectID: Int64, score: Double, accepted: Bool)] {
        try locked {
            try connection.query("SELECT object_id, score, kind FROM boxes WHERE kind IN ('accepted', 'rejected') AND score IS NOT NULL ORDER BY id") {
                (objectID: $0.int64(0), score: $0.double(1), accepted: $0.string(2) == "accepted")
            }
        }
    }

    /// Sets each scored pending proposal's confidence to `calibrate(object id, score)`, in one transaction.
    public func recalibrateProposals(_ calibrate: (Int64, Double) -> Double) throws {
        try locked {
            try connection.transaction(immediate: true) {
                let rows = try connection.query("SELECT id, object_id, score FROM boxes WHERE kind = 'proposal' AND score IS NOT NULL") {
                    (id: $0.int64(0), objectID: $0.int64(1), score: $0.double(2))
                }
                for row in rows {
                    let value = calibrate(row.objectID, row.score)
                    guard value.isFinite else { continue }
                    try connection.run("UPDATE boxes SET confidence = ? WHERE id = ?", [.real(value), .integer(row.id)])
                }
            }
        }
    }

    /// Removes the pending proposals among `ids`, in one transaction; boxes decided meanwhile stay.
    public func removeProposals(ids: [Int64]) throws {
        try locked {
            try connection.transaction(immediate: true) {
                for id in ids { try connection.run("DELETE FROM boxes WHERE id = ? AND kind = 'proposal'", [.integer(id)]) }
            }
        }
    }

    /// Drops the raw score of boxes nobody looked at (accepted automatically): they are no evidence
    /// for the calibration.
    public func forgetScores(ids: [Int64]) throws {
        try locked {
            try connection.transaction(immediate: true) {
                for id in ids { try connection.run("UPDATE boxes SET score = NULL WHERE id = ?", [.integer(id)]) }
            }
        }
    }

    /// Records a trained micro-model. `parameters` and `metrics` are JSON text chosen by the engine.
    public func addModel(objectID: Int64, seedBoxIDs: [Int64], parameters: String, metrics: String) throws -> ModelRecord {
        let seeds = String(decoding: try JSONEncoder().encode(seedBoxIDs), as: UTF8.self)
        let now = Date().timeIntervalSince1970
        return try locked {
            try connection.transaction(immediate: true) {
                guard try connection.fetchObject(id: objectID) != nil else { throw StoreError.noSuchObject(file: url, id: objectID) }
                try connection.run(
                    "INSERT INTO models (object_id, seed_box_ids, parameters, metrics, created_at) VALUES (?, ?, ?, ?, ?)",
                    [.integer(objectID), .text(seeds), .text(parameters), .text(metrics), .real(now)])
                return ModelRecord(id: connection.lastInsertRowID, objectID: objectID, seedBoxIDs: seedBoxIDs,
                                   parameters: parameters, metrics: metrics, createdAt: Date(timeIntervalSince1970: now))
            }
        }
    }

    /// Recorded micro-models, oldest first (optionally of one object).
    public func models(objectID: Int64? = nil) throws -> [ModelRecord] {
        let columns = "id, object_id, seed_box_ids, parameters, metrics, created_at"
        let rows = try locked {
            if let objectID {
                return try connection.query("SELECT \(columns) FROM models WHERE object_id = ? ORDER BY id", [.integer(objectID)], Self.modelRow)
            }
            return try connection.query("SELECT \(columns) FROM models ORDER BY id", [], Self.modelRow)
        }
        return try rows.map { row in
            guard let seeds = try? JSONDecoder().decode([Int64].self, from: Data(row.seeds.utf8)) else {
                throw StoreError.damaged(file: url, reason: "model \(row.record.id) has unreadable seed box ids")
            }
            var record = row.record
            record.seedBoxIDs = seeds
            return record
        }
    }

    private static func modelRow(_ row: Row) -> (record: ModelRecord, seeds: String) {
        (ModelRecord(id: row.int64(0), objectID: row.int64(1), seedBoxIDs: [], parameters: row.string(3), metrics: row.string(4),
                     createdAt: Date(timeIntervalSince1970: row.double(5))),
         row.string(2))
    }
}

extension Connection {
    fileprivate func insertStretchRecord(_ record: StretchRecord, objectID: Int64) throws {
        try run("""
            INSERT INTO stretch_records (object_id, first_frame, last_frame, fingerprint, checks, checks_passed)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (object_id, first_frame, last_frame) DO UPDATE SET
                fingerprint = excluded.fingerprint, checks = excluded.checks, checks_passed = excluded.checks_passed
            """,
            [.integer(objectID), .integer(Int64(record.frames.lowerBound)), .integer(Int64(record.frames.upperBound)),
             .text(record.fingerprint), .integer(Int64(record.checks)), .integer(Int64(record.checksPassed))])
    }
}
