import LabelStore
import Foundation

/// What to export and how.
public struct ExportOptions: Sendable {
    /// Only these labels, in the dataset's label order; nil for all. Class ids are numbered over the exported labels.
    public var labels: [String]?
    /// Only frames in this 0-based, inclusive range; nil for all.
    public var frames: ClosedRange<Int>?
    /// Also export pending proposals, marked as predictions with their confidence.
    public var includePending: Bool
    /// Divide the exported frames into named splits (COCO, YOLO, VOC).
    public var split: SplitSpec?
    /// The extension of the exported images, which the image writer must honour: `jpg` or `png`.
    public var imageExtension: String
    /// Replace an existing target; only a previous export is ever replaced (see `SafeOutput`).
    public var force: Bool
    /// Files and folders the export must never replace or remove, nor a folder holding one of
    /// them: the project file and its source.
    public var protectedPaths: [URL] = []

    public init(labels: [String]? = nil, frames: ClosedRange<Int>? = nil, includePending: Bool = false,
                split: SplitSpec? = nil, imageExtension: String = "jpg", force: Bool = false) {
        self.labels = labels
        self.frames = frames
        self.includePending = includePending
        self.split = split
        self.imageExtension = imageExtension
        self.force = force
    }
}

/// The boxes an export writes, grouped by frame, clipped to the image, with class indices and splits resolved.
struct ExportPlan {
    struct Box {
        var trackID: Int64?
        var classIndex: Int
        var rect: BoxRect
        var confidence: Double
        var isPending: Bool
    }

    struct Frame {
        var index: Int
        var width: Int
        var height: Int
        /// Index into `splitNames`, nil without splits.
        var split: Int?
        var boxes: [Box]
    }

    var name: String
    var labels: [String]
    /// Frames that carry at least one exported box, in time order.
    var frames: [Frame]
    var splitNames: [String]
    var frameCount: Int
    var width: Int
    var height: Int
    var fps: Double
    var includePending: Bool
    var imageExtension: String

    var boxCount: Int { frames.reduce(0) { $0 + $1.boxes.count } }

    init(dataset: Dataset, options: ExportOptions) throws {
        name = dataset.name
        frameCount = dataset.frameCount
        width = dataset.width
        height = dataset.height
        fps = dataset.fps
        includePending = options.includePending
        imageExtension = options.imageExtension

        if let wanted = options.labels {
            let known = Set(dataset.labels)
            if let unknown = wanted.first(where: { !known.contains($0) }) {
                throw ExchangeError.invalidOptions(
                    "unknown label '\(unknown)'; the labels are: \(dataset.labels.joined(separator: ", "))")
            }
            let chosen = Set(wanted)
            labels = dataset.labels.filter { chosen.contains($0) }
        } else {
            labels = dataset.labels
        }
        var classIndex: [String: Int] = [:]
        for (index, label) in labels.enumerated() where classIndex[label] == nil { classIndex[label] = index }
        let allLabels = Set(dataset.labels)

        if let range = options.frames, range.lowerBound < 0 || range.lowerBound >= max(dataset.frameCount, 1) {
            throw ExchangeError.invalidOptions(
                "frames \(range.lowerBound + 1)-\(range.upperBound + 1) are outside the video's frames 1-\(dataset.frameCount)")
        }

        var sizes: [Int: (Int, Int)] = [:]
        for frame in dataset.frames { sizes[frame.index] = (frame.width, frame.height) }

        var byFrame: [Int: [Box]] = [:]
        for box in dataset.boxes {
            switch box.kind {
            case .seed, .accepted: break
            case .proposal: guard options.includePending else { continue }
            case .rejected: continue
            }
            if let range = options.frames, !range.contains(box.frame) { continue }
            guard let index = classIndex[box.label] else {
                if !allLabels.contains(box.label) {
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

        var frames: [Frame] = []
        frames.reserveCapacity(byFrame.count)
        for (index, boxes) in byFrame {
            let (frameWidth, frameHeight) = sizes[index] ?? (dataset.width, dataset.height)
            let ordered = boxes.sorted { a, b in
                let ta = a.trackID ?? .max, tb = b.trackID ?? .max
                if ta != tb { return ta < tb }
                if a.classIndex != b.classIndex { return a.classIndex < b.classIndex }
                if a.rect.x != b.rect.x { return a.rect.x < b.rect.x }
                return a.rect.y < b.rect.y
            }
            frames.append(Frame(index: index, width: frameWidth, height: frameHeight, split: nil, boxes: ordered))
        }
        frames.sort { $0.index < $1.index }

        if let split = options.split {
            splitNames = split.parts.map(\.name)
            let assignment = split.assign(frames: frames.map(\.index))
            for position in frames.indices { frames[position].split = assignment[frames[position].index] }
        } else {
            splitNames = []
        }
        self.frames = frames
    }

    /// The frames of one split (all frames when `split` is nil).
    func frames(inSplit split: Int?) -> [Frame] {
        guard let split else { return frames }
        return frames.filter { $0.split == split }
    }

    func imageName(_ frame: Frame) -> String {
        exportedImageName(frame: frame.index, extension: imageExtension)
    }
}
