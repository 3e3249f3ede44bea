import Imaging
import Geometry
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode
import struct TerminalGraphics.TextCanvas
import enum TerminalGraphics.ColourDepth

// What the review room needs from the rest of microlabel, as small protocols.
// Pipeline adapts the store and the frame cache to them (Sources/Pipeline/RoomAdapters),
// Adapters/TerminalFrameRenderer the graphics; the tests use in-memory fakes.

public typealias BoxID = Int64
public typealias ObjectID = Int64
public typealias LabelID = Int64

/// Where a box stands in the review flow.
public enum ReviewKind: String, Sendable, Hashable, CaseIterable {
    /// Drawn by hand; trains the micro-models.
    case seed
    /// Proposed by a micro-model, waiting for review.
    case pending
    /// A proposal a reviewer accepted.
    case accepted
    /// A proposal a reviewer rejected; kept as a hard negative.
    case rejected
}

extension BoxRect {
    /// Whole pixels for the side panel: `x,y WxH`.
    var panelText: String {
        func f(_ v: Double) -> String { String(Int(v.rounded())) }
        return "\(f(x)),\(f(y)) \(f(width))x\(f(height))"
    }
}

public struct ReviewLabel: Sendable, Hashable {
    public var id: LabelID
    public var name: String
    public init(id: LabelID, name: String) {
        self.id = id
        self.name = name
    }
}

/// One tracked thing (e.g. "person #2"): all its boxes share one label.
public struct ReviewObject: Sendable, Hashable {
    public var id: ObjectID
    public var label: LabelID
    /// A short name to show, e.g. `person 2`.
    public var name: String
    public init(id: ObjectID, label: LabelID, name: String) {
        self.id = id
        self.label = label
        self.name = name
    }
}

public struct ReviewBox: Sendable, Hashable {
    public var id: BoxID
    /// 0-based frame index.
    public var frame: Int
    public var object: ObjectID
    public var kind: ReviewKind
    public var rect: BoxRect
    /// In 0...1; seeds and hand-edited boxes have 1.
    public var confidence: Double
    public init(id: BoxID, frame: Int, object: ObjectID, kind: ReviewKind, rect: BoxRect, confidence: Double) {
        self.id = id
        self.frame = frame
        self.object = object
        self.kind = kind
        self.rect = rect
        self.confidence = confidence
    }
}

/// What the timeline shows for one frame.
public struct FrameMarks: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let seed = FrameMarks(rawValue: 1)
    public static let pending = FrameMarks(rawValue: 2)
    public static let accepted = FrameMarks(rawValue: 4)
    public static let rejected = FrameMarks(rawValue: 8)
    /// A scene cut starts at this frame.
    public static let sceneCut = FrameMarks(rawValue: 16)
}

/// How the review queue is ordered.
public enum QueueOrder: String, Sendable, Hashable, CaseIterable {
    case confidenceAscending = "confidence, lowest first"
    case confidenceDescending = "confidence, highest first"
    case frame = "frame"

    /// For the side panel.
    public var shortName: String {
        switch self {
        case .confidenceAscending: "lowest conf. first"
        case .confidenceDescending: "highest conf. first"
        case .frame: "by frame"
        }
    }

    public var next: QueueOrder {
        switch self {
        case .confidenceAscending: .confidenceDescending
        case .confidenceDescending: .frame
        case .frame: .confidenceAscending
        }
    }
}

/// Box counts by kind.
public struct KindCounts: Sendable, Hashable {
    public var seed = 0
    public var pending = 0
    public var accepted = 0
    public var rejected = 0
    public init(seed: Int = 0, pending: Int = 0, accepted: Int = 0, rejected: Int = 0) {
        self.seed = seed
        self.pending = pending
        self.accepted = accepted
        self.rejected = rejected
    }
    public subscript(kind: ReviewKind) -> Int {
        switch kind {
        case .seed: seed
        case .pending: pending
        case .accepted: accepted
        case .rejected: rejected
        }
    }
}

/// What adding a seed made.
public struct AddedSeed: Sendable, Hashable {
    public var box: BoxID
    public var object: ObjectID
    public var label: LabelID
    /// The object was created for this seed.
    public var objectIsNew: Bool

    public init(box: BoxID, object: ObjectID, label: LabelID, objectIsNew: Bool) {
        self.box = box
        self.object = object
        self.label = label
        self.objectIsNew = objectIsNew
    }
}

