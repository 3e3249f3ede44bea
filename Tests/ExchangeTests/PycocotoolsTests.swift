import Exchange
import Foundation
import TestSupport
import XCTest

/// The COCO export loads unchanged in pycocotools (installed with pip in CI).
final class PycocotoolsTests: XCTestCase {
    func testCOCOExportLoadsAndEvaluatesInPycocotools() throws {
        try Python.require("pycocotools.coco", package: "pycocotools")
        let folder = try Fixtures.temporaryDirectory("exchange-pycocotools")
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = SampleDataset.make()
        let out = folder.appendingPathComponent("coco")
        _ = try DatasetExporter.export(dataset, format: .coco, to: out, options: ExportOptions(includePending: true))

        // Load the file, then score its own boxes as detections: a loadable, consistent file gives AP 1.
        let script = """
            import contextlib, io, sys
            from pycocotools.coco import COCO
            from pycocotools.cocoeval import COCOeval
            with contextlib.redirect_stdout(io.StringIO()):
                gt = COCO(sys.argv[1])
                anns = gt.loadAnns(gt.getAnnIds())
                dets = [dict(image_id=a["image_id"], category_id=a["category_id"], bbox=a["bbox"], score=a.get("score", 1.0)) for a in anns]
                ev = COCOeval(gt, gt.loadRes(dets), "bbox")
                ev.evaluate(); ev.accumulate(); ev.summarize()
            names = [c["name"] for c in gt.loadCats(gt.getCatIds())]
            scored = sum(1 for a in anns if "score" in a)
            print(len(gt.getImgIds()), len(anns), scored, "|".join(names), "%.4f" % ev.stats[0])
            """
        let result = try Python.run(["-c", script, out.appendingPathComponent("annotations/instances_default.json").path])
        XCTAssertEqual(result.status, 0, result.output)
        let expectedBoxes = SampleDataset.expected(dataset, includePending: true)
        let frames = Set(expectedBoxes.map(\.frame)).count
        let pending = expectedBoxes.filter { $0.kind == .proposal }.count
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines),
                       "\(frames) \(expectedBoxes.count) \(pending) \(SampleDataset.labels.joined(separator: "|")) 1.0000")
    }
}
