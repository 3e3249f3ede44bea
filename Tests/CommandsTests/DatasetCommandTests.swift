import Foundation
import Geometry
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

    private func entries(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    /// The project file and whatever SQLite keeps beside it, byte for byte.
    private func snapshot(_ project: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let file = project + ".microlabel" + suffix
            if let data = FileManager.default.contents(atPath: file) { files[suffix] = data }
        }
        return files
    }

    func testRefusedImportsLeaveTheProjectByteIdentical() throws {
        let bad: [(format: String, name: String, bytes: [UInt8], message: String)] = [
            ("mot", "latin1.txt", Array("1,1,1,2,3,4,1,1,1\n".utf8) + [0xE9, 0x0A], "not UTF-8"),
            ("mot", "garbage.txt", Array("1,1,1,2,3,4,1,1,1\r\n2,1,1,2,3,4,1,1,1,x\r\n".utf8), "line 2"),
            ("otb", "negative.txt", Array("10,20,30,40\n1,2,-3,4\n".utf8), "line 2"),
            ("coco", "nomatch.json", Array(("{\"categories\": [{\"id\": 1, \"name\": \"dog\"}], \"images\": [{\"id\": 1, \"file_name\": \"x.jpg\"}],"
                + "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]}]}").utf8),
             "no image name matches a frame"),
        ]
        let before = snapshot(path("p"))
        for input in bad {
            let file = directory.appendingPathComponent(input.name)
            try Data(input.bytes).write(to: file)
            let result = try runMicrolabel(["import", path("p"), "--format", input.format, file.path])
            XCTAssertEqual(result.status, 1, input.name)
            XCTAssertTrue(result.stderr.contains(file.path) && result.stderr.contains(input.message), result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
            XCTAssertEqual(snapshot(path("p")), before, "\(input.name) changed the project")
        }
    }

    /// A box the store refuses (here: its class has a blank name) refuses the whole import, with a
    /// message; the count `import` prints is the count of boxes that went in.
    func testImportCountsOnlyWhatWentIn() throws {
        let coco = { (name: String) in
            "{\"categories\": [{\"id\": 1, \"name\": \"dog\"}, {\"id\": 2, \"name\": \"\(name)\"}], "
                + "\"images\": [{\"id\": 1, \"file_name\": \"000005.jpg\"}], \"annotations\": ["
                + "{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]}, "
                + "{\"id\": 2, \"image_id\": 1, \"category_id\": 2, \"bbox\": [3, 4, 10, 20]}]}"
        }
        let before = try boxes(path("p")).count
        let blank = directory.appendingPathComponent("blank.json")
        try Data(coco("   ").utf8).write(to: blank)
        let refused = try runMicrolabel(["import", path("p"), "--format", "coco", blank.path])
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertFalse(refused.stdout.contains("imported"), refused.stdout)
        XCTAssertTrue(refused.stderr.contains("empty"), refused.stderr)
        XCTAssertEqual(try boxes(path("p")).count, before, "a refused import adds nothing")

        let good = directory.appendingPathComponent("good.json")
        try Data(coco("cat").utf8).write(to: good)
        let imported = try runMicrolabel(["import", path("p"), "--format", "coco", good.path])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("imported 2 boxes"), imported.stdout)
        XCTAssertEqual(try boxes(path("p")).count, before + 2)
    }

    func testCRLFFilesImportEveryLine() throws {
        let file = directory.appendingPathComponent("crlf.txt")
        try Data("34,1,80,78,255,220,1,1,1\r\n35,1,81,79,250,220,1,1,1\r\n36,1,82,80,250,220,1,1,1\r\n".utf8).write(to: file)
        let result = try runMicrolabel(["import", path("p"), "--format", "mot", file.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("imported 3 boxes"), result.stdout)
    }

    func testPendingProposalsAreMarkedOrRefused() throws {
        XCTAssertEqual(try runMicrolabel(["seed", path("p"), "--frame", "36", "--box", "80,78,250,220"]).status, 0)
        let voc = try runMicrolabel(["export", path("p"), "--format", "voc", "--out", path("voc"), "--include-pending"])
        XCTAssertEqual(voc.status, 2)
        XCTAssertTrue(voc.stderr.contains("no way to mark"), voc.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("voc")))
        let yolo = try runMicrolabel(["export", path("p"), "--format", "yolo", "--out", path("yolo")])
        XCTAssertEqual(yolo.status, 0)
        XCTAssertTrue(yolo.stderr.contains("warning: without --split"), yolo.stderr)
    }

    func testSeveralProjectsExportAsOneDatasetWithAReport() throws {
        // A second video: the same frames, another name, a label of its own and one shared by name.
        let second = path("q")
        XCTAssertEqual(try runMicrolabel(["init", second, "--source", frames, "--labels", "bird"]).status, 0)
        XCTAssertEqual(try runMicrolabel(["seed", second, "--frame", "10", "--box", "10,10,50,50", "--label", "rabbit"]).status, 0)
        XCTAssertEqual(try runMicrolabel(["seed", second, "--frame", "11", "--box", "12,10,50,50", "--label", "bird"]).status, 0)
        XCTAssertEqual(try runMicrolabel(["seed", second, "--frame", "12", "--box", "14,10,50,50", "--label", "bird"]).status, 0)
        let out = path("both")
        let result = try runMicrolabel(["export", path("p"), second, "--format", "yolo", "--out", out,
                                        "--split", "train=0.5,val=0.5", "--report"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("exported 5 boxes on 5 frames of 2 projects"), result.stdout)
        // Class ids by name across projects: p declares rabbit then bird.
        let yaml = try String(contentsOf: URL(fileURLWithPath: out + "/data.yaml"), encoding: .utf8)
        XCTAssertTrue(yaml.contains("names:\n  0: \"rabbit\"\n  1: \"bird\"\n"), yaml)
        // Whole videos go to one split each, and image names say which video they come from.
        let train = entries(in: URL(fileURLWithPath: out + "/images/train"))
        let val = entries(in: URL(fileURLWithPath: out + "/images/val"))
        XCTAssertEqual(Set([train, val]), [["p_000034.jpg", "p_000100.jpg"], ["q_000010.jpg", "q_000011.jpg", "q_000012.jpg"]])
        let q10 = try String(contentsOf: URL(fileURLWithPath: out + "/labels/" + (train.first!.hasPrefix("q") ? "train" : "val") + "/q_000010.txt"), encoding: .utf8)
        XCTAssertTrue(q10.hasPrefix("0 "), "q's rabbit has p's class id 0: \(q10)")
        // The report: per label, per project, per split.
        XCTAssertTrue(result.stdout.contains("split (whole videos)"), result.stdout)
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertTrue(rows.contains(["rabbit", "2", "2", "0"]), result.stdout)
        XCTAssertTrue(rows.contains(["bird", "3", "3", "0"]), result.stdout)
        XCTAssertTrue(rows.contains(["p", "2", "2", "0"]), result.stdout)
        XCTAssertTrue(rows.contains(["q", "3", "3", "0"]), result.stdout)
        // Importing the joint dataset back into one project takes that project's frames only.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("again"), withIntermediateDirectories: true)
        let copy = path("again/p")
        XCTAssertEqual(try runMicrolabel(["init", copy, "--source", frames]).status, 0)
        let back = try runMicrolabel(["import", copy, "--format", "yolo", out])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertTrue(back.stderr.contains("3 images match no frame"), back.stderr)

        let cvat = try runMicrolabel(["export", path("p"), second, "--format", "cvat-video", "--out", path("cvat")])
        XCTAssertEqual(cvat.status, 2)
        XCTAssertTrue(cvat.stderr.contains("holds one video"), cvat.stderr)
    }
}
