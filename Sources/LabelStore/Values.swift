import Foundation
import Geometry

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
    /// The label a box gets when nobody named one: a seed drawn before any label exists.
    public static let defaultName = "object"

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
    /// The engine's raw score, from which `confidence` is calibrated.
    public var score: Double?

    public init(frame: Int, rect: BoxRect, confidence: Double, modelID: Int64? = nil, score: Double? = nil) {
        self.frame = frame
        self.rect = rect
        self.confidence = confidence
        self.modelID = modelID
        self.score = score
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

/// What the engine recorded about one stretch of an object's timeline at its last pass.
public struct StretchRecord: Sendable, Hashable {
    /// 0-based, inclusive.
    public var frames: ClosedRange<Int>
    /// Of the stretch's inputs (decided boxes, rejected boxes, engine parameters), chosen by the engine.
    public var fingerprint: String
    /// Held-out checks made by the stretch's runs, and how many passed.
    public var checks: Int
    public var checksPassed: Int

    public init(frames: ClosedRange<Int>, fingerprint: String, checks: Int, checksPassed: Int) {
        self.frames = frames
        self.fingerprint = fingerprint
        self.checks = checks
        self.checksPassed = checksPassed
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
