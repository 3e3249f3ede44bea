import Geometry
import LabelStore
import Exchange
import Foundation
import TestSupport
import XCTest

/// Text from other tools: CRLF line ends (Windows tools, datumaro's MOT writer), a UTF-8 byte-order
/// mark, and files that are not UTF-8 at all. And the hand-broken inputs an import must name.
final class TextInputTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-text")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private let project = ImportOptions(frameCount: 300, width: 640, height: 360, labels: ["person", "car"])

    private func write(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    /// The same text with LF, with CRLF, and with a BOM and CRLF.
    private func variants(_ text: String) -> [(name: String, bytes: [UInt8])] {
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        return [("lf", Array(text.utf8)), ("crlf", Array(crlf.utf8)), ("bom-crlf", [0xEF, 0xBB, 0xBF] + Array(crlf.utf8))]
    }

    private func assertFails(_ format: DatasetFormat, _ url: URL, _ parts: [String], options: ImportOptions? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DatasetImporter.read(format, from: url, options: options ?? project), file: file, line: line) { error in
            let message = "\(error)"
            for part in parts { XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)", file: file, line: line) }
        }
    }

    func testMOTWithCRLFReadsEveryLine() throws {
        // 190 boxes on 190 frames, as datumaro writes MOT (CRLF, float coordinates).
        var text = ""
        for frame in 1...190 { text += "\(frame),1,\(Double(frame) + 0.5),20.0,30.0,40.0,1,2,1.0\n" }
        for variant in variants(text) {
            let url = try write("mot-\(variant.name).txt", variant.bytes)
            let result = try DatasetImporter.read(.mot, from: url, options: project)
            XCTAssertEqual(result.boxes.count, 190, variant.name)
            XCTAssertEqual(result.boxes.last?.rect, BoxRect(x: 190.5, y: 20, width: 30, height: 40), variant.name)
            XCTAssertEqual(Set(result.boxes.map(\.label)), ["car"], variant.name)
        }
    }

    func testOTBAndYOLOAndClassListsWithCRLFAndBOM() throws {
        for variant in variants("10,20,30,40\n11,21,30,40\n") {
            let url = try write("otb-\(variant.name).txt", variant.bytes)
            XCTAssertEqual(try DatasetImporter.read(.otb, from: url, options: project).boxes.count, 2, variant.name)
        }
        for variant in variants("0 0.5 0.5 0.25 0.5\n1 0.25 0.25 0.1 0.1\n") {
            let url = try write("yolo-\(variant.name)/000003.txt", variant.bytes)
            let result = try DatasetImporter.read(.yolo, from: url, options: project)
            XCTAssertEqual(result.boxes.map(\.label), ["person", "car"], variant.name)
            XCTAssertEqual(result.boxes[0].rect, BoxRect(x: 240, y: 90, width: 160, height: 180), variant.name)
        }
        for variant in variants("names:\n  0: 'dog'\n  1: \"cat\"\n") {
            let root = folder.appendingPathComponent("yaml-\(variant.name)")
            _ = try write("yaml-\(variant.name)/data.yaml", variant.bytes)
            _ = try write("yaml-\(variant.name)/labels/train/000001.txt", Array("1 0.5 0.5 0.1 0.1\r\n".utf8))
            let result = try DatasetImporter.read(.yolo, from: root, options: project)
            XCTAssertEqual(result.labels, ["dog", "cat"], variant.name)
            XCTAssertEqual(result.boxes.map(\.label), ["cat"], variant.name)
        }
        for variant in variants("dog\ncat\n") {
            let root = folder.appendingPathComponent("darknet-\(variant.name)")
            _ = try write("darknet-\(variant.name)/obj.names", variant.bytes)
            _ = try write("darknet-\(variant.name)/obj_train_data/000002.txt", Array("0 0.5 0.5 0.1 0.1\r\n".utf8))
            _ = try write("darknet-\(variant.name)/train.txt", Array("data/obj_train_data/000002.jpg\n".utf8))
            let result = try DatasetImporter.read(.yolo, from: root, options: project)
            XCTAssertEqual(result.labels, ["dog", "cat"], variant.name)
            XCTAssertEqual(result.boxes.map(\.frame), [1], variant.name)
        }
        for variant in variants("dog\ncat\n") {
            let root = folder.appendingPathComponent("motseq-\(variant.name)")
            _ = try write("motseq-\(variant.name)/gt/labels.txt", variant.bytes)
            _ = try write("motseq-\(variant.name)/gt/gt.txt", Array("5,3,1,2,3,4,1,2,1\r\n".utf8))
            let result = try DatasetImporter.read(.mot, from: root, options: project)
            XCTAssertEqual(result.labels, ["dog", "cat"], variant.name)
            XCTAssertEqual(result.boxes.map(\.label), ["cat"], variant.name)
            XCTAssertEqual(result.boxes.map(\.trackID), [3], variant.name)
        }
    }

    func testXMLAndJSONWithCRLFAndBOM() throws {
        let voc = "<annotation>\n<filename>000004.jpg</filename>\n<size><width>640</width><height>360</height></size>\n"
            + "<object>\n<name>dog</name>\n<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>11</xmax><ymax>22</ymax></bndbox>\n</object>\n</annotation>\n"
        for variant in variants(voc) {
            let result = try DatasetImporter.read(.voc, from: try write("voc-\(variant.name).xml", variant.bytes), options: project)
            XCTAssertEqual(result.boxes.map(\.rect), [BoxRect(x: 1, y: 2, width: 10, height: 20)], variant.name)
        }
        let coco = "{\"categories\": [{\"id\": 1, \"name\": \"dog\"}],\n\"images\": [{\"id\": 1, \"file_name\": \"000004.jpg\"}],\n"
            + "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]}]}\n"
        for variant in variants(coco) {
            let result = try DatasetImporter.read(.coco, from: try write("coco-\(variant.name).json", variant.bytes), options: project)
            XCTAssertEqual(result.boxes.map(\.label), ["dog"], variant.name)
        }
    }

    func testFilesThatAreNotUTF8AreRefusedWithTheLine() throws {
        // "café" in Latin-1: the é is the single byte 0xE9.
        let latin1: [UInt8] = Array("person\n".utf8) + [0x63, 0x61, 0x66, 0xE9, 0x0A]
        let names = try write("latin1/gt/labels.txt", latin1)
        _ = try write("latin1/gt/gt.txt", Array("1,1,1,2,3,4,1,2,1\n".utf8))
        assertFails(.mot, folder.appendingPathComponent("latin1"), [names.path, "line 2", "not UTF-8", "0xE9"])

        let voc: [UInt8] = Array("<annotation><filename>000001.jpg</filename><object><name>caf".utf8) + [0xE9]
            + Array("</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>".utf8)
        assertFails(.voc, try write("latin1.xml", voc), ["latin1.xml", "line 1", "not UTF-8"])

        let coco: [UInt8] = Array("{\"categories\": [{\"id\": 1, \"name\": \"caf".utf8) + [0xE9] + Array("\"}], \"images\": [], \"annotations\": []}".utf8)
        assertFails(.coco, try write("latin1.json", coco), ["latin1.json", "not UTF-8"])

        let cvat: [UInt8] = Array("<annotations>\n<meta><task><labels><label><name>caf".utf8) + [0xE9]
            + Array("</name></label></labels></task></meta>\n</annotations>\n".utf8)
        assertFails(.cvatVideo, try write("latin1-cvat.xml", cvat), ["latin1-cvat.xml", "line 2", "not UTF-8"])

        assertFails(.otb, try write("utf16.txt", [0xFF, 0xFE, 0x31, 0x00]), ["utf16.txt", "UTF-16"])
        // A JSON escape for half a surrogate pair is no character either.
        let lone = Array("{\"categories\": [{\"id\": 1, \"name\": \"a\\ud800\"}], \"images\": [], \"annotations\": []}".utf8)
        assertFails(.coco, try write("lone.json", lone), ["lone.json", "surrogate"])
    }

    func testBadLinesAreNamed() throws {
        assertFails(.mot, try write("garbage.txt", Array("1,1,1,2,3,4,1,1,1\n2,1,1,2,3,4,1,1,1,junk\n".utf8)),
                    ["garbage.txt", "line 2", "field 10 ('junk') is not a number"])
        assertFails(.mot, try write("short.txt", Array("1,1,1,2\n".utf8)), ["short.txt", "line 1", "4 fields"])
        assertFails(.otb, try write("negative.txt", Array("10,20,30,40\n10,20,-5,40\n".utf8)),
                    ["negative.txt", "line 2", "negative width or height"])
        let result = try DatasetImporter.read(.otb, from: try write("absent.txt", Array("10,20,30,40\n0,0,0,0\nNaN,NaN,NaN,NaN\n".utf8)),
                                              options: project)
        XCTAssertEqual(result.boxes.map(\.frame), [0], "0,0,0,0 and NaN mark an absent target")
    }

    func testCOCOWithoutAnnotationsWarns() throws {
        let url = try write("images-only.json", Array("{\"categories\": [{\"id\": 1, \"name\": \"dog\"}], \"images\": [{\"id\": 1, \"file_name\": \"000001.jpg\"}]}".utf8))
        let result = try DatasetImporter.read(.coco, from: url, options: project)
        XCTAssertEqual(result.boxes.count, 0)
        XCTAssertEqual(result.warnings.count, 1)
        XCTAssertTrue(result.warnings[0].contains("no 'annotations' list"), result.warnings[0])
    }

    func testAnImportWhoseImagesMatchNoFrameFails() throws {
        let coco = "{\"categories\": [{\"id\": 1, \"name\": \"dog\"}], \"images\": [{\"id\": 1, \"file_name\": \"IMG_1234.jpg\"}],"
            + "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]}]}"
        assertFails(.coco, try write("nomatch.json", Array(coco.utf8)), ["no image name matches a frame", "IMG_1234.jpg"])
        let voc = "<annotation><filename>IMG_1.jpg</filename><object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>"
        assertFails(.voc, try write("nomatch/Annotations/IMG_1.xml", Array(voc.utf8)), ["no image name matches a frame"],
                    options: project)
        assertFails(.yolo, try write("nomatch-yolo/labels/IMG_1.txt", Array("0 0.5 0.5 0.1 0.1\n".utf8)),
                    ["no image name matches a frame"])
    }

    func testImageNamesFromOtherToolsMatchFrames() throws {
        // CVAT numbers frames from 0; a multi-project export prefixes the project's name.
        var options = project
        options.videoName = "clip-a"
        let coco = "{\"categories\": [{\"id\": 1, \"name\": \"dog\"}], \"images\": ["
            + "{\"id\": 1, \"file_name\": \"frame_000000.png\"}, {\"id\": 2, \"file_name\": \"clip-a_000042.jpg\"},"
            + "{\"id\": 3, \"file_name\": \"clip-b_000042.jpg\"}],"
            + "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]},"
            + "{\"id\": 2, \"image_id\": 2, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]},"
            + "{\"id\": 3, \"image_id\": 3, \"category_id\": 1, \"bbox\": [1, 2, 10, 20]}]}"
        let result = try DatasetImporter.read(.coco, from: try write("names.json", Array(coco.utf8)), options: options)
        XCTAssertEqual(result.boxes.map(\.frame), [0, 41])
        XCTAssertEqual(result.unmatchedImages, ["clip-b_000042.jpg"], "another video's frame is not this project's")
    }

    func testCVATTrackEndsCarriedByDatumaroAreNotBoxes() throws {
        let coco = "{\"categories\": [{\"id\": 1, \"name\": \"dog\"}], \"images\": [{\"id\": 1, \"file_name\": \"000001.jpg\"}],"
            + "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20], \"attributes\": {\"outside\": false}},"
            + "{\"id\": 2, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 10, 20], \"attributes\": {\"outside\": true}}]}"
        let result = try DatasetImporter.read(.coco, from: try write("outside.json", Array(coco.utf8)), options: project)
        XCTAssertEqual(result.boxes.count, 1)
        XCTAssertTrue(result.notes.contains { $0.contains("1 boxes") && $0.contains("outside") }, "\(result.notes)")
        let voc = "<annotation><filename>000001.jpg</filename><object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox>"
            + "<attributes><attribute><name>outside</name><value>true</value></attribute></attributes></object>"
            + "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>"
        XCTAssertEqual(try DatasetImporter.read(.voc, from: try write("outside.xml", Array(voc.utf8)), options: project).boxes.count, 1)
    }
}
