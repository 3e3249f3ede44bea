import Foundation
import LabelStore
import XCTest

/// Files that are not projects this build may write: refused with a clear error, and left byte for byte as they were.
final class ForeignFileTests: XCTestCase {
    /// A closed project's bytes with a big-endian 32-bit header field overwritten. SQLite keeps
    /// `user_version` at offset 60 and `application_id` at offset 68 of its 100-byte header;
    /// closing the last connection checkpoints the WAL, so the header on disk is the current one.
    private func projectFile(patching offset: Int, with value: UInt32) throws -> (ProjectFolder, Data) {
        let folder = try ProjectFolder()
        do {
            let project = try folder.create()
            _ = try project.addObject(labelID: try project.labels()[0].id)
        }
        var bytes = try Data(contentsOf: folder.projectURL)
        XCTAssertEqual(bytes.prefix(16), Data("SQLite format 3\0".utf8))
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(index))) }
        try bytes.write(to: folder.projectURL)
        return (folder, bytes)
    }

    private func assertUntouched(_ folder: ProjectFolder, _ bytes: Data, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try Data(contentsOf: folder.projectURL), bytes, "the file's bytes changed", file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.root.path).filter { $0.hasPrefix("project.microlabel-") }
        XCTAssertEqual(leftovers, [], "journal files were left behind", file: file, line: line)
    }

    func testATextFileIsNotAProjectAndStaysUnchanged() throws {
        let folder = try ProjectFolder()
        let bytes = Data(String(repeating: "frame,id,x,y,w,h\n1,1,10,20,30,40\n", count: 200).utf8)
        try bytes.write(to: folder.projectURL)
        guard case .notAProject(folder.projectURL, let reason) = storeError({ try Project.open(at: folder.projectURL) }) else {
            return XCTFail("a text file was accepted")
        }
        XCTAssertTrue(reason.contains("not an SQLite database"), reason)
        try assertUntouched(folder, bytes)
    }

    func testAnEmptyFileIsNotAProjectAndStaysEmpty() throws {
        let folder = try ProjectFolder()
        try Data().write(to: folder.projectURL)
        guard case .notAProject = storeError({ try Project.open(at: folder.projectURL) }) else { return XCTFail("an empty file was accepted") }
        try assertUntouched(folder, Data())
    }

    func testAnSQLiteDatabaseWithoutOurApplicationIDIsRefusedAndUnchanged() throws {
        let (folder, bytes) = try projectFile(patching: 68, with: 0)
        guard case .notAProject(_, let reason) = storeError({ try Project.open(at: folder.projectURL) }) else {
            return XCTFail("a foreign database was accepted")
        }
        XCTAssertTrue(reason.contains("application id"), reason)
        try assertUntouched(folder, bytes)
    }

    func testAnotherProgramsSQLiteDatabaseIsRefusedAndUnchanged() throws {
        let (folder, bytes) = try projectFile(patching: 68, with: 0x4750_4B47)
        guard case .notAProject(_, let reason) = storeError({ try Project.open(at: folder.projectURL) }) else {
            return XCTFail("a foreign database was accepted")
        }
        XCTAssertTrue(reason.contains("another program"), reason)
        try assertUntouched(folder, bytes)
    }

    func testANewerSchemaIsRefusedAndUnchanged() throws {
        // Find the current version from a fresh project's header rather than hard-coding it.
        let probe = try ProjectFolder()
        _ = try probe.create()
        let header = try Data(contentsOf: probe.projectURL)
        let current = header[60..<64].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertGreaterThanOrEqual(current, 1)

        let (folder, bytes) = try projectFile(patching: 60, with: UInt32(current + 1))
        XCTAssertEqual(storeError { try Project.open(at: folder.projectURL) },
                       .newerSchema(file: folder.projectURL, found: current + 1, supported: current))
        try assertUntouched(folder, bytes)
    }

    func testAFolderIsNotAProject() throws {
        let folder = try ProjectFolder()
        guard case .notAProject = storeError({ try Project.open(at: folder.framesURL) }) else { return XCTFail("a folder was accepted") }
    }
}
