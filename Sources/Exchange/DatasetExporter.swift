import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the image of a frame (0-based index) to a file; supplied by the caller, who owns the codecs.
/// It may decode the frame from a video, copy or hard-link a source file, or encode one.
public typealias ImageWriter = (_ frameIndex: Int, _ destination: URL) throws -> Void

/// Writes the image of frame `frameIndex` of video `video` (an index into the exported datasets).
public typealias VideoImageWriter = (_ video: Int, _ frameIndex: Int, _ destination: URL) throws -> Void

/// Reports progress of an export: `done` of `total` exported frames.
public typealias ExportProgress = (_ done: Int, _ total: Int) -> Void

/// What an export wrote.
public struct ExportSummary: Sendable, Equatable {
    /// The file (MOT) or folder written.
    public var output: URL
    /// Frames carrying at least one box; each is one image when images are written.
    public var frameCount: Int
    public var boxCount: Int
    /// Exported frames per split name; empty without splits. `report.splits` has them in the
    /// order the splits were named.
    public var framesPerSplit: [String: Int]
    /// Things the user should know about the result, such as a YOLO dataset without a validation split.
    public var warnings: [String]
    /// Counts per label, per video and per split.
    public var report: ExportReport
}

/// The counts of an export, for `export --report`.
public struct ExportReport: Sendable, Equatable, CustomStringConvertible {
    public struct Row: Sendable, Equatable {
        public var name: String
        /// Frames (images) with at least one such box.
        public var frames: Int
        public var boxes: Int
        /// Of `boxes`, the pending proposals written as predictions.
        public var pending: Int
    }

    public var labels: [Row]
    public var videos: [Row]
    public var splits: [Row]
    /// How the splits were cut ("whole videos", "segments of each video", "segments"); nil without splits.
    public var splitUnit: String?

    public var description: String {
        var lines: [String] = []
        func table(_ title: String, _ rows: [Row]) {
            let width = max(title.count, rows.map(\.name.count).max() ?? 0)
            func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
            func right(_ value: Int, _ count: Int) -> String { let text = String(value); return String(repeating: " ", count: max(0, count - text.count)) + text }
            lines.append(pad(title, width) + "  frames   boxes  pending")
            for row in rows {
                lines.append(pad(row.name, width) + "  " + right(row.frames, 6) + "  " + right(row.boxes, 6) + "  " + right(row.pending, 7))
            }
            lines.append("")
        }
        table("label", labels)
        table("video", videos)
        if !splits.isEmpty { table("split (\(splitUnit ?? "segments"))", splits) }
        return lines.dropLast().joined(separator: "\n")
    }

    init(_ plan: ExportPlan) {
        func row(_ name: String, _ frames: [ExportPlan.Frame], where keep: (ExportPlan.Box) -> Bool) -> Row {
            var row = Row(name: name, frames: 0, boxes: 0, pending: 0)
            for frame in frames {
                let boxes = frame.boxes.filter(keep)
                if !boxes.isEmpty { row.frames += 1 }
                row.boxes += boxes.count
                row.pending += boxes.filter(\.isPending).count
            }
            return row
        }
        labels = plan.labels.enumerated().map { index, name in row(name, plan.frames) { $0.classIndex == index } }
        videos = plan.videos.enumerated().map { index, video in row(video.name, plan.frames.filter { $0.video == index }) { _ in true } }
        splits = plan.splitNames.enumerated().map { index, name in row(name, plan.frames(inSplit: index)) { _ in true } }
        splitUnit = plan.splitUnit
    }
}

/// Writes datasets in the formats of other tools.
public enum DatasetExporter {
    /// Exports `dataset` to `output`: a folder for COCO, YOLO, VOC, CVAT and MOT, or a text file for
    /// MOT when `output` ends in `.txt`.
    ///
    /// The export is written under a temporary sibling name and renamed into place at the end; on
    /// any error the temporary output is removed and the target is left as it was. Without
    /// `writeImage` only the annotations are written.
    public static func export(
        _ dataset: Dataset, format: DatasetFormat, to output: URL, options: ExportOptions = ExportOptions(),
        writeImage: ImageWriter? = nil, progress: ExportProgress? = nil
    ) throws -> ExportSummary {
        try export([dataset], format: format, to: output, options: options,
                   writeImage: writeImage.map { write in { _, frame, destination in try write(frame, destination) } },
                   progress: progress)
    }

