import Foundation

/// Where the frames come from.
public enum SourceKind: String, Sendable, Codable, CaseIterable {
    /// A folder of numbered still images.
    case folder
    /// A video file, decoded on demand.
    case video
}

/// The frame source of a project. `path` is absolute when read back from a project.
public struct SourceInfo: Sendable, Equatable {
    public var path: String
    public var kind: SourceKind
    public var frameCount: Int
    public var width: Int
    public var height: Int
    public var fps: Double

    public init(path: String, kind: SourceKind, frameCount: Int, width: Int, height: Int, fps: Double) {
        self.path = path
        self.kind = kind
        self.frameCount = frameCount
        self.width = width
        self.height = height
        self.fps = fps
    }
}

/// A class of things to label ("person", "car"). Labels are listed in the order they were created.
public struct Label: Sendable, Equatable, Hashable {
    public var id: Int64
    public var name: String

    public init(id: Int64, name: String) {
        self.id = id
        self.name = name
    }
}

/// One instance of a label followed through time ("person 2").
public struct TrackedObject: Sendable, Equatable, Hashable {
    public var id: Int64
    public var labelID: Int64
    /// 1-based number among the objects of the same label, at creation.
    public var number: Int
    /// Display name, "label number" unless given.
    public var name: String

    public init(id: Int64, labelID: Int64, number: Int, name: String) {
        self.id = id
        self.labelID = labelID
        self.number = number
        self.name = name
    }
}

/// A rectangle in source pixels: top-left corner, width and height.
public struct BoxRect: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var centerX: Double { x + width / 2 }
    public var centerY: Double { y + height / 2 }
    /// 0 for a box with no extent.
    public var area: Double { max(width, 0) * max(height, 0) }

    /// Intersection over union; 0 when either box is empty.
    public func iou(_ other: BoxRect) -> Double {
        let iw = max(0, min(maxX, other.maxX) - max(x, other.x))
        let ih = max(0, min(maxY, other.maxY) - max(y, other.y))
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The part of the box inside a `imageWidth` x `imageHeight` image, or nil when nothing of it
    /// is left. A box already inside comes back unchanged, without the rounding of recomputing
    /// its size from its corners.
    public func clipped(toWidth imageWidth: Int, height imageHeight: Int) -> BoxRect? {
        if x >= 0, y >= 0, maxX <= Double(imageWidth), maxY <= Double(imageHeight), width > 0, height > 0 {
            return self
        }
        let left = min(max(x, 0), Double(imageWidth)), top = min(max(y, 0), Double(imageHeight))
        let right = min(max(maxX, 0), Double(imageWidth)), bottom = min(max(maxY, 0), Double(imageHeight))
        guard right > left, bottom > top else { return nil }
        return BoxRect(x: left, y: top, width: right - left, height: bottom - top)
    }

    public var description: String {
        String(format: "%.1f,%.1f,%.1f,%.1f", x, y, width, height)
    }
}

/// Where a box stands in review.
public enum BoxKind: String, Sendable, Codable, CaseIterable {
    /// Drawn by the user; what micro-models learn from.
    case seed
    /// Produced by the engine, waiting for review.
    case proposal
    /// A proposal the user accepted.
    case accepted
    /// A proposal the user rejected; kept so the engine can learn from it.
    case rejected
}

/// A box to insert.
public struct NewBox: Sendable, Equatable {
    /// 0-based frame index.
    public var frame: Int
    public var objectID: Int64
    public var rect: BoxRect
    public var kind: BoxKind
    public var confidence: Double
    public var modelID: Int64?

    public init(frame: Int, objectID: Int64, rect: BoxRect, kind: BoxKind = .seed, confidence: Double = 1, modelID: Int64? = nil) {
        self.frame = frame
        self.objectID = objectID
        self.rect = rect
        self.kind = kind
        self.confidence = confidence
        self.modelID = modelID
    }
}

/// A stored box.
public struct Box: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// 0-based frame index.
    public var frame: Int
    public var objectID: Int64
    public var rect: BoxRect
    public var kind: BoxKind
    public var confidence: Double
    /// The micro-model that proposed it, if any.
    public var modelID: Int64?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, frame: Int, objectID: Int64, rect: BoxRect, kind: BoxKind, confidence: Double, modelID: Int64?,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.frame = frame
        self.objectID = objectID
        self.rect = rect
        self.kind = kind
        self.confidence = confidence
        self.modelID = modelID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// How many boxes of each kind a project (or one object) has.
public struct BoxCounts: Sendable, Equatable {
    public var seeds = 0
    public var proposals = 0
    public var accepted = 0
    public var rejected = 0

    public init(seeds: Int = 0, proposals: Int = 0, accepted: Int = 0, rejected: Int = 0) {
        self.seeds = seeds
        self.proposals = proposals
        self.accepted = accepted
        self.rejected = rejected
    }

    public var total: Int { seeds + proposals + accepted + rejected }
}

/// One box the engine proposes, for `Project.replaceProposals`.
public struct ProposedBox: Sendable, Equatable {
    /// 0-based frame index.
    public var frame: Int
    public var rect: BoxRect
    public var confidence: Double
    public var modelID: Int64?

    public init(frame: Int, rect: BoxRect, confidence: Double, modelID: Int64? = nil) {
        self.frame = frame
        self.rect = rect
        self.confidence = confidence
        self.modelID = modelID
    }
}

/// The order in which pending proposals are listed for review.
public enum ProposalOrder: Sendable {
    /// Least confident first: the ones most worth a human look.
    case confidenceAscending
    /// Most confident first.
    case confidenceDescending
    /// By frame, then object.
    case frame
}

/// A trained micro-model: what it learned from and how it did. Parameters and metrics are JSON text.
public struct ModelRecord: Sendable, Equatable {
    public var id: Int64
    public var objectID: Int64
    public var seedBoxIDs: [Int64]
    public var parameters: String
    public var metrics: String
    public var createdAt: Date

    public init(id: Int64, objectID: Int64, seedBoxIDs: [Int64], parameters: String, metrics: String, createdAt: Date) {
        self.id = id
        self.objectID = objectID
        self.seedBoxIDs = seedBoxIDs
        self.parameters = parameters
        self.metrics = metrics
        self.createdAt = createdAt
    }
}

/// Keys of settings the store's clients share.
public enum SettingKey {
    /// Suggested confidence above which proposals may be accepted without review.
    public static let autoAcceptThreshold = "auto_accept.threshold"
    /// Precision measured for that threshold on reviewed boxes.
    public static let autoAcceptPrecision = "auto_accept.precision"
    /// Comma-separated 0-based first frames of new scenes, found by the engine.
    public static let sceneCuts = "scene_cuts"
    /// JSON array of a folder source's frame file names, in frame order, recorded at creation.
    public static let frameFiles = "source.frame_files"
}
