import Geometry
import struct LabelStore.Label
import Foundation

/// Events posted from other threads (training progress), read by the UI loop.
public final class EventInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [Event] = []

    public init() {}

    public func post(_ event: Event) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    /// Everything posted so far; progress reports are coalesced to the latest.
    public func drain() -> [Event] {
        lock.lock()
        let taken = events
        events.removeAll()
        lock.unlock()
        var result: [Event] = []
        for event in taken {
            if case .training(.progress) = event, case .training(.progress)? = result.last {
                result[result.count - 1] = event
            } else {
                result.append(event)
            }
        }
        return result
    }
}

/// The review room without a terminal: the state, the reducer, and the
/// effects run against the store, engine and exporter. The curses driver
/// feeds it key events and draws its state; the tests do the same with fakes.
public final class ReviewSession {
    public private(set) var state: ReviewState
    let store: ReviewStore
    let engine: TrainingEngine?
    let exporter: ReviewExporter?
    public let inbox = EventInbox()

    /// A box move waiting to be written: consecutive moves of one box become one write.
    private var pendingUpdate: (id: BoxID, rect: BoxRect)?
    private var needsRefresh = false {
        didSet { if needsRefresh { boxesStale = true } }
    }
    /// A write happened since the current frame's boxes were read.
    private var boxesStale = false
    private var loadedQueue: (tab: ReviewKind, order: QueueOrder)?
    /// Set once the project file was deleted or replaced: every edit is refused with this line.
    var projectLost: String?
    var lastFileCheck = 0.0

    public init(store: ReviewStore, engine: TrainingEngine?, exporter: ReviewExporter?, state: ReviewState) throws {
        self.store = store
        self.engine = engine
        self.exporter = exporter
        self.state = state
        try refresh()
        if state.currentObject == nil, let first = self.state.project.objects.first {
            self.state.currentObject = first.id
            self.state.currentLabel = first.label
        }
    }

    /// Handles a batch of events (everything that arrived since the last draw), then writes and reloads once.
    public func send(_ events: [Event]) {
        for event in events { process(event) }
        flushUpdate()
        reloadIfNeeded()
    }

    public func send(_ event: Event) { send([event]) }

    /// The boxes of any frame, straight from the store (nil when it cannot say).
    public func boxes(onFrame frame: Int) -> [ReviewBox]? {
        try? store.boxes(onFrame: frame)
    }

    /// Handles what background threads posted.
    public func pollBackground() {
        var events = inbox.drain()
        if let lost = projectFileLossDue() { events.append(.failure(lost)) }
        if !events.isEmpty { send(events) }
    }

