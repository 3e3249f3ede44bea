import Foundation
import Geometry
@testable import LabelStore
import XCTest

/// Projects written by an older microlabel open, are brought up to date, and keep their work.
final class MigrationTests: XCTestCase {
    /// A version 1 project: stretch records were JSON in the settings, and there was no table for
    /// them; boxes had no raw score.
    private func makeVersion1Project(_ folder: ProjectFolder) throws -> (seed: Box, object: Int64) {
        let seed: Box, object: Int64
        do {
            let project = try folder.create()
            let thing = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id)
            object = thing.id
            seed = try project.addBox(NewBox(frame: 3, objectID: object, rect: rect(10, 20)))
            try project.replaceProposals(objectID: object, frames: 0...2, with: [ProposedBox(frame: 1, rect: rect(11, 20), confidence: 0.4)])
        }
        let connection = try Connection(file: folder.projectURL, mode: .readWrite)
        defer { connection.close() }
        try connection.execute("""
            DROP TABLE stretch_records;
            ALTER TABLE boxes DROP COLUMN score;
            INSERT INTO settings (key, value) VALUES ('engine.segments.\(object)', '{"0-3":{"fingerprint":"2|150|100","checks":0,"passed":0}}');
            PRAGMA user_version = 1;
            """)
        return (seed, object)
    }

    private func userVersion(_ url: URL) throws -> Int {
        let connection = try Connection(file: url, mode: .readOnly)
        defer { connection.close() }
        return try XCTUnwrap(connection.queryFirst("PRAGMA user_version") { $0.int(0) })
    }

    func testAVersion1ProjectGainsTheStretchTableAndKeepsItsBoxes() throws {
        let folder = try ProjectFolder()
        defer { try? FileManager.default.removeItem(at: folder.root) }
        let (seed, object) = try makeVersion1Project(folder)
        XCTAssertEqual(try userVersion(folder.projectURL), 1)

        let project = try Project.open(at: folder.projectURL)
        XCTAssertEqual(try userVersion(folder.projectURL), Schema.currentVersion)
        XCTAssertEqual(Schema.currentVersion, 3)
        XCTAssertEqual(try project.box(id: seed.id), seed)
        XCTAssertEqual(try project.counts(), BoxCounts(seeds: 1, proposals: 1))
        XCTAssertNil(try project.setting("engine.segments.\(object)"), "the old records, keyed by strings, are gone")
        XCTAssertEqual(try project.stretchRecords(), [:])
        XCTAssertEqual(try project.integrityProblems(), [])
        // Boxes made before version 3 have no raw score: they are no calibration evidence.
        try project.perform("reject") { try $0.setKind(ids: try project.pendingProposals().map(\.id), to: .rejected) }
        XCTAssertTrue(try project.scoredDecisions().isEmpty)

        // The new table works: an object's records are replaced as a whole.
        let records = [StretchRecord(frames: 0...3, fingerprint: "a", checks: 0, checksPassed: 0),
                       StretchRecord(frames: 3...99, fingerprint: "b", checks: 2, checksPassed: 1)]
        try project.replaceStretchRecords(objectID: object, with: records)
        XCTAssertEqual(try project.stretchRecords(objectID: object), [object: records])
        try project.replaceStretchRecords(objectID: object, with: [records[1]])
        XCTAssertEqual(try project.stretchRecords(), [object: [records[1]]])
    }

    func testAStretchRecordCannotStartAfterItEnds() throws {
        let folder = try ProjectFolder()
        defer { try? FileManager.default.removeItem(at: folder.root) }
        let project = try folder.create()
        let object = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id).id
        let connection = try Connection(file: folder.projectURL, mode: .readWrite)
        defer { connection.close() }
        XCTAssertThrowsError(try connection.execute(
            "INSERT INTO stretch_records (object_id, first_frame, last_frame, fingerprint, checks, checks_passed) VALUES (\(object), 5, 4, 'x', 0, 0)"))
        XCTAssertThrowsError(try connection.execute(
            "INSERT INTO stretch_records (object_id, first_frame, last_frame, fingerprint, checks, checks_passed) VALUES (\(object), 4, 5, 'x', 1, 2)"))
    }
}
