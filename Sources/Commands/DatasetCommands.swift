import Exchange
import Foundation
import Imaging
import LabelStore
import MicroModel

enum ExportCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "export",
            summary: "Write the reviewed boxes as a dataset (COCO, YOLO, Pascal VOC, MOT, CVAT video).",
            usage: "PROJECT [PROJECT...] --format coco|yolo|voc|mot|cvat-video --out PATH [--include-pending] [--labels a,b] [--frames A-B] [--split train=0.8,val=0.2] [--image-format jpg|png] [--report] [--force]",
            positionals: [("PROJECT", "The project file; several projects (videos) make one dataset (coco, yolo, voc).")],
            details: """
            By default seeds and accepted boxes are written; rejected boxes never are. Every frame with a
            box is written as an image named by its 1-based number (000042.jpg; VIDEO_000042.jpg when
            several projects are exported, VIDEO being the project's name; frame_000041.png, 0-based,
            for cvat-video as CVAT names them). Frames without boxes are not written. Layouts:
            coco annotations/instances_<subset>.json + images/<subset>/ (subset 'default' without
            --split); yolo data.yaml + images/ + labels/; voc Annotations/ + JPEGImages/ +
            ImageSets/Main/<subset>.txt + labelmap.txt; mot DIR/gt/gt.txt + gt/labels.txt + img1/;
            cvat-video annotations.xml + images/. The export is built under a temporary name and
            renamed at the end, so an interrupted export leaves nothing under PATH.
            """,
            repeatsLastPositional: true),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let format = Option<String>("format", "FORMAT", "coco, yolo, voc, mot or cvat-video.")
        let out = Option<String>("out", "PATH", "The folder to create; for mot, a FILE.txt writes one MOT file instead.")
        let includePending = Flag("include-pending", "Also write pending proposals as predictions: COCO score, YOLO predictions/ with a confidence column, MOT det/det.txt (or conf in a FILE.txt), a CVAT score attribute. VOC cannot mark them and refuses.")
        let labels = Option.list("labels", "LIST", "Only these labels.")
        let frames = Option<String>("frames", "A-B", "Only frames A to B (1-based, inclusive).")
        let split = Option<String>("split", "SPEC", "Splits by weight, e.g. train=0.8,val=0.2 (coco, yolo, voc): contiguous segments of a video; with several projects, whole videos.")
        let imageFormat = Option<String>("image-format", "jpg|png", "Image files to write (default jpg; cvat-video always png).")
        let report = Flag("report", "Print boxes per label, per project and per split.")
        let force = Flag("force", "Replace an existing output.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        _ = try arguments.positional(0, "PROJECT")
        let projectArguments = arguments.positionals
        let formatName = try arguments.required(\.format)
        guard let format = DatasetFormat(rawValue: formatName), format.canExport else {
            throw UsageError(command: "export", message: "--format must be coco, yolo, voc, mot or cvat-video, not '\(formatName)'")
        }
        if projectArguments.count > 1 && (format == .mot || format == .cvatVideo) {
            throw UsageError(command: "export", message: "\(format.rawValue) holds one video; export several projects as coco, yolo or voc")
        }
        let out = URL(fileURLWithPath: try arguments.required(\.out)).standardizedFileURL
        var options = ExportOptions()
        options.includePending = arguments.flag(\.includePending)
        options.labels = try arguments.value(\.labels)
        options.force = arguments.flag(\.force)
        do {
            if let frames = try arguments.value(\.frames) { options.frames = try ExportOptions.frames(parsing: frames) }
            if let split = try arguments.value(\.split) { options.split = try SplitSpec(parsing: split) }
        } catch {
            throw UsageError(command: "export", message: "\(error)")
        }
        if let imageFormat = try arguments.value(\.imageFormat) {
            guard ["jpg", "png"].contains(imageFormat) else {
                throw UsageError(command: "export", message: "--image-format must be jpg or png, not '\(imageFormat)'")
            }
            options.imageExtension = imageFormat
        }
        if options.includePending && format == .voc {
            throw UsageError(command: "export", message: "Pascal VOC has no way to mark a box as a prediction; leave out --include-pending or export coco, yolo, mot or cvat-video")
        }

        var datasets: [Dataset] = []
        var writers: [ImageWriter] = []
        var seen = Set<String>()
        let needsImages = !(format == .mot && out.pathExtension.lowercased() == "txt")
        for argument in projectArguments {
            let project = try ProjectPaths.openForReading(argument)
            guard seen.insert(project.url.resolvingSymlinksInPath().path).inserted else {
                throw UsageError(command: "export", message: "\(project.url.path) is named twice")
            }
            let input = try DatasetBridge.exportInput(project, frames: try ProjectPaths.frames(of: project), withImages: needsImages)
            options.protectedPaths += input.protectedPaths
            // A frame that cannot be read has no image to export: its boxes stay in the project.
            let name = projectArguments.count > 1 ? "\(project.url.lastPathComponent): " : ""
            for (frame, reason) in input.leftOut.prefix(10) {
                FileHandle.standardError.write(Data("warning: \(name)frame \(frame + 1) is left out of the export, it cannot be read: \(reason)\n".utf8))
            }
            if input.leftOut.count > 10 {
                FileHandle.standardError.write(Data("warning: \(name)\(input.leftOut.count - 10) more unreadable frames are left out\n".utf8))
            }
            datasets.append(input.dataset)
            if let writeImage = input.writeImage { writers.append(writeImage) }
        }
        if let labels = options.labels {
            let known = Set(datasets.flatMap(\.labels))
            if let unknown = labels.first(where: { !known.contains($0) }) {
                let which = datasets.count == 1 ? "the project has" : "the projects have"
                throw CommandError("\(which) no label '\(unknown)' (labels: \(known.sorted().joined(separator: ", ")))")
            }
        }
        // The exporter knows how many images it writes (after --frames, --labels and pending boxes
        // are applied): the bar starts with the first of them.
        var progress: ProgressReporter?
        let summary = try DatasetExporter.export(
            datasets, format: format, to: out, options: options,
            writeImage: needsImages ? { video, frame, destination in try writers[video](frame, destination) } : nil,
            progress: needsImages ? { done, total in
                if progress == nil { progress = ProgressReporter("exporting", total: total) }
                progress?.update(done)
            } : nil)
        progress?.finish()
        for warning in summary.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        var line = "exported \(summary.boxCount) boxes on \(summary.frameCount) frames"
        if datasets.count > 1 { line += " of \(datasets.count) projects" }
        line += " as \(format.rawValue) to \(summary.output.path)"
        if !summary.framesPerSplit.isEmpty {
            line += " (" + summary.report.splits.map { "\($0.name): \($0.frames) frames" }.joined(separator: ", ") + ")"
        }
        print(line)
        if arguments.flag(\.report) { print(summary.report.description) }
    }
}