    /// Exports several videos as one dataset: class ids by label name over all of them, image names
    /// prefixed with each video's name (`VIDEO_000042.jpg`), and splits that give whole videos (or,
    /// with too few videos, contiguous segments of each) to each split. COCO, YOLO and VOC only.
    public static func export(
        _ datasets: [Dataset], format: DatasetFormat, to output: URL, options: ExportOptions = ExportOptions(),
        writeImage: VideoImageWriter?, progress: ExportProgress? = nil
    ) throws -> ExportSummary {
        guard !datasets.isEmpty else { throw ExchangeError.invalidOptions("nothing to export") }
        guard format.canExport else { throw ExchangeError.invalidOptions("\(format.rawValue) can be imported but not exported") }
        if datasets.count > 1 && (format == .mot || format == .cvatVideo) {
            throw ExchangeError.invalidOptions(
                "\(format.rawValue) holds one video; export several projects as coco, yolo or voc, or each project on its own")
        }
        if options.split != nil && (format == .mot || format == .cvatVideo) {
            throw ExchangeError.invalidOptions("\(format.rawValue) keeps the video whole; --split applies to coco, yolo and voc")
        }
        if options.includePending && format == .voc {
            throw ExchangeError.invalidOptions(
                "Pascal VOC has no way to mark a box as a prediction; export pending proposals as coco (score), "
                + "yolo (predictions/ with a confidence column), mot or cvat-video, or leave out --include-pending")
        }
        if let ext = options.imageExtension {
            guard ["jpg", "jpeg", "png"].contains(ext.lowercased()) else {
                throw ExchangeError.invalidOptions("image format '\(ext)' is not jpg or png")
            }
            if format == .cvatVideo && ext.lowercased() != "png" {
                throw ExchangeError.invalidOptions(
                    "cvat-video frames are PNG files (images/frame_000000.png), the names CVAT and datumaro look for")
            }
        }
        let plan = try ExportPlan(datasets: datasets, options: options, defaultExtension: format == .cvatVideo ? "png" : "jpg")
        if format == .voc, let bad = plan.labels.first(where: { $0.contains(":") || $0.contains("\n") }) {
            throw ExchangeError.invalidOptions(
                "the label '\(bad)' holds a ':' or a line break, which VOC's labelmap.txt cannot hold; rename it or choose --labels")
        }
        let motFile = format == .mot && (options.motSingleFile ?? (output.pathExtension.lowercased() == "txt"))
        let safe = try SafeOutput(target: output, isDirectory: !motFile, force: options.force,
                                  protecting: options.protectedPaths)
        var warnings: [String] = []
        do {
            switch format {
            case .coco: try COCOWriter.write(plan, into: safe.staging, writeImage: writeImage, progress: progress)
            case .yolo:
                try YOLOWriter.write(plan, into: safe.staging, finalRoot: safe.target, writeImage: writeImage, progress: progress)
                if plan.splitNames.isEmpty {
                    warnings.append("without --split, data.yaml names images/train for both train and val: "
                                    + "validation scores would be measured on the training images")
                }
            case .voc: try VOCWriter.write(plan, into: safe.staging, finalRoot: safe.target, writeImage: writeImage, progress: progress)
            case .mot:
                if motFile {
                    try writeFile(MOTWriter.text(plan), to: safe.staging)
                } else {
                    try MOTWriter.writeSequence(plan, into: safe.staging, writeImage: writeImage, progress: progress)
                }
            case .cvatVideo: try CVATWriter.write(plan, into: safe.staging, writeImage: writeImage, progress: progress)
            case .otb: break
            }
            try safe.commit()
        } catch {
            safe.discard()
            throw error
        }
        if writeImage == nil || motFile { progress?(plan.frames.count, plan.frames.count) }
        var perSplit: [String: Int] = [:]
        for (index, name) in plan.splitNames.enumerated() {
            perSplit[name] = plan.frames.reduce(0) { $0 + ($1.split == index ? 1 : 0) }
        }
        return ExportSummary(output: safe.target, frameCount: plan.frames.count, boxCount: plan.boxCount,
                             framesPerSplit: perSplit, warnings: warnings, report: ExportReport(plan))
    }
}

/// Writes the images of `frames` (all of the plan's by default) through the caller's writer into
/// `folder(frame)`. Returns where each was written, keyed by video and frame.
@discardableResult
func writeImages(_ plan: ExportPlan, frames: [ExportPlan.Frame]? = nil, folder: (ExportPlan.Frame) -> URL,
                 writeImage: VideoImageWriter?, progress: ExportProgress?) throws -> [ImageKey: URL] {
    guard let writeImage else { return [:] }
    let chosen = frames ?? plan.frames
    var made = Set<String>()
    var written: [ImageKey: URL] = [:]
    for (position, frame) in chosen.enumerated() {
        let directory = folder(frame)
        if made.insert(directory.path).inserted { try makeDirectory(directory) }
        let destination = directory.appendingPathComponent(plan.imageName(frame))
        do {
            try writeImage(frame.video, frame.index, destination)
        } catch let error as ExchangeError {
            throw error
        } catch {
            throw ExchangeError.imageFailed(frame: frame.index, path: destination.path, reason: describe(error))
        }
        written[ImageKey(video: frame.video, frame: frame.index)] = destination
        progress?(position + 1, chosen.count)
    }
    return written
}

struct ImageKey: Hashable {
    var video: Int
    var frame: Int
}

/// Gives `destination` the same contents as the already written `source`: a hard link, else a copy.
func duplicateImage(_ source: URL, to destination: URL, frame: Int) throws {
    if link(source.path, destination.path) == 0 { return }
    do {
        try FileManager.default.copyItem(at: source, to: destination)
    } catch {
        throw ExchangeError.imageFailed(frame: frame, path: destination.path, reason: "cannot copy \(source.path): \(describe(error))")
    }
}
