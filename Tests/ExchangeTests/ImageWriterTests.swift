import Exchange
import Foundation
import TestSupport
import XCTest

final class ImageWriterTests: XCTestCase {
    func testSourceFramesOfTheSameFormatAreLinkedAndOthersEncoded() throws {
        let folder = try Fixtures.temporaryDirectory("exchange-link")
        defer { try? FileManager.default.removeItem(at: folder) }
        let frames = Fixtures.sampleData.appendingPathComponent("frames")
        let source = folder.appendingPathComponent("source")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        for number in 1...3 {
            let name = String(format: "%06d.jpg", number)
            try FileManager.default.copyItem(at: frames.appendingPathComponent(name), to: source.appendingPathComponent(name))
        }
        var encoded: [Int] = []
        var verified: [Int] = []
        let writer = DatasetExporter.linkingImageWriter(
            sourceFile: { $0 < 3 ? source.appendingPathComponent(String(format: "%06d.jpg", $0 + 1)) : nil },
            verify: { verified.append($0) },
            encode: { frame, url in
                encoded.append(frame)
                try Data("encoded".utf8).write(to: url)
            })
        var dataset = SampleDataset.make()
        dataset.boxes = dataset.boxes.filter { $0.frame < 5 }
        let out = folder.appendingPathComponent("coco")
        _ = try DatasetExporter.export(dataset, format: .coco, to: out, writeImage: writer)
        XCTAssertEqual(encoded, [3, 4])
        XCTAssertEqual(verified, [0, 1, 2], "only linked frames are checked; encoding decodes them anyway")
        let linked = out.appendingPathComponent("images/default/000002.jpg")
        XCTAssertEqual(try Data(contentsOf: linked), try Data(contentsOf: source.appendingPathComponent("000002.jpg")))
        let attributes = try FileManager.default.attributesOfItem(atPath: linked.path)
        XCTAssertEqual((attributes[.referenceCount] as? NSNumber)?.intValue, 2, "a hard link, not a copy")

        let png = folder.appendingPathComponent("png")
        encoded = []
        verified = []
        _ = try DatasetExporter.export(dataset, format: .yolo, to: png, options: ExportOptions(imageExtension: "png"), writeImage: writer)
        XCTAssertEqual(encoded, [0, 1, 2, 3, 4], "another format is encoded")
        XCTAssertEqual(verified, [], "an encoded frame is not decoded a second time to check it")
    }

    func testFrameRangesAreOneBasedAndInclusiveOnTheCommandLine() throws {
        XCTAssertEqual(try ExportOptions.frames(parsing: "1-500"), 0...499)
        XCTAssertEqual(try ExportOptions.frames(parsing: "42"), 41...41)
        for bad in ["0-5", "5-4", "a-b", "1-2-3", ""] {
            XCTAssertThrowsError(try ExportOptions.frames(parsing: bad), bad)
        }
    }
}
