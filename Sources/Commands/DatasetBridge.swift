import Exchange
import Foundation
import Imaging
import LabelStore
import ReviewRoom

/// Between the project store and the exchange formats' `Dataset`.
enum DatasetBridge {
    /// Every box of the project but the rejected ones, with the source's geometry and, for a
    /// folder source, its frame file names (so imports can match them).
    static func dataset(of project: Project, frames: (any FrameSource)? = nil) throws -> Dataset {
        let source = try project.source()
        let labels = try project.labels()
        let labelNames = Dictionary(uniqueKeysWithValues: labels.map { ($0.id, $0.name) })
        let objectLabels = Dictionary(uniqueKeysWithValues: try project.objects().map { ($0.id, labelNames[$0.labelID] ?? Label.defaultName) })
        let boxes = try project.boxes(kinds: [.seed, .accepted, .proposal]).map { box in
            DatasetBox(frame: box.frame, trackID: box.objectID, label: objectLabels[box.objectID] ?? Label.defaultName,
                       rect: box.rect,
                       kind: kind(box.kind), confidence: box.kind == .proposal ? box.confidence : 1)
        }
        var frameInfo: [DatasetFrame] = []
        if let folder = folderSource(of: frames) {
            frameInfo = (0..<folder.frameCount).map {
                DatasetFrame(index: $0, fileName: folder.url(at: $0).lastPathComponent, width: source.width, height: source.height)
            }
        }
        let name = project.url.deletingPathExtension().lastPathComponent
        return Dataset(name: name, labels: labels.map(\.name), frames: frameInfo, boxes: boxes,
                       frameCount: source.frameCount, width: source.width, height: source.height, fps: source.fps)
    }

    /// Takes out of `dataset` the boxes on frames known to be unreadable (a file gone or damaged, a
    /// source that shrank), so that no dataset holds an image that does not decode; returns those
    /// frames, 0-based, with the reason.
    private static func leaveOutUnreadable(_ dataset: inout Dataset, frames: any FrameSource) -> [(frame: Int, reason: String)] {
        var current: (any FrameSource)? = frames
        while let cached = current as? CachedFrameSource { current = cached.base }
        guard let recorded = current as? RecordedSource else { return [] }
        let framesWithBoxes = Set(dataset.boxes.map(\.frame))
        let bad = recorded.problems.filter { framesWithBoxes.contains($0.index) }
        guard !bad.isEmpty else { return [] }
        let badFrames = Set(bad.map(\.index))
        dataset.boxes.removeAll { badFrames.contains($0.frame) }
        return bad.map { ($0.index, $0.error.underlying.description) }
    }

    static func kind(_ kind: LabelStore.BoxKind) -> DatasetBoxKind {
        switch kind {
        case .seed: return .seed
        case .proposal: return .proposal
        case .accepted: return .accepted
        case .rejected: return .rejected
        }
    }

    /// One project's part of an export: its boxes, what writes their images, and the paths the
    /// export must never replace or remove. The export command, the review room's `E` and the demo
    /// all export through this.
    struct ExportInput {
        var dataset: Dataset
        /// Nil when no images are written (a single MOT file).
        var writeImage: ImageWriter?
        /// Frames whose boxes were left out because the frame cannot be read, 0-based, with the reason.
        var leftOut: [(frame: Int, reason: String)]
        /// The project file and its source.
        var protectedPaths: [URL]

        /// "; left out 2 unreadable frames (first: 7)", or "" when none were.
        var leftOutNote: String {
            guard let first = leftOut.first else { return "" }
            return "; left out \(leftOut.count) unreadable frame\(leftOut.count == 1 ? "" : "s") (first: \(first.frame + 1))"
        }
    }

    /// `project` ready to export; with images, the boxes on frames known to be unreadable are left
    /// out (they stay in the project), since no dataset may hold an image that does not decode.
    static func exportInput(_ project: Project, frames: CachedFrameSource, withImages: Bool) throws -> ExportInput {
        var dataset = try dataset(of: project, frames: frames)
        let leftOut = withImages ? leaveOutUnreadable(&dataset, frames: frames) : []
        return ExportInput(dataset: dataset, writeImage: withImages ? imageWriter(for: frames) : nil, leftOut: leftOut,
                           protectedPaths: [project.url, URL(fileURLWithPath: try project.source().path)])
    }

    /// Writes exported frame images: hard-links or copies a folder's own files when the format
    /// matches, and otherwise decodes the frame (from the video or the folder) and encodes it.
    static func imageWriter(for frames: CachedFrameSource) -> ImageWriter {
        guard let folder = folderSource(of: frames) else {
            return { index, destination in try ImageCodec.write(try frames.frame(at: index), to: destination, quality: 95) }
        }
        // A damaged file must not end up in a dataset, linked or re-encoded: say which file it is.
        func decode(_ index: Int, scale: Int) throws -> RGBImage {
            do {
                return try frames.frame(at: index, scale: scale)
            } catch let error as ImagingError {
                throw ExchangeError.unreadable(
                    path: folder.url(at: index).path,
                    reason: "frame \(index + 1) does not decode (\(error.underlying)), so nothing was exported; replace the file, or leave the frame out with --frames")
            }
        }
        return DatasetExporter.linkingImageWriter(
            sourceFile: { folder.url(at: $0) },
            verify: { index in _ = try decode(index, scale: 8) },
            encode: { index, destination in try ImageCodec.write(try decode(index, scale: 1), to: destination, quality: 95) })
    }

    /// The folder under a source, through the cache and the project's view of it.
    static func folderSource(of frames: (any FrameSource)?) -> FolderSource? {
        var current = frames
        while let source = current {
            if let folder = source as? FolderSource { return folder }
            if let cached = source as? CachedFrameSource { current = cached.base; continue }
            if let recorded = source as? RecordedSource { current = recorded.base; continue }
            return nil
        }
        return nil
    }
}

/// The review room's `E`: exports with images next to the project, under a new dated name so
/// nothing is ever overwritten.
final class ProjectExporter: ReviewExporter {
    let formats = ["coco", "yolo", "voc", "mot", "cvat-video"]
    private let project: Project
    private let frames: CachedFrameSource

    init(project: Project, frames: CachedFrameSource) {
        self.project = project
        self.frames = frames
    }

    func export(format name: String) throws -> String {
        guard let format = DatasetFormat(rawValue: name) else { throw CommandError("unknown export format '\(name)'") }
        let stamp = Self.stamp.string(from: Date())
        let base = project.url.deletingPathExtension()
        let out = URL(fileURLWithPath: "\(base.path)-\(name)-\(stamp)" + (format == .mot ? ".txt" : ""))
        let input = try DatasetBridge.exportInput(project, frames: frames, withImages: format != .mot)
        var options = ExportOptions()
        options.protectedPaths = input.protectedPaths
        let summary = try DatasetExporter.export(input.dataset, format: format, to: out, options: options, writeImage: input.writeImage)
        return "exported \(summary.boxCount) boxes on \(summary.frameCount) frames to \(summary.output.path)\(input.leftOutNote)"
    }

    private static let stamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter
    }()
}
