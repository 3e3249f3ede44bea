import Geometry
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode

/// What the review room knows of the project, reloaded by the session after each write.
public struct ProjectSnapshot: Sendable, Hashable {
    public var frameCount: Int
    public var frameSize: PixelSize
    public var labels: [ReviewLabel] = []
    public var objects: [ReviewObject] = []
    /// One entry per frame.
    public var marks: [FrameMarks] = []
    /// One entry per frame: the lowest confidence of its pending boxes (nil: none pending).
    public var lowestPending: [Double?] = []
    public var counts = KindCounts()
    public var threshold: Double?
    /// The expected precision `threshold` is chosen for.
    public var precisionTarget: Double?
    /// Pending boxes at or above `threshold`.
    public var aboveThreshold = 0
    /// How many of those are expected to be wrong.
    public var expectedWrong: Double?

    public init(frameCount: Int, frameSize: PixelSize) {
        self.frameCount = frameCount
        self.frameSize = frameSize
    }

    public func label(_ id: LabelID) -> ReviewLabel? { labels.first { $0.id == id } }
    public func object(_ id: ObjectID) -> ReviewObject? { objects.first { $0.id == id } }
}

/// A question waiting for y or n.
public struct Confirmation: Sendable, Hashable {
    public var question: String
    /// Run on yes.
    public var effects: [Effect]
}

/// A one-line text input.
public struct Prompt: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A 1-based frame number.
        case goToFrame
        /// Pick an export format by its number.
        case exportFormat([String])
    }
    public var kind: Kind
    public var text: String = ""
}

/// Where an edit started, and what Enter does at its end.
public struct EditSession: Sendable, Hashable {
    /// Came from the review queue with `e`: Enter accepts (or, when the box was changed, makes
    /// it a seed) and returns there.
    public var fromReview: Bool
    /// The box as the edit found it, for edits from the review queue.
    public var original: BoxRect? = nil
}

/// The background training as the status line shows it.
public enum TrainingStatus: Sendable, Hashable {
    case idle
    case running(fraction: Double, detail: String)
    case finished(summary: String)
    case cancelled
    case failed(message: String)

    public var isRunning: Bool {
        if case .running = self { return true }
        return false
    }
}

/// Position in the review queue.
public struct ReviewCursor: Sendable, Hashable {
    /// pending, accepted or rejected.
    public var tab: ReviewKind = .pending
    public var order: QueueOrder = .confidenceAscending
    public var index = 0
    /// Showing the gallery of crops instead of one frame.
    public var gallery = false
    /// Boxes of the queue marked for rejection (`reject-marked` rejects them together).
    public var marked: Set<BoxID> = []
}

/// A mouse drag in progress.
public enum Drag: Sendable, Hashable {
    case move(BoxID, grab: Point, original: BoxRect)
    case draw(start: Point)
}

public struct Message: Sendable, Hashable {
    public var text: String
    public var isError: Bool
    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// A review queue's tab and order: what a loaded queue was read for.
public struct QueueKey: Sendable, Hashable {
    public var tab: ReviewKind
    public var order: QueueOrder
    public init(tab: ReviewKind, order: QueueOrder) {
        self.tab = tab
        self.order = order
    }
}

/// How far the state's copy of the store is behind. The reducer sets it on writes and
/// clears it when a read comes back; `dueLoad` turns it into the next read.
public struct StoreSync: Sendable, Hashable {
    /// Written since the snapshot was read, or never read.
    public var snapshotStale = true
    /// The current frame's boxes changed in the store since they were read.
    public var boxesStale = false
    /// What the queue was read for; nil when none is read.
    public var queue: QueueKey?
    /// Snapshots read so far.
    public var snapshots = 0
}

/// The whole state of the review room, as a value.
public struct ReviewState: Sendable, Hashable {
    public var project: ProjectSnapshot
    /// The boxes of `boxesFrame`, normally the current frame.
    public var boxes: [ReviewBox] = []
    public var boxesFrame = -1
    /// The review queue for `review.tab` in `review.order`.
    public var queue: [ReviewBox] = []

    public var columns: Int
    public var rows: Int
    public var graphics: GraphicsMode
    public var metrics: CellMetrics
    public var keymap: Keymap
    public var exportFormats: [String]

    /// 0-based.
    public var frame = 0
    public var mode: Mode = .navigate
    public var currentLabel: LabelID?
    public var currentObject: ObjectID?
    public var selection: BoxID?
    public var fineSteps = false
    /// 1 (fit), 2 or 4.
    public var zoom = 1
    public var zoomCenter: Point?
    public var colorByObject = false
    public var training: TrainingStatus = .idle
    public var review = ReviewCursor()
    public var drag: Drag?
    public var message: Message?
    public var quitting = false
    /// Review corrections (an edited proposal made a seed, a rejection) not yet trained on: the
    /// next pause of the keys (`Event.idle`) starts a training pass by itself.
    public var retrainDue = false
    /// What of the store the state still has to read.
    public internal(set) var sync = StoreSync()

    /// `frame` (0-based) is where the room opens; `note` is shown in the message line.
    public init(
        project: ProjectSnapshot, columns: Int, rows: Int, graphics: GraphicsMode,
        cellPixels: PixelSize? = nil, keymap: Keymap = .standard, exportFormats: [String] = [],
        frame: Int = 0, note: String? = nil
    ) {
        self.project = project
        self.frame = min(max(frame, 0), max(project.frameCount - 1, 0))
        self.message = note.map { Message($0) }
        self.columns = columns
        self.rows = rows
        self.graphics = graphics
        self.metrics = CellMetrics(mode: graphics, cellPixels: cellPixels)
        self.keymap = keymap
        self.exportFormats = exportFormats
    }

    public var layout: Layout { Layout(columns: columns, rows: rows) }

    /// The shown source region.
    public var viewport: BoxRect {
        FrameGeometry.viewport(source: project.frameSize, zoom: zoom, center: zoomCenter)
    }

    public var geometry: FrameGeometry {
        FrameGeometry(area: layout.frameArea, metrics: metrics, viewport: viewport)
    }

    public var selectedBox: ReviewBox? {
        guard let selection else { return nil }
        return boxes.first { $0.id == selection } ?? queue.first { $0.id == selection && $0.frame == frame }
    }

    /// The queue entry under the review cursor.
    public var currentEntry: ReviewBox? {
        queue.indices.contains(review.index) ? queue[review.index] : nil
    }

    /// Where keys are read: the mode's context, or the gallery's while it shows.
    public var keyContext: KeyContext {
        mode.context == .review && galleryTiles != nil ? .gallery : mode.context
    }

    /// The queue indices of the gallery page under the cursor (empty when no gallery shows).
    public var galleryPage: Range<Int> {
        guard let tiles = galleryTiles, !tiles.isEmpty, !queue.isEmpty else { return 0..<0 }
        let start = review.index / tiles.count * tiles.count
        return start..<min(queue.count, start + tiles.count)
    }

    /// The gallery tiles when the gallery is on and fits.
    public var galleryTiles: [CellRect]? {
        guard review.gallery, graphics.isPixel else { return nil }
        return layout.galleryTiles()
    }
}
