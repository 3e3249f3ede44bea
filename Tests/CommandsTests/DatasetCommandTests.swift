import Foundation
import LabelStore
import TestSupport
import XCTest

/// export and import through the command line: what a script sees.
final class DatasetCommandTests: XCTestCase {
    private var directory: URL!
    private var frames: String { Fixtures.sampleData.appendingPathComponent("frames").path }

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("datasets")
        let project = directory.appendingPathComponent("p").path
        XCTAssertEqual(try runMicrolabel(["init", project, "--source", frames, "--labels", "rabbit"]).status, 0)
        XCTAssertEqual(try runMicrolabel(["seed", project, "--frame", "34", "--box", "80.25,78,255,220.5"]).status, 0)
        XCTAssertEqual(try runMicrolabel(["seed", project, "--frame", "100", "--box", "78,40,232,275", "--label", "bird"]).status, 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func boxes(_ project: String) throws -> [Box] {
        try Project.open(at: URL(fileURLWithPath: project + ".microlabel")).boxes().sorted { $0.frame < $1.frame }
    }

    func testEveryFormatRoundTripsThroughExportAndImport() throws {
        let original = try boxes(path("p"))
        for (format, tolerance) in [("coco", 0.5), ("yolo", 0.5), ("voc", 1.0), ("mot", 0.5), ("cvat-video", 0.5)] {
            let out = path("out-\(format)")
            let exported = try runMicrolabel(["export", path("p"), "--format", format, "--out", out])
            XCTAssertEqual(exported.status, 0, "\(format): \(exported.stderr)")
            let copy = path("copy-\(format)")
            // MOT names no classes: its class ids refer to the project's labels, so the copy has them.
            XCTAssertEqual(try runMicrolabel(["init", copy, "--source", frames, "--labels", "rabbit,bird"]).status, 0)
            let imported = try runMicrolabel(["import", copy, "--format", format, out, "--as", "seeds"])
            XCTAssertEqual(imported.status, 0, "\(format): \(imported.stderr)")
            let back = try boxes(copy)
            XCTAssertEqual(back.map(\.frame), original.map(\.frame), format)
            for (a, b) in zip(back, original) {
                XCTAssertEqual(a.kind, .seed)
                XCTAssertEqual(a.rect.x, b.rect.x, accuracy: tolerance, format)
                XCTAssertEqual(a.rect.y, b.rect.y, accuracy: tolerance, format)
                XCTAssertEqual(a.rect.width, b.rect.width, accuracy: tolerance, format)
                XCTAssertEqual(a.rect.height, b.rect.height, accuracy: tolerance, format)
            }
            let images = try FileManager.default.subpathsOfDirectory(atPath: out)
                .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.map { ($0 as NSString).lastPathComponent }
            XCTAssertEqual(Set(images), format == "cvat-video" ? ["frame_000033.png", "frame_000099.png"] : ["000034.jpg", "000100.jpg"], format)
        }
    }

    func testAnExistingTargetIsRefusedWithoutForce() throws {
        let out = path("out.mot")
        XCTAssertEqual(try runMicrolabel(["export", path("p"), "--format", "mot", "--out", out]).status, 0)
        let again = try runMicrolabel(["export", path("p"), "--format", "mot", "--out", out])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains(out), again.stderr)
        XCTAssertEqual(try runMicrolabel(["export", path("p"), "--format", "mot", "--out", out, "--force"]).status, 0)
    }

    func testABrokenImportFileIsNamedAndNothingIsImported() throws {
        let broken = directory.appendingPathComponent("broken.json")
        try Data("{\"images\": [ {\"id\": 1, \"file_name\": \"000001.jpg\"".utf8).write(to: broken)
        let result = try runMicrolabel(["import", path("p"), "--format", "coco", broken.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains(broken.path), result.stderr)
        XCTAssertEqual(try boxes(path("p")).count, 2)
    }

    func testAnImportIsOneUndoableAction() throws {
        let out = path("out.mot")
        XCTAssertEqual(try runMicrolabel(["export", path("p"), "--format", "mot", "--out", out]).status, 0)
        XCTAssertEqual(try runMicrolabel(["import", path("p"), "--format", "mot", out, "--as", "accepted"]).status, 0)
        let project = try Project.open(at: URL(fileURLWithPath: path("p") + ".microlabel"))
        XCTAssertEqual(try project.counts().accepted, 2)
        XCTAssertNotNil(try project.undo())
        XCTAssertEqual(try project.counts().accepted, 0)
        XCTAssertEqual(try project.counts().seeds, 2)
    }

    func testOTBGroundTruthImportsUnderTheFirstLabel() throws {
        let file = directory.appendingPathComponent("groundtruth_rect.txt")
        try Data("10\t20\t30\t40\n11\t21\t30\t40\n12\t22\t30\t40\n".utf8).write(to: file)
        let result = try runMicrolabel(["import", path("p"), "--format", "otb", file.path, "--as", "accepted"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let project = try Project.open(at: URL(fileURLWithPath: path("p") + ".microlabel"))
        let accepted = try project.boxes(kinds: [.accepted])
        XCTAssertEqual(accepted.map(\.frame), [0, 1, 2])
        XCTAssertEqual(accepted.first?.rect, BoxRect(x: 10, y: 20, width: 30, height: 40))
        let labels = Dictionary(uniqueKeysWithValues: try project.labels().map { ($0.id, $0.name) })
        let objects = try project.objects()
        XCTAssertEqual(Set(accepted.compactMap { box in objects.first { $0.id == box.objectID }.flatMap { labels[$0.labelID] } }), ["rabbit"])
    }
}
