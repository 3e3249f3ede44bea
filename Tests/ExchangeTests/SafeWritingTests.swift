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

    /// Foundation's file errors reach the user as the system's reason, not as an NSError dump.
    func testAFoundationWriteErrorSaysWhatTheSystemSaid() throws {
        let denied = NSError(domain: NSCocoaErrorDomain, code: 513,
                             userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES))])
        let out = folder.appendingPathComponent("dataset")
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out,
                                                        writeImage: { _, _ in throw denied })) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("cannot write the image of frame 1 to "), text)
            XCTAssertTrue(text.hasSuffix(": Permission denied"), text)
            XCTAssertFalse(text.contains("Domain"), text)
        }
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

    func testAnExistingTargetIsRefusedWithoutForceAndAnEarlierExportReplacedWithIt() throws {
        let out = folder.appendingPathComponent("dataset")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out)) { error in
            XCTAssertEqual(error as? ExchangeError, .targetExists(path: out.path))
            XCTAssertTrue("\(error)".contains("--force"))
        }
        // A folder microlabel did not write is not replaced, even with --force.
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out, options: ExportOptions(force: true))) { error in
            XCTAssertTrue("\(error)".contains("did not export"), "\(error)")
        }
        XCTAssertEqual(entries(in: out), ["mine.txt"])

        let export = folder.appendingPathComponent("export")
        _ = try DatasetExporter.export(SampleDataset.make(), format: .coco, to: export)
        XCTAssertTrue(FileManager.default.fileExists(atPath: export.appendingPathComponent(".microlabel-export").path), "exports are marked")
        try Data("stale".utf8).write(to: export.appendingPathComponent("stale.txt"))
        _ = try DatasetExporter.export(SampleDataset.make(), format: .coco, to: export, options: ExportOptions(force: true))
        XCTAssertEqual(entries(in: export), ["annotations"])
        XCTAssertEqual(entries(in: folder), ["dataset", "export"], "the old export is gone, nothing is left beside it")
    }

    func testForceNeverReplacesProtectedPathsOrFoldersHoldingThem() throws {
        let project = folder.appendingPathComponent("p.microlabel")
        let frames = folder.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: false)
        try Data("SQLite format 3\0".utf8).write(to: project)
        try Data("frame".utf8).write(to: frames.appendingPathComponent("1.jpg"))
        var options = ExportOptions(force: true)
        options.protectedPaths = [project, frames]
        for (format, target) in [(DatasetFormat.coco, project), (.mot, project), (.mot, folder!), (.coco, folder!), (.yolo, frames),
                                 (.mot, frames.appendingPathComponent("1.jpg"))] {
            XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: format, to: target, options: options),
                                 "\(format) to \(target.path)")
        }
        // An SQLite file is no MOT export, protected or not.
        let other = folder.appendingPathComponent("other.txt")
        try Data("SQLite format 3\0rest".utf8).write(to: other)
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .mot, to: other, options: ExportOptions(force: true)))
        XCTAssertEqual(try Data(contentsOf: project), Data("SQLite format 3\0".utf8))
        XCTAssertEqual(entries(in: frames), ["1.jpg"])
        XCTAssertEqual(entries(in: folder), ["frames", "other.txt", "p.microlabel"], "no staging output is left behind")
    }

    func testStagingLeftByADeadExportIsRemovedByTheNext() throws {
        let out = folder.appendingPathComponent("set")
        // pid 2^22+1 is above Linux's pid_max default; no process has it.
        let abandoned = folder.appendingPathComponent(".set.partial-4194305-ABCDEF12")
        try FileManager.default.createDirectory(at: abandoned, withIntermediateDirectories: false)
        _ = try DatasetExporter.export(SampleDataset.make(), format: .coco, to: out)
        XCTAssertEqual(entries(in: folder), ["set"])
    }

    func testAMOTFileIsReplacedOnlyWithForce() throws {
        let out = folder.appendingPathComponent("boxes.txt")
        try Data("7,1,0,0,5,5,1,-1,-1\n".utf8).write(to: out)
        XCTAssertThrowsError(try DatasetExporter.export(SampleDataset.make(), format: .mot, to: out))
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), "7,1,0,0,5,5,1,-1,-1\n")
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