    private func process(_ event: Event) {
        var queue = [event]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            let effects = state.handle(next)
            for effect in effects {
                queue += execute(effect)
                if effect.writesProject, let lost = projectFileLoss() { queue.append(.failure(lost)) }
            }
            if state.boxesFrame != state.frame {
                flushUpdate()
                reloadBoxes()
            }
            if boxesStale { reloadBoxes() }
            reloadQueueIfStale()
        }
    }

    /// Runs one effect; returns events that report its result.
    private func execute(_ effect: Effect) -> [Event] {
        if effect.writesProject, let lost = projectLost {
            pendingUpdate = nil
            needsRefresh = true  // the screen goes back to what the store holds
            return [.failure(lost)]
        }
        if case .updateBox(let id, let rect) = effect {
            if let pending = pendingUpdate, pending.id != id { flushUpdate() }
            pendingUpdate = (id, rect)
            return []
        }
        flushUpdate()
        do {
            switch effect {
            case .addSeed(let frame, let rect, let target):
                let added = try store.addSeed(frame: frame, target: target, rect: rect)
                needsRefresh = true
                return added.objectIsNew ? [.objectCreated(added.object, label: added.label)] : []
            case .updateBox:
                return []
            case .deleteBox(let id):
                try store.deleteBox(id)
                needsRefresh = true
            case .assignBox(let id, let target):
                var events: [Event] = []
                let object = try resolve(target, created: &events)
                try store.moveBox(id, toObject: object)
                needsRefresh = true
                return events
            case .setKind(let ids, let kind):
                try store.setKind(ids, to: kind)
                needsRefresh = true
            case .acceptAtOrAbove(let threshold):
                let n = try store.acceptPending(minConfidence: threshold)
                needsRefresh = true
                return [.info("accepted \(n) box\(n == 1 ? "" : "es") at or above \(format(threshold))")]
            case .createObject(let label):
                var events: [Event] = []
                _ = try resolve(label.map { .newObject(label: $0) } ?? .defaultLabel, created: &events)
                needsRefresh = true
                return events
            case .undo:
                let what = try store.undo()
                needsRefresh = true
                return [.info(what.map { "undone: \($0)" } ?? "nothing to undo")]
            case .redo:
                let what = try store.redo()
                needsRefresh = true
                return [.info(what.map { "redone: \($0)" } ?? "nothing to redo")]
            case .startTraining:
                guard let engine else { return [.training(.failed(message: "training engine not available yet"))] }
                let inbox = self.inbox
                try engine.start(objects: nil) { event in inbox.post(.training(event)) }
            case .cancelTraining:
                engine?.cancel()
            case .export(let format):
                guard let exporter else { return [.failure("export is not available here")] }
                return [.info(try exporter.export(format: format))]
            case .refresh:
                needsRefresh = true
            case .quit:
                if let engine, engine.isRunning { engine.cancel() }
            }
        } catch {
            needsRefresh = true
            if case .startTraining = effect { return [.training(.failed(message: "\(error)"))] }
            return [.failure("\(error)")]
        }
        return []
    }

    /// The object a target names, creating the default label or a new object when asked.
    private func resolve(_ target: ObjectTarget, created: inout [Event]) throws -> ObjectID {
        switch target {
        case .object(let id):
            return id
        case .newObject(let label):
            let object = try store.addObject(label: label)
            created.append(.objectCreated(object, label: label))
            return object
        case .defaultLabel:
            let label = try store.labels().first { $0.name == Label.defaultName }?.id ?? store.addLabel(name: Label.defaultName)
            let object = try store.addObject(label: label)
            created.append(.objectCreated(object, label: label))
            return object
        }
    }

    private func flushUpdate() {
        guard let pending = pendingUpdate else { return }
        pendingUpdate = nil
        do {
            try store.updateBox(pending.id, rect: pending.rect)
            needsRefresh = true
            boxesStale = false  // the state already shows the move
            if let lost = projectFileLoss() { state.message = Message(lost, isError: true) }
        } catch {
            state.message = Message("\(error)", isError: true)
            needsRefresh = true
        }
    }

    private func reloadBoxes() {
        boxesStale = false
        do {
            state.boxes = try store.boxes(onFrame: state.frame)
            state.boxesFrame = state.frame
        } catch {
            state.boxes = []
            state.boxesFrame = state.frame
            state.message = Message("\(error)", isError: true)
        }
        validateSelection()
    }

    /// Loads the review queue as soon as review opens or its tab or order changes.
    private func reloadQueueIfStale() {
        guard state.mode.base == .review else { return }
        let key = (state.review.tab, state.review.order)
        guard loadedQueue == nil || loadedQueue! != key else { return }
        do {
            state.queue = try store.queue(kind: key.0, order: key.1)
            loadedQueue = key
            state.syncReview()
            if state.boxesFrame != state.frame { reloadBoxes() }
        } catch {
            state.message = Message("\(error)", isError: true)
        }
    }

    private func reloadIfNeeded() {
        let inReview = state.mode.base == .review || isEditingFromReview
        let queueKey = (state.review.tab, state.review.order)
        let queueStale = inReview && (loadedQueue == nil || loadedQueue! != queueKey)
        if needsRefresh || queueStale || state.boxesFrame != state.frame {
            do { try refresh() } catch { state.message = Message("\(error)", isError: true) }
        }
        if !inReview {
            loadedQueue = nil
            state.queue = []
        }
    }

    private var isEditingFromReview: Bool {
        if case .edit(let session) = state.mode.base { return session.fromReview }
        return false
    }

    /// Reloads the snapshot, the current frame's boxes and, in review, the queue.
    public func refresh() throws {
        needsRefresh = false
        var project = ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize)
        project.labels = try store.labels()
        project.objects = try store.objects()
        project.marks = try store.frameMarks()
        project.counts = try store.counts()
        project.threshold = try store.suggestedThreshold()
        project.aboveThreshold = try project.threshold.map { try store.pendingCount(minConfidence: $0) } ?? 0
        project.expectedWrong = try store.expectedWrongAtThreshold()
        state.project = project
        if let o = state.currentObject, project.object(o) == nil { state.currentObject = nil }
        if let l = state.currentLabel, project.label(l) == nil { state.currentLabel = nil }
        if state.mode.base == .review || isEditingFromReview {
            // Stay on the same proposal when new ones arrive around it.
            let current = state.currentEntry?.id
            state.queue = try store.queue(kind: state.review.tab, order: state.review.order)
            if let current, let i = state.queue.firstIndex(where: { $0.id == current }) { state.review.index = i }
            loadedQueue = (state.review.tab, state.review.order)
            if state.mode.base == .review { state.syncReview() }
        }
        state.frame = min(state.frame, max(project.frameCount - 1, 0))
        reloadBoxes()
    }

    private func validateSelection() {
        guard let selection = state.selection else { return }
        if state.boxes.contains(where: { $0.id == selection }) { return }
        if state.mode.base == .review, state.queue.contains(where: { $0.id == selection }) { return }
        state.selection = nil
        if case .edit = state.mode { state.mode = isEditingFromReview ? .review : .navigate }
    }
}
