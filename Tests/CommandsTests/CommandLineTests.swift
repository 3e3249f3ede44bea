import Foundation
import Geometry
import LabelStore
import TestSupport
import XCTest

/// The command line as scripts use it: the built executable, its output and exit status.
final class CommandLineTests: XCTestCase {
    private var directory: URL!
    private var frames: String { Fixtures.sampleData.appendingPathComponent("frames").path }

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("cli")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func project(_ name: String = "p") -> String { directory.appendingPathComponent(name).path }

    private func infoJSON(_ path: String) throws -> [String: Any] {
        let result = try runMicrolabel(["info", path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testInitOnAFolderThenInfoAsJSON() throws {
        let created = try runMicrolabel(["init", project(), "--source", frames, "--labels", "rabbit,bird"])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project() + ".microlabel"))
        let info = try infoJSON(project())
        XCTAssertEqual(info["frames"] as? Int, 132)
        XCTAssertEqual(info["width"] as? Int, 640)
        XCTAssertEqual(info["height"] as? Int, 360)
        XCTAssertEqual(info["fps"] as? Double, 25)
        XCTAssertEqual(info["source"] as? String, frames)
        XCTAssertEqual(info["labels"] as? [String], ["rabbit", "bird"])
        for key in ["seeds", "proposals", "accepted", "rejected"] { XCTAssertEqual(info[key] as? Int, 0, key) }
    }

    func testInitOnTheVideo() throws {
        try XCTSkipUnless(Fixtures.hasFFmpeg, "ffmpeg is not installed; .ci/run installs it")
        let video = Fixtures.sampleData.appendingPathComponent("bigbuckbunny.mp4").path
        let created = try runMicrolabel(["init", project("v"), "--source", video])
        XCTAssertEqual(created.status, 0, created.stderr)
        let info = try infoJSON(project("v"))
        XCTAssertEqual(info["frames"] as? Int, 132)
        XCTAssertEqual(info["width"] as? Int, 1280)
        XCTAssertEqual(info["source_kind"] as? String, "video")
    }

    func testSeedAddsBoxesWithDecimalsAndNewLabels() throws {
        XCTAssertEqual(try runMicrolabel(["init", project(), "--source", frames]).status, 0)
        let first = try runMicrolabel(["seed", project(), "--frame", "1", "--box", "10.5,20.25,100,50"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("label 'object'"), first.stdout)
        let second = try runMicrolabel(["seed", project(), "--frame", "132", "--box", "0,0,640,360", "--label", "bird"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let info = try infoJSON(project())
        XCTAssertEqual(info["seeds"] as? Int, 2)
        XCTAssertEqual(info["labels"] as? [String], ["object", "bird"])
        XCTAssertEqual((info["objects"] as? [Any])?.count, 2)

        let store = try Project.open(at: URL(fileURLWithPath: project() + ".microlabel"))
        let boxes = try store.boxes(frames: 0...0)
        XCTAssertEqual(boxes.map(\.rect), [BoxRect(x: 10.5, y: 20.25, width: 100, height: 50)])
    }

    func testSeedRefusesBadFramesAndBoxes() throws {
        XCTAssertEqual(try runMicrolabel(["init", project(), "--source", frames]).status, 0)
        let outOfRange = try runMicrolabel(["seed", project(), "--frame", "133", "--box", "1,1,5,5"])
        XCTAssertEqual(outOfRange.status, 1)
        XCTAssertTrue(outOfRange.stderr.contains("frame 133"), outOfRange.stderr)
        let zero = try runMicrolabel(["seed", project(), "--frame", "0", "--box", "1,1,5,5"])
        XCTAssertEqual(zero.status, 1)
        let outside = try runMicrolabel(["seed", project(), "--frame", "3", "--box", "600,300,50,50"])
        XCTAssertEqual(outside.status, 1)
        XCTAssertTrue(outside.stderr.contains("outside the 640x360 image"), outside.stderr)
        let malformed = try runMicrolabel(["seed", project(), "--frame", "3", "--box", "1,2,3"])
        XCTAssertEqual(malformed.status, 2, "a malformed box is a usage error")
        XCTAssertEqual(try infoJSON(project())["seeds"] as? Int, 0)
    }

    func testUsageErrorsExitTwoAndHelpWorks() throws {
        XCTAssertEqual(try runMicrolabel(["frobnicate"]).status, 2)
        XCTAssertEqual(try runMicrolabel(["init", project(), "--sauce", frames]).status, 2)
        XCTAssertEqual(try runMicrolabel(["init", project()]).status, 2)
        let help = try runMicrolabel(["--help"])
        XCTAssertEqual(help.status, 0)
        for command in ["init", "info", "seed", "demo", "bench"] {
            XCTAssertTrue(help.stdout.contains("  \(command) "), "overview lists \(command)")
            let commandHelp = try runMicrolabel([command, "--help"])
            XCTAssertEqual(commandHelp.status, 0)
            XCTAssertTrue(commandHelp.stdout.contains("Usage: microlabel \(command)"), commandHelp.stdout)
        }
    }

    func testAFileThatIsNotAProjectIsRefusedAndLeftAlone() throws {
        let path = directory.appendingPathComponent("notes.microlabel")
        let bytes = Data("shopping list: eggs, milk\n".utf8)
        try bytes.write(to: path)
        let result = try runMicrolabel(["info", path.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains(path.path), result.stderr)
        XCTAssertEqual(try Data(contentsOf: path), bytes)
    }

    func testACorruptFrameIsNamedAndTheOthersStayUsable() throws {
        let folder = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for n in 1...5 {
            let name = String(format: "%06d.jpg", n)
            try FileManager.default.copyItem(at: Fixtures.sampleData.appendingPathComponent("frames/\(name)"), to: folder.appendingPathComponent(name))
        }
        // Frame 3 keeps a valid header but loses most of its data.
        let bad = folder.appendingPathComponent("000003.jpg")
        try Data(try Data(contentsOf: bad).prefix(2000)).write(to: bad)
        let created = try runMicrolabel(["init", project(), "--source", folder.path])
        XCTAssertEqual(created.status, 0, created.stderr)
        XCTAssertEqual(try infoJSON(project())["frames"] as? Int, 5)
    }

    func testMissingFFmpegIsExplained() throws {
        let video = Fixtures.sampleData.appendingPathComponent("bigbuckbunny.mp4").path
        let emptyBin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: emptyBin, withIntermediateDirectories: true)
        let result = try runMicrolabel(["init", project(), "--source", video], environment: ["PATH": emptyBin.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("ffprobe is not installed"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project() + ".microlabel"))
    }
}
