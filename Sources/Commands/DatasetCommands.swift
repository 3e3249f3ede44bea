import Exchange
import Foundation
import Imaging
import LabelStore

enum ExportCommand {
    static let command = Command(
        spec: CommandSpec(
            name: "export",
            summary: "Write the reviewed boxes as a dataset (COCO, YOLO, Pascal VOC, MOT, CVAT video).",
            usage: "PROJECT --format coco|yolo|voc|mot|cvat-video --out PATH [--include-pending] [--labels a,b] [--frames A-B] [--split train=0.8,val=0.2] [--image-format jpg|png] [--force]",
            positionals: [("PROJECT", "The project file.")],
            options: [
                .value("format", "FORMAT", "coco, yolo, voc, mot or cvat-video."),
                .value("out", "PATH", "The folder to create (a text file for mot)."),
                .flag("include-pending", "Also write pending proposals, marked as predictions with their confidence."),
                .value("labels", "LIST", "Only these labels."),
                .value("frames", "A-B", "Only frames A to B (1-based, inclusive)."),
                .value("split", "SPEC", "Contiguous splits by weight, e.g. train=0.8,val=0.2 (coco, yolo, voc)."),
                .value("image-format", "jpg|png", "Image files to write (default jpg)."),
                .flag("force", "Replace an existing output."),
            ],
            details: """
            By default seeds and accepted boxes are written; rejected boxes never are. Every frame with a
            box is written as an image named by its 1-based number (000042.jpg); frames without boxes are
            not. The export is built under a temporary name and renamed at the end, so an interrupted
            export leaves nothing under PATH.
            """),
        run: run)

    static func run(_ arguments: ParsedArguments) throws {
        let project = try ProjectPaths.openForReading(try arguments.positional(0, "PROJECT"))
        let formatName = try arguments.required("format")
        guard let format = DatasetFormat(rawValue: formatName), format.canExport else {
            throw UsageError(command: "export", message: "--format must be coco, yolo, voc, mot or cvat-video, not '\(formatName)'")
        }
        let out = URL(fileURLWithPath: try arguments.required("out")).standardizedFileURL
        var options = ExportOptions()
        options.includePending = arguments.flag("include-pending")
        options.labels = arguments.list("labels")
        options.force = arguments.flag("force")
        options.protectedPaths = [project.url, URL(fileURLWithPath: try project.source().path)]
        do {
            if let frames = arguments.string("frames") { options.frames = try ExportOptions.frames(parsing: frames) }
            if let split = arguments.string("split") { options.split = try SplitSpec(parsing: split) }
        } catch {
            throw UsageError(command: "export", message: "\(error)")
        }
        if let imageFormat = arguments.string("image-format") {
            guard ["jpg", "png"].contains(imageFormat) else {
                throw UsageError(command: "export", message: "--image-format must be jpg or png, not '\(imageFormat)'")
            }
            options.imageExtension = imageFormat
        }
        if let labels = options.labels {
            let known = Set(try project.labels().map(\.name))
            if let unknown = labels.first(where: { !known.contains($0) }) {
                throw CommandError("the project has no label '\(unknown)' (it has: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let needsImages = format != .mot
        let frames = try ProjectPaths.frames(of: project)
        var dataset = try DatasetBridge.dataset(of: project, frames: frames)
        if needsImages {
            // A frame that cannot be read has no image to export: its boxes stay in the project.
            let left = DatasetBridge.leaveOutUnreadable(&dataset, frames: frames)
            for (frame, reason) in left.prefix(10) {
                FileHandle.standardError.write(Data("warning: frame \(frame + 1) is left out of the export, it cannot be read: \(reason)\n".utf8))
            }
            if left.count > 10 {
                FileHandle.standardError.write(Data("warning: \(left.count - 10) more unreadable frames are left out\n".utf8))
            }
        }
        let progress = needsImages ? ProgressReporter("exporting", total: Set(dataset.boxes.map(\.frame)).count) : nil
        let summary = try DatasetExporter.export(
            dataset, format: format, to: out, options: options,
            writeImage: needsImages ? DatasetBridge.imageWriter(for: frames) : nil,
            progress: progress.map { reporter in { done, _ in reporter.update(done) } })
        progress?.finish()
        var line = "exported \(summary.boxCount) boxes on \(summary.frameCount) frames as \(format.rawValue) to \(summary.output.path)"
        if !summary.framesPerSplit.isEmpty {
            line += " (" + summary.framesPerSplit.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) frames" }.joined(separator: ", ") + ")"
        }
        print(line)
    }
}

enum ImportCommand {
    static let command = Command(
        spec: CommandSpec(
            name: "import",
            summary: "Bring in boxes from another tool or an earlier export, in one transaction.",
            usage: "PROJECT --format coco|yolo|voc|mot|cvat-video|otb PATH [--as seeds|accepted|proposals]",
            positionals: [("PROJECT", "The project file."), ("PATH", "The annotation file, or an exported folder.")],
            options: [
                .value("format", "FORMAT", "coco, yolo, voc, mot, cvat-video or otb (one x,y,w,h line per frame)."),
                .value("as", "KIND", "What the boxes become: seeds, accepted or proposals. Default: boxes with a score become proposals, the rest accepted."),
            ],
            details: """
            Images are matched to frames by microlabel's six-digit frame names, or else by the source's own
            file names; unmatched images are reported. Classes named in the file are added to the labels.
            Each track of the file becomes an object of the project; boxes without a track go to the
            label's first object. The whole import is one undoable action.
            """),
        run: run)