enum ImportCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "import",
            summary: "Bring in boxes from another tool or an earlier export, in one transaction.",
            usage: "PROJECT --format coco|yolo|voc|mot|cvat-video|otb PATH [--as seeds|accepted|proposals]",
            positionals: [("PROJECT", "The project file."), ("PATH", "The annotation file, or an exported folder.")],
            details: """
            Reads our exports and what other tools write: datumaro's COCO, VOC, YOLO (darknet obj.names
            and Ultralytics data.yaml), MOT (class names from labels.txt) and CVAT files, with LF or
            CRLF line ends and an optional UTF-8 byte-order mark. Images are matched to frames as
            000042 (frame 42), by the source's own file names, by other whole numbers (MOT, 1-based),
            as frame_000041 (CVAT, 0-based) or as PROJECT_000042 (a multi-project export); unmatched
            images are reported, and an import where none match fails. Classes named in the file are
            added to the labels. Each track of the file becomes an object of the project; boxes
            without a track go to the label's first object. The whole import is one undoable action;
            a refused import (a bad line, a file that is not UTF-8) changes nothing.
            """),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let format = Option<String>("format", "FORMAT", "coco, yolo, voc, mot, cvat-video or otb (one x,y,w,h line per frame).")
        let `as` = Option<String>("as", "KIND", "What the boxes become: seeds, accepted or proposals. Default: boxes with a score become proposals, the rest accepted.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        let path = URL(fileURLWithPath: try arguments.positional(1, "PATH")).standardizedFileURL
        let formatName = try arguments.required(\.format)
        guard let format = DatasetFormat(rawValue: formatName) else {
            throw UsageError(command: "import", message: "--format must be coco, yolo, voc, mot, cvat-video or otb, not '\(formatName)'")
        }
        var kindOverride: LabelStore.BoxKind?
        if let kind = try arguments.value(\.as) {
            switch kind {
            case "seeds", "seed": kindOverride = .seed
            case "accepted": kindOverride = .accepted
            case "proposals", "proposal": kindOverride = .proposal
            default: throw UsageError(command: "import", message: "--as must be seeds, accepted or proposals, not '\(kind)'")
            }
        }
        let frames = try ProjectPaths.frames(of: project)
        let existing = try DatasetBridge.dataset(of: project, frames: frames)
        // Formats that name no classes (OTB, MOT without labels) put their boxes under the first label.
        let result = try DatasetImporter.read(format, from: path, options: ImportOptions(project: existing, defaultLabel: existing.labels.first ?? Label.defaultName))
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        for warning in result.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if !result.unmatchedImages.isEmpty {
            let shown = result.unmatchedImages.prefix(10).joined(separator: ", ")
            FileHandle.standardError.write(Data("warning: \(result.unmatchedImages.count) images match no frame and were skipped: \(shown)\(result.unmatchedImages.count > 10 ? ", ..." : "")\n".utf8))
        }
        let count = try project.perform("import \(result.boxes.count) boxes from \(path.lastPathComponent)") { action in
            var labelIDs = Dictionary(uniqueKeysWithValues: try action.labels().map { ($0.name, $0.id) })
            for name in result.labels where labelIDs[name] == nil { labelIDs[name] = try action.addLabel(name).id }
            var objects = try action.objects()
            var trackObjects: [String: Int64] = [:]  // "label/track" -> object
            for box in result.boxes {
                let labelID = try labelIDs[box.label] ?? action.addLabel(box.label).id
                labelIDs[box.label] = labelID
                let objectID: Int64
                if let track = box.trackID {
                    let key = "\(box.label)/\(track)"
                    if let known = trackObjects[key] {
                        objectID = known
                    } else {
                        // Our own exports carry our object ids: reuse the object when it matches.
                        let reused = objects.first { $0.id == track && $0.labelID == labelID }
                        let object = try reused ?? action.addObject(labelID: labelID)
                        if reused == nil { objects.append(object) }
                        trackObjects[key] = object.id
                        objectID = object.id
                    }
                } else if let first = objects.first(where: { $0.labelID == labelID }) {
                    objectID = first.id
                } else {
                    let object = try action.addObject(labelID: labelID)
                    objects.append(object)
                    objectID = object.id
                }
                let kind = kindOverride ?? (box.kind == .proposal ? .proposal : .accepted)
                _ = try action.addBox(NewBox(frame: box.frame, objectID: objectID, rect: box.rect,
                                             kind: kind, confidence: kind == .proposal ? box.confidence : 1))
            }
            return result.boxes.count
        }
        print("imported \(count) boxes from \(path.path)")
    }
}

