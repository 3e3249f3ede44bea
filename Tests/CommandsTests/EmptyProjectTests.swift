import Foundation
import Imaging
import LabelStore
import Pipeline
import TestSupport
import XCTest

/// A project whose source has no frames (the store allows it): every command answers with a
/// status and a message, none traps.
final class EmptyProjectTests: XCTestCase {
    private var directory: URL!
    private var project: String { directory.appendingPathComponent("empty.microlabel").path }

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("empty-project")
        let frames = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let source = SourceInfo(path: frames.path, kind: .folder, frameCount: 0, width: 640, height: 360, fps: 25)
        let created = try Project.create(at: URL(fileURLWithPath: project), source: source, labels: ["rabbit"], frameFiles: [])
        // An object without boxes: what a label added in the review room leaves behind.
        _ = try created.perform("add object") { action in
            try action.addObject(labelID: try XCTUnwrap(action.labels().first).id).id
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let result = try runMicrolabel(arguments)
        XCTAssertTrue([0, 1, 2].contains(result.status), "\(arguments) ended with \(result.status): \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), "\(arguments): \(result.stderr)", file: file, line: line)
        return result
    }

    func testEveryCommandAnswersWithoutTrapping() throws {
        let info = try run(["info", project, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertEqual(try run(["boxes", project]).status, 0)
        let seed = try run(["seed", project, "--frame", "1", "--box", "1,1,10,10"])
        XCTAssertEqual(seed.status, 1, seed.stderr)
        XCTAssertTrue(seed.stderr.contains("the source has no frames"), seed.stderr)
        let propagate = try run(["propagate", project])
        XCTAssertEqual(propagate.status, 1, propagate.stderr)
        XCTAssertEqual(try run(["accept", project]).status, 0)
        XCTAssertEqual(try run(["reject", project]).status, 0)
        let stress = try run(["_write-stress", project, "--count", "3"])
        XCTAssertEqual(stress.status, 1, stress.stderr)
        XCTAssertTrue(stress.stderr.contains("no frames"), stress.stderr)
        let otb = directory.appendingPathComponent("gt.txt")
        try Data("10,20,30,40\n".utf8).write(to: otb)
        let imported = try run(["import", project, "--format", "otb", otb.path])
        XCTAssertEqual(imported.status, 1, "a box on frame 1 cannot go in: \(imported.stderr)")
        XCTAssertEqual(try Project.open(at: URL(fileURLWithPath: project)).counts().seeds, 0)
        _ = try run(["export", project, "--format", "coco", "--out", directory.appendingPathComponent("out").path])
        _ = try run(["eval", project, "--gt", otb.path])
    }

    /// The engine itself (the review room's `t` runs it without the command's seed check): an
    /// object without seeds on a source without frames is a pass with nothing to do.
    func testTheEngineRunsOnAProjectWithoutFrames() throws {
        struct NoFrames: FrameSource {
            var frameCount: Int { 0 }
            var width: Int { 640 }
            var height: Int { 360 }
            var fps: Double { 25 }
            var readsForwardCheapest: Bool { false }
            func frame(at index: Int, scale: Int) throws -> RGBImage {
                throw ImagingError.frameOutOfRange(index: index, frameCount: 0)
            }
            func willRead(_ indices: [Int]) {}
        }
        let opened = try Project.open(at: URL(fileURLWithPath: project))
        let summary = try PropagationEngine(project: opened, frames: NoFrames()).run(force: true)
        XCTAssertEqual(summary.proposals, 0)
        XCTAssertEqual(summary.framesTracked, 0)
    }
}
