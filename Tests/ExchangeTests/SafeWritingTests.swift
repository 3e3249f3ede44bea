import Exchange
import Foundation
import TestSupport
import XCTest

final class SafeWritingTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-safe")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testAnInterruptedExportLeavesNoTargetAndNoTemporaryFolder() throws {
        let writer = SampleDataset.RecordingImageWriter()
        writer.failAfter = 12
        let out = folder.appendingPathComponent("dataset")
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out,
                                                        writeImage: { try writer.write($0, $1) })) { error in
            XCTAssertEqual("\(error)".hasPrefix("cannot write the image of frame 13 to "), true, "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("000013.jpg: decoder gave up"), "\(error)")
        }
        XCTAssertEqual(writer.calls.count, 12, "the writer ran until it failed")
        XCTAssertEqual(entries(in: folder), [], "no target and no stray temporary folder")
    }

    func testAnInterruptedForcedExportKeepsTheOldTarget() throws {
        let out = folder.appendingPathComponent("dataset")
        _ = try DatasetExporter.export(SampleDataset.make(), format: .yolo, to: out, writeImage: { _, url in try Data().write(to: url) })
        let before = relativeFiles(in: out)
        let writer = SampleDataset.RecordingImageWriter()
        writer.failAfter = 3
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .voc, to: out, options: ExportOptions(force: true),
                                                        writeImage: { try writer.write($0, $1) }))
        XCTAssertEqual(relativeFiles(in: out), before)
        XCTAssertEqual(entries(in: folder), ["dataset"])
    }

    func testAnExistingTargetIsRefusedWithoutForceAndReplacedWithIt() throws {
        let out = folder.appendingPathComponent("dataset")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out)) { error in
            XCTAssertEqual(error as? ExchangeError, .targetExists(path: out.path))
            XCTAssertTrue("\(error)".contains("--force"))
        }
        XCTAssertEqual(entries(in: out), ["mine.txt"])

        _ = try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out, options: ExportOptions(force: true))
        XCTAssertEqual(entries(in: out), ["annotations"])
        XCTAssertEqual(entries(in: folder), ["dataset"], "the old folder is gone")
    }

    func testAMOTFileIsReplacedOnlyWithForce() throws {
        let out = folder.appendingPathComponent("boxes.txt")
        try Data("old\n".utf8).write(to: out)
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .mot, to: out))
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "old\n")
        _ = try DatasetExporter.export(SampleDataset.make(), format: .mot, to: out, options: ExportOptions(force: true))
        XCTAssertTrue(try String(contentsOf: out, encoding: .utf8).hasPrefix("1,1,"))
        XCTAssertEqual(entries(in: folder), ["boxes.txt"])
    }

    func testImpossibleOptionsAreRefusedBeforeWriting() throws {
        let out = folder.appendingPathComponent("x")
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .otb, to: out))
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .mot, to: out,
                                                        options: ExportOptions(split: try SplitSpec(parsing: "a=1,b=1"))))
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out, options: ExportOptions(frames: 50...60)))
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out, options: ExportOptions(imageExtension: "gif")))
        XCTAssertEqual(entries(in: folder), [])
    }
}
