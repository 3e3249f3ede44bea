import Geometry
import Foundation

/// What to export and how.
public struct ExportOptions: Sendable {
    /// Only these labels, in the dataset's label order; nil for all. Class ids are numbered over the exported labels.
    public var labels: [String]?
    /// Only frames in this 0-based, inclusive range; nil for all.
    public var frames: ClosedRange<Int>?
    /// Also export pending proposals, marked as predictions the way the format's own tools mark them
    /// (COCO `score`, YOLO's confidence column in `predictions/`, MOT's `det/det.txt`, a CVAT
    /// `score` attribute). Pascal VOC has no such mark and refuses.
    public var includePending: Bool
    /// Divide the exported frames into named splits (COCO, YOLO, VOC).
    public var split: SplitSpec?
    /// The extension of the exported images, which the image writer must honour: `jpg` or `png`;
    /// nil for the format's own choice (PNG for CVAT video, as CVAT names its frames; JPEG otherwise).
    public var imageExtension: String?
    /// Replace an existing target; only a previous export is ever replaced (see `SafeOutput`).
    public var force: Bool
    /// MOT as one text file (true) or a sequence folder (false); nil decides by the name: a `.txt` is a file.
    public var motSingleFile: Bool?
    /// Files and folders the export must never replace or remove, nor a folder holding one of
    /// them: the project file and its source.
    public var protectedPaths: [URL] = []

    public init(labels: [String]? = nil, frames: ClosedRange<Int>? = nil, includePending: Bool = false,
                split: SplitSpec? = nil, imageExtension: String? = nil, force: Bool = false) {
        self.labels = labels
        self.frames = frames
        self.includePending = includePending
        self.split = split
        self.imageExtension = imageExtension
        self.force = force
    }
}

/// The boxes an export writes, grouped by frame, clipped to the image, with class indices and splits
/// resolved. One or more videos (one `Dataset` each); with several, image names carry the video's name.
struct ExportPlan {
    struct Box {
        var trackID: Int64?
        var classIndex: Int
        var rect: BoxRect
        var confidence: Double
        var isPending: Bool
    }

    struct Frame {
        /// Which video (index into `videos`).
        var video: Int
        /// 0-based frame index in its video.
        var index: Int
        var width: Int
        var height: Int
        /// The image's file name without extension: `000042`, or `VIDEO_000042` with several videos.
        var stem: String
        /// Index into `splitNames`, nil without splits.
        var split: Int?
        var boxes: [Box]

        var hasConfirmedBoxes: Bool { boxes.contains { !$0.isPending } }
        var hasPendingBoxes: Bool { boxes.contains { $0.isPending } }
    }

    struct Video {
        /// The name images are prefixed with (unique among the videos).
        var name: String
        var frameCount: Int
        var width: Int
        var height: Int
        var fps: Double
    }

    var name: String
    var labels: [String]
    var videos: [Video]
    /// Frames that carry at least one exported box, by video and then in time order.
    var frames: [Frame]
    var splitNames: [String]
    /// How the splits were cut: "whole videos", "segments of each video" or "segments"; nil without splits.
    var splitUnit: String?
    var includePending: Bool
    var imageExtension: String

    var boxCount: Int { frames.reduce(0) { $0 + $1.boxes.count } }
    var frameCount: Int { videos.first?.frameCount ?? 0 }
    var width: Int { videos.first?.width ?? 0 }
    var height: Int { videos.first?.height ?? 0 }
    var fps: Double { videos.first?.fps ?? 25 }

    init(dataset: Dataset, options: ExportOptions, defaultExtension: String = "jpg") throws {
        try self.init(datasets: [dataset], options: options, defaultExtension: defaultExtension)
    }

