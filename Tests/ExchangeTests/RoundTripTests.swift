import Exchange
import Foundation
import TestSupport
import XCTest

/// Export followed by import gives the same boxes: within 0.5 px, 1 px for VOC's integer corners.
final class RoundTripTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-roundtrip")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func roundTrip(_ format: DatasetFormat, includePending: Bool, tolerance: Double,
                           keepsTracks: Bool, keepsScores: Bool, motFolder: Bool = false,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let dataset = SampleDataset.make()
        let out = folder.appendingPathComponent(format == .mot && !motFolder ? "\(format.rawValue)-\(includePending).txt" : "\(format.rawValue)-\(includePending)")
        _ = try DatasetExporter.export(dataset, format: format, to: out, options: ExportOptions(includePending: includePending),
                                       writeImage: { _, url in try Data([0]).write(to: url) })
        let imported = try DatasetImporter.read(format, from: out, options: ImportOptions(project: dataset))
        XCTAssertEqual(imported.unmatchedImages, [], file: file, line: line)
        XCTAssertEqual(Set(imported.labels), Set(dataset.labels.filter { label in
            SampleDataset.expected(dataset, includePending: includePending).contains { $0.label == label }
        }).union(format == .voc || (format == .mot && !motFolder) ? [] : dataset.labels), file: file, line: line)

        let expected = SampleDataset.expected(dataset, includePending: includePending)
        let actual = imported.boxes.sorted(by: SampleDataset.canonicalOrder)
        XCTAssertEqual(actual.count, expected.count, "\(format)", file: file, line: line)
        for (want, got) in zip(expected, actual) {
            let context = "\(format) frame \(want.frame) \(want.label)"
            XCTAssertEqual(got.frame, want.frame, context, file: file, line: line)
            XCTAssertEqual(got.label, want.label, context, file: file, line: line)
            XCTAssertEqual(got.rect.x, want.rect.x, accuracy: tolerance, context, file: file, line: line)
            XCTAssertEqual(got.rect.y, want.rect.y, accuracy: tolerance, context, file: file, line: line)
            XCTAssertEqual(got.rect.width, want.rect.width, accuracy: tolerance, context, file: file, line: line)
            XCTAssertEqual(got.rect.height, want.rect.height, accuracy: tolerance, context, file: file, line: line)
            if keepsTracks { XCTAssertEqual(got.trackID, want.trackID, context, file: file, line: line) }
            if keepsScores {
                XCTAssertEqual(got.kind, want.kind == .proposal ? .proposal : .accepted, context, file: file, line: line)
                XCTAssertEqual(got.confidence, want.confidence, accuracy: 1e-4, context, file: file, line: line)
            }
        }
    }

    func testCOCO() throws {
        try roundTrip(.coco, includePending: true, tolerance: 0.5, keepsTracks: true, keepsScores: true)
        try roundTrip(.coco, includePending: false, tolerance: 0.5, keepsTracks: true, keepsScores: true)
    }

    func testYOLO() throws {
        try roundTrip(.yolo, includePending: true, tolerance: 0.5, keepsTracks: false, keepsScores: true)
        try roundTrip(.yolo, includePending: false, tolerance: 0.5, keepsTracks: false, keepsScores: true)
    }

    func testVOC() throws {
        try roundTrip(.voc, includePending: false, tolerance: 1, keepsTracks: false, keepsScores: false)
    }

    func testMOT() throws {
        try roundTrip(.mot, includePending: true, tolerance: 0.5, keepsTracks: true, keepsScores: true)
        try roundTrip(.mot, includePending: false, tolerance: 0.5, keepsTracks: true, keepsScores: true, motFolder: true)
    }

    func testCVATVideo() throws {
        try roundTrip(.cvatVideo, includePending: true, tolerance: 0.5, keepsTracks: true, keepsScores: true)
        try roundTrip(.cvatVideo, includePending: false, tolerance: 0.5, keepsTracks: true, keepsScores: true)
    }

    func testCOCOSplitsImportAsOneDataset() throws {
        let dataset = SampleDataset.make()
        let out = folder.appendingPathComponent("split")
        _ = try DatasetExporter.export(dataset, format: .coco, to: out,
                                       options: ExportOptions(split: try SplitSpec(parsing: "train=0.7,val=0.3")))
        let imported = try DatasetImporter.read(.coco, from: out, options: ImportOptions(project: dataset))
        XCTAssertEqual(imported.boxes.count, SampleDataset.expected(dataset, includePending: false).count)
    }

    func testImagesOfAnotherSizeAreScaledToTheProjectFrames() throws {
        let dataset = SampleDataset.make()
        let out = folder.appendingPathComponent("coco")
        _ = try DatasetExporter.export(dataset, format: .coco, to: out)
        var project = dataset
        project.width = 640
        project.height = 480
        let imported = try DatasetImporter.read(.coco, from: out, options: ImportOptions(project: project))
        let first = try XCTUnwrap(imported.boxes.first)
        XCTAssertEqual(first.rect.x, 2 * 10.37, accuracy: 0.01)
        XCTAssertEqual(first.rect.height, 2 * 61.77, accuracy: 0.01)
        XCTAssertEqual(imported.notes.count, 1)
    }
}