/// Which object a new or reassigned box goes to.
public enum ObjectTarget: Sendable, Hashable {
    /// An existing object.
    case object(ObjectID)
    /// A new object of this label.
    case newObject(label: LabelID)
    /// The project has no labels yet: create the label `object` and its first object.
    case defaultLabel
}

/// The project as the review room reads and edits it. Every write is one
/// undoable, persisted user action. Called on the UI thread only.
public protocol ReviewStore: AnyObject {
    /// Number of frames in the video.
    var frameCount: Int { get }
    /// Source frame size in pixels.
    var frameSize: PixelSize { get }

    func labels() throws -> [ReviewLabel]
    func objects() throws -> [ReviewObject]
    /// Every box on one frame (0-based), any kind.
    func boxes(onFrame frame: Int) throws -> [ReviewBox]
    /// One entry per frame: which kinds of box it holds, and scene cuts.
    func frameMarks() throws -> [FrameMarks]
    /// One entry per frame: the lowest confidence among its pending boxes, nil when it has none.
    func lowestPendingConfidence() throws -> [Double?]
    /// Boxes of one kind in the given order.
    func queue(kind: ReviewKind, order: QueueOrder) throws -> [ReviewBox]
    func counts() throws -> KindCounts
    /// The lowest confidence bulk accept takes: that of the last box of the largest set of pending
    /// boxes, in decreasing confidence, whose expected precision reaches the target (`PrecisionTarget`);
    /// nil when no such set exists.
    func suggestedThreshold() throws -> Double?
    /// The expected precision bulk accept aims at (`microlabel accept`'s default).
    var precisionTarget: Double { get }
    /// How many of the boxes bulk accept takes are expected to be wrong; nil when it takes none.
    func expectedWrongAtThreshold() throws -> Double?
    /// Pending boxes with confidence at or above `minConfidence`.
    func pendingCount(minConfidence: Double) throws -> Int

    func addLabel(name: String) throws -> LabelID
    /// The label boxes get while the project has none of its own (`object`), created when missing.
    func defaultLabel() throws -> LabelID
    func addObject(label: LabelID) throws -> ObjectID
    /// Adds a hand-drawn seed box for `target`, creating its object (and the default label)
    /// when the target asks for it, all as one undoable edit.
    func addSeed(frame: Int, target: ObjectTarget, rect: BoxRect) throws -> AddedSeed
    /// Moves or resizes a box.
    func updateBox(_ id: BoxID, rect: BoxRect) throws
    /// Gives a box to another object (changing its label with it).
    func moveBox(_ id: BoxID, toObject object: ObjectID) throws
    func deleteBox(_ id: BoxID) throws
    /// Accepts or rejects boxes (or returns them to pending).
    func setKind(_ ids: [BoxID], to kind: ReviewKind) throws
    /// Accepts every pending box at or above `minConfidence`; returns how many.
    func acceptPending(minConfidence: Double) throws -> Int
    /// Undoes the last edit; returns what was undone, or nil when there is nothing to undo.
    func undo() throws -> String?
    /// Redoes the last undone edit; returns what was redone, or nil.
    func redo() throws -> String?
    /// Where one drawn box is expected to save the most review (`microlabel next`).
    func nextDraw() throws -> NextDrawAnswer
    /// Nil while the project file on disk is still the one opened. Once it has been deleted or
    /// replaced: runs `beforeSaving`, saves the work elsewhere, and returns a line saying so
    /// (every later call returns it too).
    func checkProjectFile(beforeSaving: () -> Void) -> String?
}

/// Decoded frames, cropped and scaled for the view.
extension ReviewStore {
    public func expectedWrongAtThreshold() throws -> Double? { nil }
    /// A store that cannot say: the timeline shows pending frames without their confidence.
    public func lowestPendingConfidence() throws -> [Double?] { [] }
    public func nextDraw() throws -> NextDrawAnswer { .nothing(.unavailable) }
}

/// The store's answer to "where should one box be drawn next?".
public enum NextDrawAnswer: Sendable, Hashable {
    /// Draw a box for `object` on `frame` (0-based); it is expected to save `saving` seconds
    /// of review (the draw itself not subtracted).
    case draw(frame: Int, object: ObjectID, saving: Double)
    /// Nothing to suggest, and why.
    case nothing(Reason)

    public enum Reason: Sendable, Hashable {
        /// What is pending, bulk accept takes.
        case nothingLeft
        case noFrames
        /// No object has a drawn or accepted box.
        case noSeeds
        /// Seeds, but no training pass yet.
        case noProposals
        /// The store cannot say.
        case unavailable
    }
}