    static func run(_ arguments: ParsedArguments) throws {
        let project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        let path = URL(fileURLWithPath: try arguments.positional(1, "PATH")).standardizedFileURL
        let formatName = try arguments.required("format")
        guard let format = DatasetFormat(rawValue: formatName) else {
            throw UsageError(command: "import", message: "--format must be coco, yolo, voc, mot, cvat-video or otb, not '\(formatName)'")
        }
        var kindOverride: LabelStore.BoxKind?
        if let kind = arguments.string("as") {
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
        let result = try DatasetImporter.read(format, from: path, options: ImportOptions(project: existing, defaultLabel: existing.labels.first ?? SeedPlacement.defaultLabel))
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
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
                guard let labelID = labelIDs[box.label] ?? (try? action.addLabel(box.label).id) else { continue }
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
    static let command = Command(
        spec: CommandSpec(
            name: "eval",
            summary: "Score the project's boxes against ground truth (the seeded-propagation protocol).",
            usage: "PROJECT --gt FILE",
            positionals: [("PROJECT", "The project file.")],
            options: [.value("gt", "FILE", "Ground truth: one x,y,w,h line per frame (commas, tabs or spaces).")],
            details: """
            Every box that is not rejected counts, pending proposals included; the highest-confidence box
            of a frame is its answer. The protocol's seed frames (ceil(N/100) of them, evenly spread) are
            left out. Prints AO, AUC, SR50, P20, AP50 and GAIN.
            """),
        run: run)

    static func run(_ arguments: ParsedArguments) throws {
        let project = try ProjectPaths.openForReading(try arguments.positional(0, "PROJECT"))
        let groundTruth = try SeededEvaluation.groundTruth(contentsOf: URL(fileURLWithPath: try arguments.required("gt")))
        let dataset = try DatasetBridge.dataset(of: project)
        let protocolSeeds = Set(SeededEvaluation.seedFrames(frameCount: groundTruth.count))
        let projectSeeds = Set(dataset.boxes.filter { $0.kind == .seed }.map(\.frame))
        if projectSeeds != protocolSeeds {
            let show = { (frames: Set<Int>) in frames.sorted().map { String($0 + 1) }.joined(separator: ",") }
            FileHandle.standardError.write(Data("warning: the project's seed frames (\(show(projectSeeds))) differ from the protocol's (\(show(protocolSeeds))); scores are not comparable\n".utf8))
        }
        let scores = try SeededEvaluation.score(groundTruth: groundTruth, predictions: try SeededEvaluation.predictions(from: dataset))
        print(scores.description)
    }
}
