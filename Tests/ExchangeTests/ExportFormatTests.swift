import Exchange
import Foundation
import Geometry
import LabelStore
import TestSupport
import XCTest

final class ExportFormatTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("exchange-export")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func export(_ format: DatasetFormat, _ options: ExportOptions = ExportOptions(), name: String = "out",
                        writer: SampleDataset.RecordingImageWriter? = SampleDataset.RecordingImageWriter()) throws -> (URL, ExportSummary) {
        let out = folder.appendingPathComponent(name)
        let summary = try DatasetExporter.export(SampleDataset.make(), format: format, to: out, options: options,
                                                 writeImage: writer.map { writer in { try writer.write($0, $1) } })
        return (out, summary)
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testCOCOHasImagesCategoriesAndAnnotationsAndScoresOnlyPendingBoxes() throws {
        let writer = SampleDataset.RecordingImageWriter()
        let (out, summary) = try export(.coco, ExportOptions(includePending: true), writer: writer)
        XCTAssertEqual(summary.frameCount, 37)
        XCTAssertEqual(entries(in: out), ["annotations", "images"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("annotations")), ["instances_default.json"])
        // Frames 35-37 (0-based) carry no box and are not exported.
        XCTAssertEqual(writer.calls.map(\.frame), Array(0..<35) + [38, 39])
        XCTAssertEqual(writer.calls.last?.url.lastPathComponent, "000040.jpg")
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("images/default/000040.jpg"), encoding: .utf8), "P6 frame 39")
        XCTAssertEqual(entries(in: out.appendingPathComponent("images")), ["default"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("images/default")).first, "000001.jpg")

        let document = try json(out.appendingPathComponent("annotations/instances_default.json"))
        let categories = try XCTUnwrap(document["categories"] as? [[String: Any]])
        XCTAssertEqual(categories.compactMap { $0["name"] as? String }, SampleDataset.labels)
        XCTAssertEqual(categories.compactMap { $0["id"] as? Int }, [1, 2, 3])
        let images = try XCTUnwrap(document["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 37)
        XCTAssertEqual(images[0]["file_name"] as? String, "000001.jpg")
        XCTAssertEqual(images[0]["width"] as? Int, 320)
        XCTAssertEqual(images[0]["height"] as? Int, 240)
        let annotations = try XCTUnwrap(document["annotations"] as? [[String: Any]])
        XCTAssertEqual(annotations.count, 20 + 30 + 2, "person with proposals, car, dog proposals")
        XCTAssertEqual(Set(annotations.compactMap { $0["id"] as? Int }).count, annotations.count)
        let scored = annotations.filter { $0["score"] != nil }
        XCTAssertEqual(scored.count, 5 + 2)
        let car = try XCTUnwrap(annotations.first { ($0["image_id"] as? Int) == 6 && ($0["category_id"] as? Int) == 2 })
        let bbox = try XCTUnwrap(car["bbox"] as? [Double])
        XCTAssertEqual(bbox, [0, 150.55, 76.923, 40.5], "clipped to the image")
        XCTAssertEqual(car["area"] as? Double ?? 0, 76.923 * 40.5, accuracy: 0.001)
        XCTAssertEqual((car["attributes"] as? [String: Any])?["track_id"] as? Int, 2)

        let (plain, _) = try export(.coco, name: "plain")
        let plainAnnotations = try XCTUnwrap(try json(plain.appendingPathComponent("annotations/instances_default.json"))["annotations"] as? [[String: Any]])
        XCTAssertEqual(plainAnnotations.count, 15 + 30)
        XCTAssertTrue(plainAnnotations.allSatisfy { $0["score"] == nil })
    }

    func testCOCOWithSplitsWritesOneFilePerSplitAndImageFolders() throws {
        let (out, summary) = try export(.coco, ExportOptions(split: try SplitSpec(parsing: "train=0.8,val=0.2")))
        XCTAssertEqual(entries(in: out), ["annotations", "images"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("annotations")), ["instances_train.json", "instances_val.json"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("images")), ["train", "val"])
        var total = 0
        for split in ["train", "val"] {
            let images = try XCTUnwrap(try json(out.appendingPathComponent("annotations/instances_\(split).json"))["images"] as? [[String: Any]])
            let names = images.compactMap { $0["file_name"] as? String }
            XCTAssertEqual(names.sorted(), entries(in: out.appendingPathComponent("images/\(split)")))
            XCTAssertEqual(names.count, summary.framesPerSplit[split])
            total += names.count
        }
        XCTAssertEqual(total, 35)
    }

    func testYOLOLayoutHasOneLabelFilePerImageAndNormalisedLines() throws {
        let (out, summary) = try export(.yolo, ExportOptions(includePending: true))
        XCTAssertEqual(entries(in: out), ["data.yaml", "images", "labels", "predictions"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("labels")), ["train"], "one subset, named as datumaro and Ultralytics expect")
        let labelFiles = entries(in: out.appendingPathComponent("labels/train"))
        let imageFiles = entries(in: out.appendingPathComponent("images/train"))
        XCTAssertEqual(labelFiles.count, 35, "frames with a seed or an accepted box")
        XCTAssertEqual(labelFiles, imageFiles.map { $0.replacingOccurrences(of: ".jpg", with: ".txt") })

        let frame6 = try String(contentsOf: out.appendingPathComponent("labels/train/000006.txt"), encoding: .utf8)
        let lines = frame6.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[1], "1 0.120192 0.711667 0.240384 0.16875")
        let yaml = try String(contentsOf: out.appendingPathComponent("data.yaml"), encoding: .utf8)
        XCTAssertTrue(yaml.contains("train: images/train\nval: images/train\n"), yaml)
        XCTAssertTrue(yaml.contains("# WARNING: exported without --split"), yaml)
        XCTAssertEqual(summary.warnings.count, 1)
        XCTAssertTrue(yaml.contains("names:\n  0: \"person\"\n  1: \"car\"\n  2: \"dog & <cat>\"\n"), yaml)
        XCTAssertTrue(yaml.contains("path: \"\(out.standardizedFileURL.path)\""), yaml)

        // Pending proposals: Ultralytics' prediction lines (a sixth column, the confidence), kept out of labels/.
        let predicted = entries(in: out.appendingPathComponent("predictions/labels/train"))
        XCTAssertEqual(predicted, ["000011.txt", "000012.txt", "000013.txt", "000014.txt", "000015.txt", "000039.txt", "000040.txt"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("predictions/images/train")),
                       predicted.map { $0.replacingOccurrences(of: ".txt", with: ".jpg") })
        XCTAssertFalse(imageFiles.contains("000040.jpg"), "a frame with only proposals would train as background")
        let frame40 = try String(contentsOf: out.appendingPathComponent("predictions/labels/train/000040.txt"), encoding: .utf8)
        XCTAssertEqual(frame40.split(separator: "\n").first?.split(separator: " ").count, 6)
        XCTAssertTrue(frame40.hasSuffix(" 0.875\n"), frame40)
        let frame11 = try String(contentsOf: out.appendingPathComponent("labels/train/000011.txt"), encoding: .utf8)
        XCTAssertTrue(frame11.split(separator: "\n").allSatisfy { $0.split(separator: " ").count == 5 && $0.hasPrefix("1 ") },
                      "only the car's accepted box; the person's proposal is a prediction: \(frame11)")

        let (split, splitSummary) = try export(.yolo, ExportOptions(split: try SplitSpec(parsing: "train=0.8,val=0.2")), name: "split")
        XCTAssertEqual(splitSummary.warnings, [])
        XCTAssertFalse(try String(contentsOf: split.appendingPathComponent("data.yaml"), encoding: .utf8).contains("WARNING"))
    }

    func testYOLOWithSplitsUsesSplitFolders() throws {
        let (out, summary) = try export(.yolo, ExportOptions(split: try SplitSpec(parsing: "train=3,val=1,test=1")))
        for split in ["train", "val", "test"] {
            let labels = entries(in: out.appendingPathComponent("labels/\(split)"))
            XCTAssertEqual(labels.count, summary.framesPerSplit[split])
            XCTAssertEqual(labels.map { $0.replacingOccurrences(of: ".txt", with: ".jpg") },
                           entries(in: out.appendingPathComponent("images/\(split)")))
        }
        let yaml = try String(contentsOf: out.appendingPathComponent("data.yaml"), encoding: .utf8)
        XCTAssertTrue(yaml.contains("train: images/train\nval: images/val\ntest: images/test\n"), yaml)
    }

    func testVOCWritesOneLabelImgStyleXMLPerImage() throws {
        let (out, _) = try export(.voc, ExportOptions(split: try SplitSpec(parsing: "train=0.5,val=0.5")))
        XCTAssertEqual(entries(in: out), ["Annotations", "ImageSets", "JPEGImages", "labelmap.txt"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("Annotations")).count, 35)
        let xml = try String(contentsOf: out.appendingPathComponent("Annotations/000006.xml"), encoding: .utf8)
        XCTAssertTrue(xml.hasPrefix("<annotation>\n\t<folder>JPEGImages</folder>\n\t<filename>000006.jpg</filename>\n"), xml)
        XCTAssertTrue(xml.contains("<size>\n\t\t<width>320</width>\n\t\t<height>240</height>\n\t\t<depth>3</depth>\n\t</size>"), xml)
        XCTAssertTrue(xml.contains("<truncated>1</truncated>"), "the car touches the left border")
        XCTAssertTrue(xml.contains("<xmin>0</xmin>\n\t\t\t<ymin>151</ymin>\n\t\t\t<xmax>77</xmax>\n\t\t\t<ymax>191</ymax>"), xml)
        let train = try String(contentsOf: out.appendingPathComponent("ImageSets/Main/train.txt"), encoding: .utf8)
        let val = try String(contentsOf: out.appendingPathComponent("ImageSets/Main/val.txt"), encoding: .utf8)
        XCTAssertEqual(train.split(separator: "\n").count + val.split(separator: "\n").count, 35)
        let labelMap = try String(contentsOf: out.appendingPathComponent("labelmap.txt"), encoding: .utf8)
        XCTAssertEqual(labelMap, "# label:color_rgb:parts:actions\nperson:::\ncar:::\ndog & <cat>:::\n")

        let (plain, _) = try export(.voc, name: "plain")
        XCTAssertEqual(entries(in: plain.appendingPathComponent("ImageSets/Main")), ["default.txt"])
        XCTAssertEqual(try String(contentsOf: plain.appendingPathComponent("ImageSets/Main/default.txt"), encoding: .utf8)
            .split(separator: "\n").count, 35)
    }

    func testVOCRefusesPendingProposalsItCannotMark() throws {
        XCTAssertThrowsError(try export(.voc, ExportOptions(includePending: true), name: "pending")) { error in
            XCTAssertTrue("\(error)".contains("Pascal VOC has no way to mark a box as a prediction"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("pending").path))
        var dataset = SampleDataset.make()
        dataset.labels.append("a:b")
        dataset.boxes.append(DatasetBox(frame: 0, trackID: 9, label: "a:b", rect: BoxRect(x: 1, y: 1, width: 5, height: 5), kind: .accepted))
        XCTAssertThrowsError(try DatasetExporter.export(dataset, format: .voc, to: folder.appendingPathComponent("colon"))) { error in
            XCTAssertTrue("\(error)".contains("labelmap.txt"), "\(error)")
        }
    }

    func testMOTFolderIsASequenceWithClassNamesAndDetectionsApart() throws {
        let writer = SampleDataset.RecordingImageWriter()
        let (out, summary) = try export(.mot, ExportOptions(includePending: true), name: "seq", writer: writer)
        XCTAssertEqual(entries(in: out), ["det", "gt", "img1"])
        XCTAssertEqual(entries(in: out.appendingPathComponent("gt")), ["gt.txt", "labels.txt"])
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("gt/labels.txt"), encoding: .utf8), "person\ncar\ndog & <cat>\n")
        let gt = try String(contentsOf: out.appendingPathComponent("gt/gt.txt"), encoding: .utf8).split(separator: "\n")
        let det = try String(contentsOf: out.appendingPathComponent("det/det.txt"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(gt.count, 45)
        XCTAssertEqual(det.count, 7)
        XCTAssertTrue(gt.allSatisfy { $0.split(separator: ",")[6] == "1" })
        XCTAssertEqual(det.last, "40,7,280.25,190.5,39.75,49.5,0.875,3,1")
        XCTAssertEqual(writer.calls.count, summary.frameCount)
        XCTAssertEqual(entries(in: out.appendingPathComponent("img1")).first, "000001.jpg")
    }

    func testMOTIsOneTextFileWithOneBasedFramesAndConfidences() throws {
        let writer = SampleDataset.RecordingImageWriter()
        let (out, _) = try export(.mot, ExportOptions(includePending: true), name: "boxes.txt", writer: writer)
        XCTAssertTrue(writer.calls.isEmpty, "MOT writes no images")
        XCTAssertEqual(entries(in: folder), ["boxes.txt"])
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 52)
        // Numbers are written exactly, as Swift prints the Double.
        let first = SampleDataset.make().boxes[0].rect
        XCTAssertEqual(lines[0], "1,1,10.37,20.81,30.29,\(first.height),1,1,1")
        XCTAssertTrue(lines.contains("6,2,0,150.55,\(80.123 - 3.2),40.5,1,2,1"), "clipped, conf 1 for a seed")
        let proposal = SampleDataset.make().boxes[10]
        XCTAssertTrue(lines.contains("11,1,\(proposal.rect.x),\(proposal.rect.y),30.29,\(proposal.rect.height),\(proposal.confidence),1,1"))
        XCTAssertEqual(lines.last, "40,7,280.25,190.5,39.75,49.5,0.875,3,1")

        let (plain, _) = try export(.mot, name: "plain.txt")
        let plainLines = try String(contentsOf: plain, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(plainLines.count, 45)
        XCTAssertTrue(plainLines.allSatisfy { $0.split(separator: ",")[6] == "1" })
    }

    func testCVATTracksHaveKeyframesAndOutsideAfterGapsAndEnds() throws {
        let (out, _) = try export(.cvatVideo, ExportOptions(includePending: true))
        XCTAssertEqual(entries(in: out), ["annotations.xml", "images"])
        let images = entries(in: out.appendingPathComponent("images"))
        XCTAssertEqual(images.first, "frame_000000.png", "0-based PNG names, as CVAT exports frames")
        XCTAssertEqual(images.last, "frame_000039.png")
        XCTAssertThrowsError(try export(.cvatVideo, ExportOptions(imageExtension: "jpg"), name: "jpg"))
        let xml = try String(contentsOf: out.appendingPathComponent("annotations.xml"), encoding: .utf8)
        XCTAssertTrue(xml.contains("<version>1.1</version>"))
        XCTAssertTrue(xml.contains("<size>40</size>"))
        XCTAssertTrue(xml.contains("<stop_frame>39</stop_frame>"))
        XCTAssertTrue(xml.contains("<name>dog &amp; &lt;cat&gt;</name>"))
        let tracks: [String] = Array(xml.components(separatedBy: "<track ").dropFirst())
        XCTAssertEqual(tracks.count, 3)

        struct Box { var frame: Int; var outside: Bool; var scored: Bool }
        func boxes(_ track: String) -> [Box] {
            let pieces: [String] = Array(track.components(separatedBy: "<box ").dropFirst())
            return pieces.map { (text: String) -> Box in
                let frame = Int(text.components(separatedBy: "frame=\"")[1].prefix { $0 != "\"" })!
                let body = text.components(separatedBy: "</box>")[0]
                return Box(frame: frame, outside: text.contains("outside=\"1\""), scored: body.contains("<attribute name=\"score\">"))
            }
        }
        let person = boxes(tracks[0])
        XCTAssertTrue(tracks[0].hasPrefix("id=\"1\" label=\"person\" source=\"semi-auto\">"), tracks[0])
        XCTAssertEqual(person.filter(\.outside).map(\.frame), [15, 25], "outside at the gap and after the last box")
        XCTAssertEqual(person.filter { !$0.outside }.map(\.frame), Array(0..<15) + Array(20..<25))
        XCTAssertEqual(person.filter(\.scored).map(\.frame), Array(10..<15))
        let car = boxes(tracks[1])
        XCTAssertEqual(car.filter(\.outside).map(\.frame), [35])
        let dog = boxes(tracks[2])
        XCTAssertEqual(dog.map(\.frame), [38, 39], "a track ending on the last frame gets no outside box")
        XCTAssertFalse(dog.contains { $0.outside })
        XCTAssertTrue(xml.contains("<box frame=\"5\" keyframe=\"1\" outside=\"0\" occluded=\"0\" xtl=\"0\" ytl=\"150.55\" xbr=\"76.92\" ybr=\"191.05\""), xml)
    }

    func testFiltersSelectLabelsAndFrames() throws {
        let (out, summary) = try export(.mot, ExportOptions(labels: ["car"], frames: 9...11), name: "car.txt")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.map { $0.split(separator: ",")[0] }, ["10", "11", "12"])
        XCTAssertTrue(lines.allSatisfy { $0.hasSuffix(",1,1") }, "car is class 1 among the exported labels")
        XCTAssertEqual(summary.boxCount, 3)

        XCTAssertThrowsError(try export(.mot, ExportOptions(labels: ["horse"]), name: "horse.txt")) { error in
            XCTAssertTrue("\(error)".contains("unknown label 'horse'"), "\(error)")
        }
    }

    func testProgressIsReportedPerExportedFrame() throws {
        var reports: [(Int, Int)] = []
        let writer = SampleDataset.RecordingImageWriter()
        _ = try DatasetExporter.export(SampleDataset.make(), format: .yolo, to: folder.appendingPathComponent("p"),
                                       writeImage: { try writer.write($0, $1) }, progress: { reports.append(($0, $1)) })
        XCTAssertEqual(reports.count, 35)
        XCTAssertEqual(reports.map(\.0), Array(1...35))
        XCTAssertTrue(reports.allSatisfy { $0.1 == 35 })
    }
}
