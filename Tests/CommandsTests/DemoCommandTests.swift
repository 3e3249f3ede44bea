import Foundation
import LabelStore
import TestSupport
import XCTest

/// `microlabel demo` run headless, as CI and scripts run it: the whole loop on the sample frames,
/// then reuse of the project, and a fresh project when the old one came from other sample data.
final class DemoCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("demo")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A copy of the sample frames without the video, so the demo uses the 640x360 frames.
    private func sampleCopy(_ name: String) throws -> URL {
        let root = directory.appendingPathComponent(name).appendingPathComponent("sample-data")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.sampleData.appendingPathComponent("frames"),
                                         to: root.appendingPathComponent("frames"))
        return root
    }

    private func demo(sampleData: URL, project: URL) throws -> RunResult {
        var environment = ProcessInfo.processInfo.environment
        environment["MICROLABEL_SAMPLE_DATA"] = sampleData.path
        return try runMicrolabel(["demo", "--headless", "--project", project.path], environment: environment, directory: directory)
    }

    func testHeadlessDemoRunsTheLoopThenReusesItsProjectButNotAnotherCopys() throws {
        let first = try sampleCopy("a"), second = try sampleCopy("b")
        let project = directory.appendingPathComponent("demo.microlabel")

        let run = try demo(sampleData: first, project: project)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("demo: created \(project.path)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("demo: seed on frame 34"), run.stdout)
        XCTAssertTrue(run.stdout.contains("exported 132 boxes on 132 frames as COCO"), run.stdout)
        let coco = directory.appendingPathComponent("bigbuckbunny-coco")
        let annotations = try XCTUnwrap(FileManager.default.subpaths(atPath: coco.path)?.first { $0.hasSuffix(".json") })
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: coco.appendingPathComponent(annotations))) as? [String: Any])
        XCTAssertEqual((json["images"] as? [Any])?.count, 132)
        let opened = try Project.open(at: project)
        XCTAssertEqual(try opened.counts().seeds, 2)
        XCTAssertEqual(try opened.source().path, first.appendingPathComponent("frames").path)

        let again = try demo(sampleData: first, project: project)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("demo: reusing \(project.path)"), again.stdout)

        let other = try demo(sampleData: second, project: project)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stdout.contains("not reusing the old demo project (it was made from \(first.appendingPathComponent("frames").path)"), other.stdout)
        XCTAssertTrue(other.stdout.contains("demo: created \(project.path)"), other.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project.path + ".old"))
        XCTAssertEqual(try Project.open(at: project).source().path, second.appendingPathComponent("frames").path)
    }
}