    init(datasets: [Dataset], options: ExportOptions, defaultExtension: String = "jpg") throws {
        precondition(!datasets.isEmpty)
        name = datasets.count == 1 ? datasets[0].name : datasets.map(\.name).joined(separator: "+")
        includePending = options.includePending
        imageExtension = options.imageExtension ?? defaultExtension

        // Class ids follow the first appearance of each name over the videos, in order.
        var allLabels: [String] = []
        var seen = Set<String>()
        for dataset in datasets {
            for label in dataset.labels where seen.insert(label).inserted { allLabels.append(label) }
        }
        if let wanted = options.labels {
            if let unknown = wanted.first(where: { !seen.contains($0) }) {
                throw ExchangeError.invalidOptions(
                    "unknown label '\(unknown)'; the labels are: \(allLabels.joined(separator: ", "))")
            }
            let chosen = Set(wanted)
            labels = allLabels.filter { chosen.contains($0) }
        } else {
            labels = allLabels
        }
        var classIndex: [String: Int] = [:]
        for (index, label) in labels.enumerated() where classIndex[label] == nil { classIndex[label] = index }

        videos = Self.videoNames(datasets.map(\.name)).enumerated().map { position, videoName in
            let dataset = datasets[position]
            return Video(name: videoName, frameCount: dataset.frameCount, width: dataset.width,
                         height: dataset.height, fps: dataset.fps)
        }

        var frames: [Frame] = []
        for (video, dataset) in datasets.enumerated() {
            if let range = options.frames, range.lowerBound < 0 || range.lowerBound >= max(dataset.frameCount, 1) {
                throw ExchangeError.invalidOptions(
                    "frames \(range.lowerBound + 1)-\(range.upperBound + 1) are outside the video's frames 1-\(dataset.frameCount)"
                    + (datasets.count > 1 ? " (\(dataset.name))" : ""))
            }
            var sizes: [Int: (Int, Int)] = [:]
            for frame in dataset.frames { sizes[frame.index] = (frame.width, frame.height) }
            let known = Set(dataset.labels)

            var byFrame: [Int: [Box]] = [:]
            for box in dataset.boxes {
                switch box.kind {
                case .seed, .accepted: break
                case .proposal: guard options.includePending else { continue }
                case .rejected: continue
                }
                if let range = options.frames, !range.contains(box.frame) { continue }
                guard let index = classIndex[box.label] else {
                    if !known.contains(box.label) {
                        throw ExchangeError.invalidOptions(
                            "a box on frame \(box.frame + 1) has the label '\(box.label)', which is not among the labels")
                    }
                    continue
                }
                let (frameWidth, frameHeight) = sizes[box.frame] ?? (dataset.width, dataset.height)
                guard let rect = box.rect.clipped(toWidth: frameWidth, height: frameHeight) else { continue }
                let pending = box.kind == .proposal
                byFrame[box.frame, default: []].append(
                    Box(trackID: box.trackID, classIndex: index, rect: rect,
                        confidence: pending ? box.confidence : 1, isPending: pending))
            }

            var videoFrames: [Frame] = []
            videoFrames.reserveCapacity(byFrame.count)
            for (index, boxes) in byFrame {
                let (frameWidth, frameHeight) = sizes[index] ?? (dataset.width, dataset.height)
                let ordered = boxes.sorted { a, b in
                    let ta = a.trackID ?? .max, tb = b.trackID ?? .max
                    if ta != tb { return ta < tb }
                    if a.classIndex != b.classIndex { return a.classIndex < b.classIndex }
                    if a.rect.x != b.rect.x { return a.rect.x < b.rect.x }
                    return a.rect.y < b.rect.y
                }
                let stem = datasets.count == 1 ? exportedStem(frame: index) : videos[video].name + "_" + exportedStem(frame: index)
                videoFrames.append(Frame(video: video, index: index, width: frameWidth, height: frameHeight, stem: stem,
                                         split: nil, boxes: ordered))
            }
            videoFrames.sort { $0.index < $1.index }
            frames += videoFrames
        }

        if let split = options.split {
            splitNames = split.parts.map(\.name)
            let perVideo = (0..<videos.count).map { video in frames.filter { $0.video == video }.map(\.index) }
            let assignment = split.assign(videos: perVideo)
            splitUnit = assignment.unit
            for position in frames.indices {
                frames[position].split = assignment.splits[frames[position].video][frames[position].index]
            }
        } else {
            splitNames = []
            splitUnit = nil
        }
        self.frames = frames
    }

    /// Names usable in file names, unique among the videos: characters other than letters, digits,
    /// `-` and `.` become `_`; a repeated name gets `-2`, `-3`, ...
    static func videoNames(_ names: [String]) -> [String] {
        var used = Set<String>()
        return names.map { raw in
            var base = String(raw.unicodeScalars.map { scalar -> Character in
                let c = Character(scalar)
                return (c.isLetter || c.isNumber || c == "-" || c == ".") && scalar.isASCII ? c : "_"
            })
            if base.isEmpty { base = "video" }
            var name = base
            var suffix = 2
            while !used.insert(name).inserted {
                name = "\(base)-\(suffix)"
                suffix += 1
            }
            return name
        }
    }

    /// The frames of one split (all frames when `split` is nil).
    func frames(inSplit split: Int?) -> [Frame] {
        guard let split else { return frames }
        return frames.filter { $0.split == split }
    }

    func imageName(_ frame: Frame) -> String {
        frame.stem + "." + imageExtension
    }
}