public protocol FrameProvider: AnyObject {
    /// Frame `index` (0-based), the source region `region` scaled to `size`.
    func image(frame index: Int, region: BoxRect, size: PixelSize) throws -> RGBImage
    /// A hint: these frames are likely to be shown next, decode them ahead.
    func prefetch(frames: [Int], region: BoxRect, size: PixelSize)
}

/// One thing drawn over a frame, in the rendered image's own pixel (dot) coordinates.
public struct ViewOverlay: Sendable, Hashable {
    public enum Shape: Sendable, Hashable {
        /// A box outline with an optional tag (label and confidence).
        case box(BoxRect, tag: String?)
        /// A crosshair centred on a point.
        case crosshair(Point)
    }
    public var shape: Shape
    public var color: RGB
    /// Drawn thicker or emphasised: the selected box.
    public var emphasized: Bool
    public init(shape: Shape, color: RGB, emphasized: Bool = false) {
        self.shape = shape
        self.color = color
        self.emphasized = emphasized
    }
}

/// Bytes that draw an image in a block of cells. Each entry of `lines` is
/// written with the cursor at the start of the next cell row of the block:
/// a sixel or kitty image is a single entry, a text rendering one per row.
public struct RenderedFrame: Sendable, Hashable {
    public var lines: [[UInt8]]
    public init(lines: [[UInt8]]) { self.lines = lines }
}

/// Turns an image and its overlays into terminal bytes.
public protocol FrameRenderer: AnyObject {
    var mode: GraphicsMode { get }
    /// `image` is already the size of the view in dots (pixels for sixel and
    /// kitty; `columns` x `rows * 2` for blocks; `columns` x `rows` for ascii).
    /// `slot` tells pictures shown at once apart (the gallery's tiles): a protocol that
    /// replaces images by id (kitty) gives each slot its own.
    func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int, slot: Int) throws -> RenderedFrame
    /// The same in a given quality. With `id` (kitty) the picture is only stored in the
    /// terminal under that id, to be placed by the caller.
    func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int, slot: Int,
                quality: PictureQuality, storeAs id: UInt32?) throws -> RenderedFrame
    /// Text modes: the cells of the picture, so that only the ones that changed are sent.
    func cells(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int) throws -> TextPicture?
}

/// A picture made of text cells, and the colours the terminal can show.
public struct TextPicture {
    public var canvas: TextCanvas
    public var colourDepth: ColourDepth
    public init(canvas: TextCanvas, colourDepth: ColourDepth) {
        self.canvas = canvas
        self.colourDepth = colourDepth
    }
}

extension FrameRenderer {
    public func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int) throws -> RenderedFrame {
        try render(image, overlays: overlays, columns: columns, rows: rows, slot: 0)
    }

    public func cells(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int) throws -> TextPicture? { nil }

    /// By default every quality is drawn as full and nothing is stored.
    public func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int, slot: Int,
                       quality: PictureQuality, storeAs id: UInt32?) throws -> RenderedFrame {
        try render(image, overlays: overlays, columns: columns, rows: rows, slot: slot)
    }
}

/// How much of a picture goes over the link: all of it, or a light version (coarser,
/// fewer colours or fewer pixels; the higher the level, the lighter) while keys repeat
/// faster than the link carries full pictures.
public enum PictureQuality: Sendable, Hashable {
    case full
    case light(level: Int)
}

/// Progress reported by a training run, possibly from another thread.
public enum TrainingEvent: Sendable, Hashable {
    /// `fraction` in 0...1, with a short description of the current step.
    case progress(fraction: Double, detail: String)
    /// New proposals were written to the store.
    case proposalsWritten(count: Int)
    case finished(summary: String)
    case cancelled
    case failed(message: String)
}

/// The background engine: trains micro-models and writes proposals to the store as they come.
public protocol TrainingEngine: AnyObject {
    /// Starts training for the objects whose seeds changed (all of `objects` when given).
    /// Returns at once; `report` is called from background threads.
    func start(objects: [ObjectID]?, report: @escaping @Sendable (TrainingEvent) -> Void) throws
    /// Stops a running training. Returns once the engine no longer writes; what it wrote stays.
    func cancel()
    var isRunning: Bool { get }
}

/// Writes the project's labels in an export format.
public protocol ReviewExporter: AnyObject {
    /// Format names offered to the user, e.g. `coco`, `yolo`.
    var formats: [String] { get }
    /// Exports; returns a one-line summary such as the written path.
    func export(format: String) throws -> String
}
