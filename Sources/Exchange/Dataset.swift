import Foundation
import Geometry

/// Where a box came from in the review workflow.
public enum DatasetBoxKind: String, Sendable, Hashable, CaseIterable {
    /// Drawn by hand to start propagation.
    case seed
    /// A proposal a reviewer accepted.
    case accepted
    /// A proposal still waiting for review (a prediction with a confidence).
    case proposal
    /// A proposal a reviewer rejected; never exported.
    case rejected
}

/// One box on one frame.
public struct DatasetBox: Sendable, Hashable {
    /// 0-based frame index.
    public var frame: Int
    /// The object the box belongs to; nil when an imported file does not say.
    public var trackID: Int64?
    public var label: String
    public var rect: BoxRect
    public var kind: DatasetBoxKind
    /// 0...1; 1 for seeds and accepted boxes.
    public var confidence: Double

    public init(frame: Int, trackID: Int64?, label: String, rect: BoxRect, kind: DatasetBoxKind, confidence: Double = 1) {
        self.frame = frame
        self.trackID = trackID
        self.label = label
        self.rect = rect
        self.kind = kind
        self.confidence = confidence
    }
}

/// What is known about one frame of the source.
public struct DatasetFrame: Sendable, Hashable {
    /// 0-based frame index.
    public var index: Int
    /// The source's own file name for the frame (a folder source), nil for a video.
    public var fileName: String?
    public var width: Int
    public var height: Int

    public init(index: Int, fileName: String? = nil, width: Int, height: Int) {
        self.index = index
        self.fileName = fileName
        self.width = width
        self.height = height
    }
}

/// A labelled video, independent of how it is stored.
public struct Dataset: Sendable {
    /// A name for the dataset, written into the formats that have a place for one.
    public var name: String
    /// The classes in order: class ids in the exported files follow this order.
    public var labels: [String]
    /// Per-frame details where known; frames not listed have `width` x `height` and no file name.
    public var frames: [DatasetFrame]
    public var boxes: [DatasetBox]
    public var frameCount: Int
    public var width: Int
    public var height: Int
    public var fps: Double

    public init(name: String = "microlabel", labels: [String], frames: [DatasetFrame] = [], boxes: [DatasetBox],
                frameCount: Int, width: Int, height: Int, fps: Double = 25) {
        self.name = name
        self.labels = labels
        self.frames = frames
        self.boxes = boxes
        self.frameCount = frameCount
        self.width = width
        self.height = height
        self.fps = fps
    }
}

/// The dataset formats microlabel reads and writes.
public enum DatasetFormat: String, Sendable, CaseIterable {
    case coco
    case yolo
    case voc
    case mot
    case cvatVideo = "cvat-video"
    /// OTB ground truth: one `x,y,w,h` line per frame. Read only.
    case otb

    /// Whether `export` can write this format.
    public var canExport: Bool { self != .otb }
}

/// The 1-based, six-digit name of a frame's exported image: frame index 41 -> `000042.jpg`.
public func exportedImageName(frame: Int, extension ext: String) -> String {
    exportedStem(frame: frame) + "." + ext
}

func exportedStem(frame: Int) -> String {
    let number = String(frame + 1)
    return number.count >= 6 ? number : String(repeating: "0", count: 6 - number.count) + number
}
