import Geometry
import LabelStore
import Exchange
import Foundation
import TestSupport
import XCTest

/// One dataset from several videos: class ids by label name, traceable image names, splits that
/// never put one video's frames in two splits when there are videos enough, and the report.
final class MultiVideoExportTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-multi")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A video named `name` with one box of `label` on each of `frames` frames.
    private func video(_ name: String, labels: [String], boxes: [(label: String, frames: Range<Int>)]) -> Dataset {
        var all: [DatasetBox] = []
        for (object, entry) in boxes.enumerated() {
            for frame in entry.frames {
                all.append(DatasetBox(frame: frame, trackID: Int64(object + 1), label: entry.label,
                                      rect: BoxRect(x: 10 + Double(frame), y: 20, width: 30, height: 40), kind: .accepted))
            }
        }
        return Dataset(name: name, labels: labels, boxes: all, frameCount: 100, width: 320, height: 240)
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testWholeVideosGoToOneSplitEachWithClassIdsByName() throws {
        let videos = [
            video("street", labels: ["person", "car"], boxes: [("person", 0..<30), ("car", 10..<20)]),
            video("park", labels: ["car", "dog", "person"], boxes: [("dog", 0..<10)]),
            video("yard", labels: ["dog"], boxes: [("dog", 50..<60), ("dog", 55..<58)]),
        ]
        let out = folder.appendingPathComponent("coco")
        let summary = try DatasetExporter.export(videos, format: .coco, to: out,
                                                 options: ExportOptions(split: try SplitSpec(parsing: "train=0.6,val=0.2,test=0.2")),
                                                 writeImage: { video, frame, url in try Data("\(video)/\(frame)".utf8).write(to: url) })
        XCTAssertEqual(summary.report.splitUnit, "whole videos")
        XCTAssertEqual(summary.report.videos.map(\.name), ["street", "park", "yard"])
        XCTAssertEqual(summary.report.videos.map(\.boxes), [40, 10, 13])
        XCTAssertEqual(summary.report.labels.map(\.name), ["person", "car", "dog"])
        XCTAssertEqual(summary.report.labels.map(\.boxes), [30, 10, 23])
        XCTAssertEqual(summary.report.splits.map(\.boxes), [40, 10, 13])
        XCTAssertTrue(summary.report.description.contains("split (whole videos)"), summary.report.description)

        XCTAssertEqual(entries(in: out.appendingPathComponent("images/train")).first, "street_000001.jpg")
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("images/val/park_000001.jpg"), encoding: .utf8), "1/0")
        XCTAssertEqual(entries(in: out.appendingPathComponent("images/test")).first, "yard_000051.jpg")
        let val = try json(out.appendingPathComponent("annotations/instances_val.json"))
        let categories = try XCTUnwrap(val["categories"] as? [[String: Any]])
        XCTAssertEqual(categories.compactMap { $0["name"] as? String }, ["person", "car", "dog"], "the same classes in every file")
        let annotations = try XCTUnwrap(val["annotations"] as? [[String: Any]])
        XCTAssertTrue(annotations.allSatisfy { $0["category_id"] as? Int == 3 }, "park's dog is class 3 everywhere")
        let train = try json(out.appendingPathComponent("annotations/instances_train.json"))
        let ids = try XCTUnwrap(train["images"] as? [[String: Any]]).compactMap { $0["id"] as? Int }
        XCTAssertEqual(Set(ids).count, ids.count)

        // Back into one project: its own frames only; another video's images are reported, not imported.
        let back = try DatasetImporter.read(.coco, from: out, options: ImportOptions(project: videos[1]))
        XCTAssertEqual(back.boxes.count, 10)
        XCTAssertEqual(back.unmatchedImages.count, 30 + 10, "street's and yard's images")
    }

    func testTooFewVideosAreCutIntoSegmentsThatNeverSpanTwoVideos() throws {
        let spec = try SplitSpec(parsing: "train=0.6,val=0.2,test=0.2")
        let assignment = spec.assign(videos: [Array(0..<200), Array(0..<100)])
        XCTAssertEqual(assignment.unit, "segments of each video")
        var counts = [0, 0, 0]
        for video in assignment.splits { for split in video.values { counts[split] += 1 } }
        XCTAssertEqual(counts.reduce(0, +), 300)
        XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "\(counts)")
        XCTAssertEqual(Double(counts[0]) / 300, 0.6, accuracy: 0.1)
        // Blocks are runs of consecutive frames within a video: few boundaries per video.
        for video in assignment.splits {
            let frames = video.keys.sorted()
            let changes = zip(frames, frames.dropFirst()).filter { video[$0.0] != video[$0.1] }.count
            XCTAssertLessThanOrEqual(changes, 20)
        }
        // Enough videos: each goes whole to one split, and every split gets one.
        let whole = spec.assign(videos: [Array(0..<50), Array(0..<20), Array(0..<20), Array(0..<10)])
        XCTAssertEqual(whole.unit, "whole videos")
        XCTAssertTrue(whole.splits.allSatisfy { Set($0.values).count == 1 })
        XCTAssertEqual(Set(whole.splits.map { $0.values.first! }), [0, 1, 2])
    }

    func testFormatsThatHoldOneVideoRefuseSeveral() throws {
        let videos = [video("a", labels: ["x"], boxes: [("x", 0..<3)]), video("b", labels: ["x"], boxes: [("x", 0..<3)])]
        for format in [DatasetFormat.mot, .cvatVideo] {
            XCTAssertThrowsError(try DatasetExporter.export(videos, format: format, to: folder.appendingPathComponent(format.rawValue),
                                                            writeImage: nil)) { error in
                XCTAssertTrue("\(error)".contains("holds one video"), "\(error)")
            }
        }
        // Two videos with the same name stay apart in the image names.
        let same = [video("clip", labels: ["x"], boxes: [("x", 0..<2)]), video("clip", labels: ["x"], boxes: [("x", 0..<2)])]
        let out = folder.appendingPathComponent("yolo")
        _ = try DatasetExporter.export(same, format: .yolo, to: out, writeImage: { _, _, url in try Data().write(to: url) })
        XCTAssertEqual(entries(in: out.appendingPathComponent("images/train")),
                       ["clip-2_000001.jpg", "clip-2_000002.jpg", "clip_000001.jpg", "clip_000002.jpg"])
    }
}
