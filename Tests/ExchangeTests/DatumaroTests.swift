import Geometry
import LabelStore
import Exchange
import Foundation
import Imaging
import TestSupport
import XCTest

/// Every export loads unchanged in datumaro (installed with pip in CI), with the right format, counts,
/// class names and coordinates; and what datumaro converts it to imports back into microlabel.
/// One python process runs all of datumaro's side, because importing datumaro takes seconds.
final class DatumaroTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-datumaro")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Two labels, two objects, 20 frames of 320x240: a person seen on 0-7 and 12-15 (a gap and an
    /// end before the video's, each closed by CVAT's `outside` keyframe), a car on 4-19, and two
    /// pending proposals (frames 8-9) that are not exported unless asked.
    static func project() -> Dataset {
        var boxes: [DatasetBox] = []
        for frame in Array(0..<8) + Array(12..<16) {
            boxes.append(DatasetBox(frame: frame, trackID: 1, label: "person",
                                    rect: BoxRect(x: 10.25 + 3.5 * Double(frame), y: 20.5, width: 40.75, height: 90.125),
                                    kind: frame == 0 ? .seed : .accepted))
        }
        for frame in 8..<10 {
            boxes.append(DatasetBox(frame: frame, trackID: 1, label: "person",
                                    rect: BoxRect(x: 40, y: 20, width: 40, height: 90), kind: .proposal, confidence: 0.25 + 0.125 * Double(frame - 8)))
        }
        for frame in 4..<20 {
            boxes.append(DatasetBox(frame: frame, trackID: 2, label: "car",
                                    rect: BoxRect(x: 300.5 - 6.25 * Double(frame), y: 150.75, width: 60.5, height: 30.25),
                                    kind: frame == 4 ? .seed : .accepted))
        }
        return Dataset(name: "street", labels: ["person", "car"], boxes: boxes, frameCount: 20, width: 320, height: 240, fps: 25)
    }

    static let confirmed = 12 + 16

    private struct Loaded: Decodable {
        struct Box: Decodable {
            var item: String
            var subset: String
            var label: String?
            var x: Double, y: Double, w: Double, h: Double
            var outside: Bool
            var score: Double?
        }
        var detected: [String]
        var error: String?
        var filtered: Int?
        var lxmlParsed: Int?
        var labels: [String]?
        var boxes: [Box]?
    }

    private struct Job: Encodable {
        struct Conversion: Encodable { var format: String; var to: String }
        struct Load: Encodable {
            var path: String
            var format: String?
            var convert: [Conversion]
            /// Also count the boxes left by the README's filter for CVAT's track-closing keyframes.
            var filterOutside = false
            /// Also parse every .xml file below the path with lxml, which refuses any malformed XML.
            var lxml = false
        }
        var load: [Load]
    }

    private static let script = """
        import json, logging, sys, warnings
        logging.disable(logging.CRITICAL)
        warnings.filterwarnings("ignore")
        from datumaro.components.annotation import AnnotationType
        from datumaro.components.dataset import Dataset
        from datumaro.components.environment import Environment
        import glob, os
        from lxml import etree
        job = json.load(open(sys.argv[1]))
        env = Environment()
        report = {}
        for entry in job["load"]:
            path = entry["path"]
            record = {"detected": sorted(env.detect_dataset(path))}
            if entry["lxml"]:
                files = glob.glob(os.path.join(path, "**", "*.xml"), recursive=True)
                record["lxmlParsed"] = sum(1 for name in files if etree.parse(name).getroot() is not None)
            try:
                dataset = Dataset.import_from(path, entry["format"]) if entry.get("format") else Dataset.import_from(path)
                names = [label.name for label in dataset.categories()[AnnotationType.label]]
                boxes = []
                for item in dataset:
                    for ann in item.annotations:
                        if ann.type != AnnotationType.bbox:
                            continue
                        x, y, w, h = ann.get_bbox()
                        score = ann.attributes.get("score")
                        boxes.append(dict(item=str(item.id), subset=item.subset,
                                          label=None if ann.label is None else names[ann.label],
                                          x=x, y=y, w=w, h=h, outside=bool(ann.attributes.get("outside", False)),
                                          score=None if score is None else float(score)))
                record.update(labels=names, boxes=boxes)
                if entry["filterOutside"]:
                    kept = dataset.filter('/item/annotation[outside="False"]', filter_annotations=True, remove_empty=True)
                    record["filtered"] = sum(len(item.annotations) for item in kept)
                for conversion in entry["convert"]:
                    dataset.export(conversion["to"], conversion["format"], save_media=True)
            except Exception as error:
                record["error"] = "%s: %s" % (type(error).__name__, error)
            report[path] = record
        print(json.dumps(report))
        """

    private func datumaro(_ job: Job) throws -> [String: Loaded] {
        try Python.require("datumaro", package: "datumaro")
        let jobFile = folder.appendingPathComponent("job.json")
        try JSONEncoder().encode(job).write(to: jobFile)
        let result = try Python.run(["-c", Self.script, jobFile.path])
        XCTAssertEqual(result.status, 0, result.output)
        guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            XCTFail("no report from datumaro: \(result.output)")
            return [:]
        }
        return try JSONDecoder().decode([String: Loaded].self, from: Data(line.utf8))
    }

    /// Real images (datumaro reads YOLO's image sizes from them): a flat grey frame of the project's size.
    private func imageWriter(_ dataset: Dataset) -> ImageWriter {
        { frame, url in
            var image = RGBImage(width: dataset.width, height: dataset.height)
            image.pixels = [UInt8](repeating: UInt8(40 + frame * 5), count: dataset.width * dataset.height * 3)
            try ImageCodec.write(image, to: url)
        }
    }

    /// The confirmed boxes of the project, keyed by 0-based frame and label, clipped as the export clips them.
    private func expectedBoxes(_ dataset: Dataset, pending: Bool = false) -> [DatasetBox] {
        dataset.boxes.filter { $0.kind != .rejected && (pending || $0.kind != .proposal) }.map { box in
            var clipped = box
            clipped.rect = box.rect.clipped(toWidth: dataset.width, height: dataset.height)!
            return clipped
        }
    }

    /// The 0-based frame of a datumaro item id: `000042` (1-based), `frame_000041` (CVAT), `42` (MOT).
    private func frame(ofItem id: String) -> Int? {
        if id.hasPrefix("frame_") { return Int(id.dropFirst(6)) }
        return Int(id).map { $0 - 1 }
    }

    private func assertSame(_ loaded: [Loaded.Box], _ expected: [DatasetBox], tolerance: Double, _ context: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(loaded.count, expected.count, context, file: file, line: line)
        var remaining = expected
        for box in loaded {
            guard let frame = frame(ofItem: box.item) else {
                XCTFail("\(context): item \(box.item) names no frame", file: file, line: line)
                continue
            }
            guard let match = remaining.firstIndex(where: { want in
                want.frame == frame && want.label == box.label && abs(want.rect.x - box.x) <= tolerance
                    && abs(want.rect.y - box.y) <= tolerance && abs(want.rect.width - box.w) <= tolerance
                    && abs(want.rect.height - box.h) <= tolerance
            }) else {
                XCTFail("\(context): no expected box for \(box)", file: file, line: line)
                continue
            }
            remaining.remove(at: match)
        }
    }

    private func assertImports(_ format: DatasetFormat, _ url: URL, _ dataset: Dataset, tolerance: Double, _ context: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        do {
            let result = try DatasetImporter.read(format, from: url, options: ImportOptions(project: dataset))
            XCTAssertEqual(result.unmatchedImages, [], context, file: file, line: line)
            XCTAssertTrue(Set(dataset.labels).isSubset(of: Set(result.labels)), "\(context): \(result.labels)", file: file, line: line)
            let expected = expectedBoxes(dataset)
            XCTAssertEqual(result.boxes.count, expected.count, context, file: file, line: line)
            var remaining = expected
            for box in result.boxes {
                guard let match = remaining.firstIndex(where: { want in
                    want.frame == box.frame && want.label == box.label && abs(want.rect.x - box.rect.x) <= tolerance
                        && abs(want.rect.y - box.rect.y) <= tolerance && abs(want.rect.width - box.rect.width) <= tolerance
                        && abs(want.rect.height - box.rect.height) <= tolerance
                }) else {
                    XCTFail("\(context): no expected box for \(box)", file: file, line: line)
                    continue
                }
                remaining.remove(at: match)
            }
        } catch {
            XCTFail("\(context): \(error)", file: file, line: line)
        }
    }

    func testEveryExportLoadsInDatumaroAndRoundTripsThroughIt() throws {
        let dataset = Self.project()
        let split = try SplitSpec(parsing: "train=0.5,val=0.5")
        struct Case { var name: String; var format: DatasetFormat; var split: SplitSpec?; var detected: String; var family: String }
        let cases = [
            Case(name: "coco", format: .coco, split: nil, detected: "coco_instances", family: "coco"),
            Case(name: "coco-split", format: .coco, split: split, detected: "coco_instances", family: "coco"),
            Case(name: "yolo", format: .yolo, split: nil, detected: "yolo", family: "yolo"),
            Case(name: "yolo-split", format: .yolo, split: split, detected: "yolo", family: "yolo"),
            Case(name: "voc", format: .voc, split: nil, detected: "voc", family: "voc"),
            Case(name: "voc-split", format: .voc, split: split, detected: "voc", family: "voc"),
            Case(name: "mot", format: .mot, split: nil, detected: "mot_seq", family: "mot_seq"),
            Case(name: "cvat", format: .cvatVideo, split: nil, detected: "cvat", family: "cvat"),
        ]
        // datumaro writes another format from each export; microlabel must import that.
        let conversions: [String: [(format: String, importAs: DatasetFormat, tolerance: Double)]] = [
            "coco": [("voc", .voc, 1), ("mot_seq_gt", .mot, 0.5)],
            "coco-split": [("yolo", .yolo, 0.5)],
            "yolo-split": [("yolo_ultralytics", .yolo, 0.5), ("coco_instances", .coco, 0.5), ("cvat", .cvatVideo, 0.5)],
            "voc": [("coco_instances", .coco, 1)],
            "mot": [("coco_instances", .coco, 0.5), ("mot_seq_gt", .mot, 0.5)],
            "cvat": [("coco_instances", .coco, 0.5), ("voc", .voc, 1), ("cvat", .cvatVideo, 0.5)],
        ]
        var job = Job(load: [])
        for entry in cases {
            let out = folder.appendingPathComponent(entry.name)
            _ = try DatasetExporter.export(dataset, format: entry.format, to: out, options: ExportOptions(split: entry.split),
                                           writeImage: imageWriter(dataset))
            let convert = (conversions[entry.name] ?? []).map {
                Job.Conversion(format: $0.format, to: folder.appendingPathComponent("\(entry.name)-to-\($0.format)").path)
            }
            // Every VOC dataset also matches datumaro's single-task VOC variants, so a user names it.
            job.load.append(Job.Load(path: out.path, format: entry.format == .voc ? "voc" : nil, convert: convert,
                                     filterOutside: entry.format == .cvatVideo, lxml: entry.format == .voc || entry.format == .cvatVideo))
        }
        let report = try datumaro(job)

        for entry in cases {
            let path = folder.appendingPathComponent(entry.name).path
            guard let loaded = report[path] else {
                XCTFail("\(entry.name): datumaro gave no report")
                continue
            }
            // Auto-detection names the format (VOC's single-task variants always match along with it).
            XCTAssertTrue(loaded.detected.contains(entry.detected), "\(entry.name): \(loaded.detected)")
            XCTAssertTrue(loaded.detected.allSatisfy { $0.hasPrefix(entry.family) }, "\(entry.name): \(loaded.detected)")
            XCTAssertNil(loaded.error, "\(entry.name): \(loaded.error ?? "")")
            XCTAssertEqual(loaded.labels.map { Array($0.prefix(2)) }, ["person", "car"], entry.name)
            let boxes = loaded.boxes ?? []
            // datumaro keeps CVAT's track-closing keyframes as boxes flagged `outside`: one after the
            // person's gap (frame 8) and one after its last box (frame 16); the car runs to the end.
            let closing = boxes.filter(\.outside)
            XCTAssertEqual(closing.map { frame(ofItem: $0.item) ?? -1 }.sorted(), entry.format == .cvatVideo ? [8, 16] : [], entry.name)
            let visible = boxes.filter { !$0.outside }
            if entry.format == .cvatVideo {
                XCTAssertEqual(loaded.filtered, Self.confirmed, "datumaro's filter on outside leaves the real boxes")
                XCTAssertEqual(loaded.lxmlParsed, 1, "annotations.xml parses in lxml")
            }
            if entry.format == .voc {
                XCTAssertEqual(loaded.lxmlParsed, 20, "one XML per frame with a box, each parsing in lxml")
            }
            assertSame(visible, expectedBoxes(dataset), tolerance: entry.format == .voc ? 0.5 : 0.01, entry.name)
            if let split = entry.split {
                XCTAssertEqual(Set(visible.map(\.subset)), Set(split.parts.map(\.name)), entry.name)
            }

            for conversion in conversions[entry.name] ?? [] {
                let converted = folder.appendingPathComponent("\(entry.name)-to-\(conversion.format)")
                assertImports(conversion.importAs, converted, dataset, tolerance: conversion.tolerance,
                              "\(entry.name) -> datumaro \(conversion.format) -> import")
            }
        }
    }

    func testPendingProposalsAreMarkedTheWayDatumaroReadsThem() throws {
        let dataset = Self.project()
        let coco = folder.appendingPathComponent("coco-pending")
        let yolo = folder.appendingPathComponent("yolo-pending")
        let options = ExportOptions(includePending: true, split: try SplitSpec(parsing: "train=0.5,val=0.5"))
        _ = try DatasetExporter.export(dataset, format: .coco, to: coco, options: options, writeImage: imageWriter(dataset))
        _ = try DatasetExporter.export(dataset, format: .yolo, to: yolo, options: options, writeImage: imageWriter(dataset))
        let report = try datumaro(Job(load: [Job.Load(path: coco.path, format: nil, convert: []),
                                             Job.Load(path: yolo.path, format: nil, convert: [])]))
        let cocoBoxes = report[coco.path]?.boxes ?? []
        XCTAssertEqual(cocoBoxes.count, Self.confirmed + 2)
        XCTAssertEqual(cocoBoxes.compactMap(\.score).sorted(), [0.25, 0.375], "COCO's score marks the proposals")
        // YOLO: the training labels hold the confirmed boxes only; the proposals wait in predictions/.
        XCTAssertNil(report[yolo.path]?.error)
        XCTAssertEqual(report[yolo.path]?.boxes?.count, Self.confirmed)
    }
}