enum EvalCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "eval",
            summary: "Score the project's boxes against ground truth (the seeded-propagation protocol).",
            usage: "PROJECT --gt FILE",
            positionals: [("PROJECT", "The project file.")],
            details: """
            Every box that is not rejected counts, pending proposals included; the highest-confidence box
            of a frame is its answer. The protocol's seed frames (ceil(N/100) of them, evenly spread) are
            left out. Prints AO, AUC, SR50, P20, AP50 and GAIN, then how well the pending proposals'
            confidence is calibrated: a reliability table (10 bins: count, mean confidence, share of
            boxes with IoU >= 0.5) and the expected calibration error (ECE).
            """),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let gt = Option<String>("gt", "FILE", "Ground truth: one x,y,w,h line per frame (commas, tabs or spaces).")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.openForReading(try arguments.positional(0, "PROJECT"))
        let groundTruth = try SeededEvaluation.groundTruth(contentsOf: URL(fileURLWithPath: try arguments.required(\.gt)))
        let dataset = try DatasetBridge.dataset(of: project)
        let protocolSeeds = Set(SeededEvaluation.seedFrames(frameCount: groundTruth.count))
        let projectSeeds = Set(dataset.boxes.filter { $0.kind == .seed }.map(\.frame))
        if projectSeeds != protocolSeeds {
            let show = { (frames: Set<Int>) in frames.sorted().map { String($0 + 1) }.joined(separator: ",") }
            FileHandle.standardError.write(Data("warning: the project's seed frames (\(show(projectSeeds))) differ from the protocol's (\(show(protocolSeeds))); scores are not comparable\n".utf8))
        }
        let scores = try SeededEvaluation.score(groundTruth: groundTruth, predictions: try SeededEvaluation.predictions(from: dataset))
        print(scores.description)
        let pending = try project.boxes(kinds: [.proposal]).filter { $0.frame < groundTruth.count }
        print("calibration of the pending proposals' confidence (right: IoU >= 0.5 with the ground truth):")
        print(Reliability(pending.map { (confidence: $0.confidence, correct: $0.rect.iou(groundTruth[$0.frame]) >= 0.5) }).description)
    }
}
