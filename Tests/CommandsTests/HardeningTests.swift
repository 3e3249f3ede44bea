import Foundation
import LabelStore
import TestSupport
import XCTest

/// What a careless or hostile user does to a project, through the command line: no crash, no
/// lost byte, a one-line message that names the problem.
final class HardeningTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("hardening")
    }

    override func tearDownWithError() throws {
        _ = chmod(directory.path, 0o755)
        try? FileManager.default.removeItem(at: directory)
    }

    private var project: String { directory.appendingPathComponent("p").path }
    private var projectFile: URL { directory.appendingPathComponent("p.microlabel") }

    /// The first `count` sample frames, copied into `frames/` of the test folder.
    private func copyFrames(_ count: Int) throws -> URL {
        let folder = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for n in 1...count {
            let name = String(format: "%06d.jpg", n)
            try FileManager.default.copyItem(at: Fixtures.sampleData.appendingPathComponent("frames/\(name)"),
                                             to: folder.appendingPathComponent(name))
        }
        return folder
    }

    private func run(_ arguments: [String], _ expected: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let result = try runMicrolabel(arguments)
        XCTAssertEqual(result.status, expected, "\(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("crashed"), result.stderr, file: file, line: line)
        return result
    }

    private func staging() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.contains(".partial-") }
    }

    func testFramesRemovedAfterInitAreReportedAndTheOthersKeepTheirNumbers() throws {
        let frames = try copyFrames(30)
        _ = try run(["init", project, "--source", frames.path])
        _ = try run(["seed", project, "--frame", "1", "--box", "300,150,80,60"])
        _ = try run(["seed", project, "--frame", "20", "--box", "300,150,80,60"])
        _ = try run(["seed", project, "--frame", "29", "--box", "300,150,80,60"])
        for n in [10, 29, 30] { try FileManager.default.removeItem(at: frames.appendingPathComponent(String(format: "%06d.jpg", n))) }

        let propagated = try run(["propagate", project])
        XCTAssertTrue(propagated.stderr.contains("frame 10"), propagated.stderr)
        let info = try run(["info", project])
        XCTAssertTrue(info.stdout.contains("the source changed since the project was made: 3 frame files are missing"), info.stdout)
        XCTAssertTrue(info.stdout.contains("3 frames cannot be read (10, 29-30)"), info.stdout)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try run(["info", project, "--json"]).stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["unreadable_frames"] as? [Int], [10, 29, 30])

        let out = directory.appendingPathComponent("out")
        let exported = try run(["export", project, "--format", "coco", "--out", out.path, "--include-pending"])
        XCTAssertTrue(exported.stderr.contains("frame 29 is left out of the export"), exported.stderr)
        let images = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("images/default").path)
        XCTAssertFalse(images.contains("000010.jpg") || images.contains("000029.jpg"))
        // Frame 11 is still the file 000011.jpg, not the one that moved up a place.
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("images/default/000011.jpg")),
                       try Data(contentsOf: frames.appendingPathComponent("000011.jpg")))
        XCTAssertEqual(staging(), [])
    }

    func testAProjectMadeBeforeFileNamesWereRecordedGetsThemWhileItStillMatches() throws {
        let frames = try copyFrames(8)
        _ = try run(["init", project, "--source", frames.path])
        try Project.open(at: projectFile).setSetting(SettingKey.frameFiles, nil)
        _ = try run(["info", project])
        XCTAssertEqual(try Project.open(at: projectFile).frameFiles()?.count, 8)
        try FileManager.default.removeItem(at: frames.appendingPathComponent("000003.jpg"))
        XCTAssertTrue(try run(["info", project]).stdout.contains("1 frame cannot be read (3)"))
    }

    func testHugeTinyAndNonNumbersInABoxGetAMessage() throws {
        _ = try run(["init", project, "--source", try copyFrames(3).path])
        for box in ["10,10,1e19,1e19", "10,10,1e308,5", "-1e19,0,5,5", "1e300,1e300,1,1"] {
            let result = try run(["seed", project, "--frame", "1", "--box=\(box)"], 1)
            XCTAssertTrue(result.stderr.contains("outside the 640x360 image"), result.stderr)
        }
        for box in ["10,10,nan,5", "10,10,inf,4", "10,10,0.5,5", "10,10,1e-300,5", "10,10,5,0.0001"] {
            _ = try run(["seed", project, "--frame", "1", "--box=\(box)"], 2)
        }
        XCTAssertTrue(try run(["seed", project, "--frame", "1", "--box=1,1,0.9,9"], 2).stderr.contains("at least 1 pixel"))
    }

    func testTinyBoxesAreRefusedByImport() throws {
        _ = try run(["init", project, "--source", try copyFrames(3).path])
        let mot = directory.appendingPathComponent("tiny.txt")
        try Data("1,1,10,10,0.0001,5,1,-1,-1\n".utf8).write(to: mot)
        let result = try run(["import", project, "--format", "mot", mot.path], 1)
        XCTAssertTrue(result.stderr.contains("at least 1 pixel"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }

    func testExportNeverReplacesTheProjectItsSourceOrAFolderHoldingThem() throws {
        let frames = try copyFrames(5)
        _ = try run(["init", project, "--source", frames.path])
        _ = try run(["seed", project, "--frame", "2", "--box", "10,10,50,50"])
        let before = try Data(contentsOf: projectFile)
        for (format, out) in [("coco", projectFile.path), ("mot", projectFile.path), ("mot", directory.path),
                              ("coco", directory.path), ("yolo", frames.path), ("mot", frames.appendingPathComponent("000001.jpg").path)] {
            let result = try run(["export", project, "--format", format, "--out", out, "--force"], 1)
            XCTAssertTrue(result.stderr.contains("choose another --out"), result.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: projectFile), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: frames.path).count, 5)
        XCTAssertEqual(staging(), [])

        // A folder of the user's is not replaced; an earlier export is.
        let mine = directory.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: false)
        _ = try run(["export", project, "--format", "coco", "--out", mine.path, "--force"], 1)
        let out = directory.appendingPathComponent("set")
        _ = try run(["export", project, "--format", "coco", "--out", out.path])
        _ = try run(["export", project, "--format", "yolo", "--out", out.path, "--force"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("data.yaml").path))
    }

    func testATruncatedJPEGIsWarnedAtInitAndNeverExported() throws {
        let frames = try copyFrames(6)
        let broken = frames.appendingPathComponent("000004.jpg")
        let whole = try Data(contentsOf: broken)
        try whole.prefix(whole.count / 3).write(to: broken)
        let created = try run(["init", project, "--source", frames.path])
        XCTAssertTrue(created.stderr.contains("warning: frame 4 is unreadable"), created.stderr)
        XCTAssertTrue(created.stderr.contains("truncated"), created.stderr)
        _ = try run(["seed", project, "--frame", "4", "--box", "10,10,50,50"])
        _ = try run(["seed", project, "--frame", "5", "--box", "10,10,50,50"])
        XCTAssertTrue(try run(["info", project]).stdout.contains("1 frame cannot be read (4)"))
        let out = directory.appendingPathComponent("set")
        let exported = try run(["export", project, "--format", "coco", "--out", out.path])
        XCTAssertTrue(exported.stderr.contains("frame 4 is left out"), exported.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("images/default").path), ["000005.jpg"])
    }

    func testAFrameDamagedInsideFailsTheExportCleanly() throws {
        let frames = try copyFrames(4)
        _ = try run(["init", project, "--source", frames.path])
        // Header and end marker intact, so only decoding finds the damage.
        let damagedFile = frames.appendingPathComponent("000003.jpg")
        var damaged = try Data(contentsOf: damagedFile)
        let middle = damaged.count / 2
        damaged.replaceSubrange(middle..<(middle + 512), with: [UInt8](repeating: 0, count: 512))
        try damaged.write(to: damagedFile)
        _ = try run(["seed", project, "--frame", "2", "--box", "10,10,50,50"])
        _ = try run(["seed", project, "--frame", "3", "--box", "10,10,50,50"])
        let out = directory.appendingPathComponent("set")
        // Linked as they are (jpg), and decoded to be written as png: the same file is named.
        for imageFormat in ["jpg", "png"] {
            let result = try run(["export", project, "--format", "yolo", "--out", out.path, "--image-format", imageFormat], 1)
            XCTAssertTrue(result.stderr.contains("frame 3"), "\(imageFormat): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("000003.jpg is corrupt"), "\(imageFormat): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), imageFormat)
            XCTAssertEqual(staging(), [], "a failed export leaves nothing behind (\(imageFormat))")
        }
    }

    func testASymbolicLinkLoopIsCalledOne() throws {
        let loop = directory.appendingPathComponent("loop")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: loop.path)
        let result = try run(["init", project, "--source", loop.path], 1)
        XCTAssertTrue(result.stderr.contains("symbolic link loop"), result.stderr)
        let opened = try run(["info", loop.path], 1)
        XCTAssertTrue(opened.stderr.contains("symbolic link loop"), opened.stderr)
    }

    /// Writes a schema version into the project file's SQLite header (offset 60, big-endian).
    private func setUserVersion(_ version: Int32) throws {
        let handle = try FileHandle(forUpdating: projectFile)
        try handle.seek(toOffset: 60)
        try handle.write(contentsOf: withUnsafeBytes(of: version.bigEndian) { Data($0) })
        try handle.close()
    }

    func testSchemaVersionsBelowZeroOrZeroWithTablesAreCalledDamaged() throws {
        _ = try run(["init", project, "--source", try copyFrames(2).path])
        let before = try Data(contentsOf: projectFile)
        try setUserVersion(-5)
        let negative = try run(["info", project], 1)
        XCTAssertTrue(negative.stderr.contains("schema version -5 is not a valid version"), negative.stderr)
        XCTAssertFalse(negative.stderr.contains("newer"), negative.stderr)
        try setUserVersion(0)
        let zero = try run(["info", project], 1)
        XCTAssertTrue(zero.stderr.contains("schema version 0"), zero.stderr)
        XCTAssertFalse(zero.stderr.contains("already exists"), zero.stderr)
        var expected = before
        expected.replaceSubrange(60..<64, with: [0, 0, 0, 0])
        XCTAssertEqual(try Data(contentsOf: projectFile), expected, "the file is left as it was")
    }

    /// Runs microlabel as another user (nobody) when the tests run as root, who may write anywhere.
    private func runWithoutWriteAccess(_ arguments: [String]) throws -> RunResult {
        guard getuid() == 0 else { return try runMicrolabel(arguments) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid", "65534", "--regid", "65534", "--clear-groups", Fixtures.microlabelExecutable.path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    func testReadOnlyCommandsWorkInAFolderTheyCannotWrite() throws {
        if getuid() == 0 {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv to drop root")
            let probe = try runWithoutWriteAccess(["--help"])
            try XCTSkipIf(probe.status != 0, "the built executable is not reachable as user nobody: \(probe.stderr)")
        }
        let frames = try copyFrames(5)
        _ = try run(["init", project, "--source", frames.path])
        _ = try run(["seed", project, "--frame", "2", "--box", "10,10,50,50"])
        let truth = directory.appendingPathComponent("gt.txt")
        try Data(String(repeating: "10,10,50,50\n", count: 5).utf8).write(to: truth)
        let outputs = try Fixtures.temporaryDirectory("hardening-out")
        defer { try? FileManager.default.removeItem(at: outputs) }
        XCTAssertEqual(chmod(outputs.path, 0o777), 0)
        XCTAssertEqual(chmod(directory.path, 0o555), 0)
        for arguments in [["info", project], ["info", project, "--json"],
                          ["export", project, "--format", "coco", "--out", outputs.appendingPathComponent("c").path],
                          ["export", project, "--format", "mot", "--out", outputs.appendingPathComponent("m.txt").path],
                          ["eval", project, "--gt", truth.path]] {
            let result = try runWithoutWriteAccess(arguments)
            XCTAssertEqual(result.status, 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        }
        let refused = try runWithoutWriteAccess(["seed", project, "--frame", "3", "--box", "10,10,50,50"])
        XCTAssertEqual(refused.status, 1, "a write still fails, with a message: \(refused.stderr)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["frames", "gt.txt", "p.microlabel"])
    }
}
