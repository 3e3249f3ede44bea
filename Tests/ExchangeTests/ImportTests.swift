import Geometry
import LabelStore
import Exchange
import Foundation
import TestSupport
import XCTest

final class ImportTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-import")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private let project = ImportOptions(frameCount: 100, width: 640, height: 360, labels: ["person", "car"])

    private func file(_ name: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    private func assertError(_ format: DatasetFormat, _ url: URL, contains parts: [String], options: ImportOptions? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DatasetImporter.read(format, from: url, options: options ?? project), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(url.path + ": "), message, file: file, line: line)
            for part in parts { XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)", file: file, line: line) }
        }
    }

    private let cocoHeader = """
        {"categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "cat"}],
         "images": [{"id": 7, "file_name": "000007.jpg", "width": 640, "height": 360}],
         "annotations": [
        """

    func testBrokenJSONNamesTheLine() throws {
        let url = try file("broken.json", cocoHeader + "\n  {\"id\": 1, \"image_id\": 7, \"category_id\": 1, \"bbox\": [1, 2, 3, 4],}\n]}")
        assertError(.coco, url, contains: ["line 4, column", "broken JSON"])
    }

    func testCOCOBoxOutsideTheImageNamesTheEntry() throws {
        let url = try file("outside.json", cocoHeader + """

              {"id": 1, "image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40]},
              {"id": 2, "image_id": 7, "category_id": 2, "bbox": [600, 20, 41, 40]}
            ]}
            """)
        assertError(.coco, url, contains: ["annotations[1] (id 2, line 5)", "outside the 640x360 image"])
        // Half a pixel over is tolerated and clipped.
        let slack = try file("slack.json", cocoHeader + """
            {"id": 1, "image_id": 7, "category_id": 2, "bbox": [600, -0.4, 40.4, 40]}]}
            """)
        let result = try DatasetImporter.read(.coco, from: slack, options: project)
        XCTAssertEqual(result.boxes.map(\.rect), [BoxRect(x: 600, y: 0, width: 40, height: 39.6)])
        XCTAssertEqual(result.labels, ["dog", "cat"])
        XCTAssertEqual(result.boxes.first?.frame, 6)
    }

    func testCOCOUnknownCategoryIsAnError() throws {
        let url = try file("unknown.json", cocoHeader + """
            {"id": 5, "image_id": 7, "category_id": 3, "bbox": [1, 2, 3, 4]}]}
            """)
        assertError(.coco, url, contains: ["annotations[0] (id 5, line 3)", "class 3 is not defined; the classes are 1=dog, 2=cat"])
    }

    func testYOLOUnknownClassAndBoxOutsideNameTheLine() throws {
        _ = try file("yolo/data.yaml", "path: .\ntrain: images\nnames:\n  - dog\n  - cat  # the second\n")
        let labels = try file("yolo/labels/000003.txt", "0 0.5 0.5 0.1 0.1\n\n2 0.5 0.5 0.1 0.1\n")
        assertError(.yolo, labels, contains: ["line 3", "class 2 is not defined"])
        try Data("1 0.5 0.5 0.1 0.1\n1 0.99 0.5 0.1 0.1\n".utf8).write(to: labels)
        assertError(.yolo, labels, contains: ["line 2", "outside the 640x360 image"])
        try Data("1 0.5 0.5 0.1 0.2 0.75\n".utf8).write(to: labels)
        let result = try DatasetImporter.read(.yolo, from: folder.appendingPathComponent("yolo"), options: project)
        XCTAssertEqual(result.labels, ["dog", "cat"])
        XCTAssertEqual(result.boxes, [DatasetBox(frame: 2, trackID: nil, label: "cat",
                                                 rect: BoxRect(x: 288, y: 144, width: 64, height: 72), kind: .proposal, confidence: 0.75)])
    }

    func testYOLONamesInEveryYAMLForm() throws {
        for yaml in ["names: ['a', \"b\"]\n", "names: {0: a, 1: b}\n", "names:\n  0: a\n  1: 'b'\nnc: 2\n", "nc: 2\nnames:\n- a\n- b\n"] {
            let root = folder.appendingPathComponent("form-\(abs(yaml.hashValue))")
            _ = try file(root.lastPathComponent + "/data.yaml", yaml)
            _ = try file(root.lastPathComponent + "/labels/000001.txt", "1 0.5 0.5 0.5 0.5\n")
            let result = try DatasetImporter.read(.yolo, from: root, options: project)
            XCTAssertEqual(result.labels, ["a", "b"], yaml)
            XCTAssertEqual(result.boxes.map(\.label), ["b"], yaml)
        }
    }

    func testYOLOWithoutAFrameSizeSaysSo() throws {
        let labels = try file("sizeless/labels/000001.txt", "0 0.5 0.5 0.1 0.1\n")
        XCTAssertThrowsError(try DatasetImporter.read(.yolo, from: labels, options: ImportOptions(labels: ["a"]))) { error in
            XCTAssertEqual(error as? ExchangeError, .missingImageSize(path: labels.path))
        }
    }

    func testBrokenXMLNamesTheLine() throws {
        let url = try file("Annotations/000001.xml", """
            <annotation>
              <filename>000001.jpg</filename>
              <object><name>dog</name>
                <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox>
              </objekt>
            </annotation>
            """)
        assertError(.voc, url, contains: ["line 5", "broken XML", "</objekt> does not close <object> opened on line 3"])
    }

    func testVOCBoxOutsideTheImageNamesTheLine() throws {
        let url = try file("voc/000002.xml", """
            <annotation>
              <filename>000002.jpg</filename>
              <size><width>640</width><height>360</height><depth>3</depth></size>
              <object><name>dog</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>
              <object><name>dog</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>400</ymax></bndbox></object>
            </annotation>
            """)
        assertError(.voc, url, contains: ["line 5", "outside the 640x360 image"])
    }

    func testMOTUnknownClassIdAndFrameOutOfRange() throws {
        let url = try file("mot.txt", "1,1,10,20,30,40,1,1,1\n2,1,10,20,30,40,1,3,1\n")
        assertError(.mot, url, contains: ["line 2", "class 3 (no labels.txt: ids are the project's labels from 1) is not defined; the classes are 1=person, 2=car"])
        try Data("1,1,10,20,30,40,0.5,2,1\n101,1,10,20,30,40,1,1,1\n".utf8).write(to: url)
        assertError(.mot, url, contains: ["line 2", "frame 101 is outside the video's frames 1-100"])
        try Data("1,-1,10,20,30,40,0.5,2,1\n3,4,10,20,30,40\n".utf8).write(to: url)
        let result = try DatasetImporter.read(.mot, from: url, options: project)
        XCTAssertEqual(result.boxes, [
            DatasetBox(frame: 0, trackID: nil, label: "car", rect: BoxRect(x: 10, y: 20, width: 30, height: 40), kind: .proposal, confidence: 0.5),
            DatasetBox(frame: 2, trackID: 4, label: "object", rect: BoxRect(x: 10, y: 20, width: 30, height: 40), kind: .accepted),
        ])
    }

    func testCVATTrackWithAnUndefinedLabelIsAnError() throws {
        let url = try file("cvat.xml", """
            <?xml version="1.0" encoding="utf-8"?>
            <annotations>
              <meta><task><labels><label><name>dog</name></label></labels></task></meta>
              <track id="0" label="cat" source="manual">
                <box frame="0" outside="0" occluded="0" keyframe="1" xtl="1" ytl="2" xbr="3" ybr="4" z_order="0"/>
              </track>
            </annotations>
            """)
        assertError(.cvatVideo, url, contains: ["line 4", "class 'cat' is not defined"])
    }

    func testOTBReadsOneBoxPerLineAndSkipsAbsentTargets() throws {
        let url = try file("otb/groundtruth_rect.txt", "1\t2\t3\t4\nNaN,NaN,NaN,NaN\n5 6 7 8\n")
        let result = try DatasetImporter.read(.otb, from: folder.appendingPathComponent("otb"), options: project)
        XCTAssertEqual(result.boxes.map(\.frame), [0, 2])
        XCTAssertEqual(result.boxes.map(\.rect), [BoxRect(x: 1, y: 2, width: 3, height: 4), BoxRect(x: 5, y: 6, width: 7, height: 8)])
        XCTAssertEqual(result.labels, ["object"])
        try Data("1,2,3,4\n1,2,x,4\n".utf8).write(to: url)
        assertError(.otb, url, contains: ["line 2", "expected x,y,w,h"])
    }

    func testImagesMatchBySixDigitNamesOrSourceNamesAndTheRestIsReported() throws {
        let url = try file("match.json", """
            {"categories": [{"id": 1, "name": "dog"}],
             "images": [{"id": 1, "file_name": "train/000005.jpg", "width": 640, "height": 360},
                        {"id": 2, "file_name": "img_0009.png", "width": 640, "height": 360},
                        {"id": 3, "file_name": "img_0010.jpg", "width": 640, "height": 360},
                        {"id": 4, "file_name": "holiday.jpg", "width": 640, "height": 360},
                        {"id": 5, "file_name": "000101.jpg", "width": 640, "height": 360}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5]},
                             {"id": 2, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5]},
                             {"id": 3, "image_id": 3, "category_id": 1, "bbox": [1, 1, 5, 5]},
                             {"id": 4, "image_id": 4, "category_id": 1, "bbox": [1, 1, 5, 5]},
                             {"id": 5, "image_id": 5, "category_id": 1, "bbox": [1, 1, 5, 5]}]}
            """)
        var options = project
        options.frames = (0..<100).map { DatasetFrame(index: $0, fileName: String(format: "img_%04d.png", $0 + 1), width: 640, height: 360) }
        let result = try DatasetImporter.read(.coco, from: url, options: options)
        XCTAssertEqual(result.boxes.map(\.frame), [4, 8, 9], "six-digit name, source name, source name with another extension")
        XCTAssertEqual(result.unmatchedImages, ["holiday.jpg", "000101.jpg"])
    }

    func testMissingPathsAndEmptyFoldersAreReported() throws {
        XCTAssertThrowsError(try DatasetImporter.read(.coco, from: folder.appendingPathComponent("nothing.json"))) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for format in [DatasetFormat.coco, .yolo, .voc, .mot, .cvatVideo, .otb] {
            XCTAssertThrowsError(try DatasetImporter.read(format, from: empty, options: project), "\(format)") { error in
                XCTAssertTrue("\(error)".hasPrefix(empty.path), "\(error)")
            }
        }
    }
}
