import Geometry
import Foundation
import Synchronization

/// Events posted from other threads (training progress), read by the UI loop.
public final class EventInbox: Sendable {
    private let events = Mutex<[Event]>([])

    public init() {}

    public func post(_ event: Event) {
        events.withLock { $0.append(event) }
    }

    /// Everything posted so far; progress reports are coalesced to the latest.
    public func drain() -> [Event] {
        let taken = events.withLock { events in
            defer { events.removeAll() }
            return events
        }
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

/// The review room without a terminal: the state, the reducer, and the effects run
/// against the store, engine and exporter. The reducer is the only writer of the state;
/// the session runs the effects it asks for, reads from the store what it is due
/// (`ReviewState.dueLoad`), and sends every result back to it as an event.
/// The curses driver feeds it key events and draws its state; the tests do the same with fakes.
public final class ReviewSession {
    public private(set) var state: ReviewState
    let store: ReviewStore
    let engine: TrainingEngine?
    let exporter: ReviewExporter?
    public let inbox = EventInbox()

    /// A box move waiting to be written: consecutive moves of one box become one write.
    private var pendingUpdate: (id: BoxID, rect: BoxRect)?
    /// Set once the project file was deleted or replaced: every edit is refused with this line.
    var projectLost: String?
    var lastFileCheck = 0.0

    /// How long the keys must rest before corrections made in review start a training pass.
    public static let idleDelay = 1.5
    /// Seconds on a monotonic clock; tests set their own.
    public var clock: () -> Double = { ReviewRoom.monotonicSeconds() }
    /// When the last key or mouse event came (clock seconds); nil before the first.
    private var lastInput: Double?

    /// Reads the project once; throws when the store cannot be read at all.
    public init(store: ReviewStore, engine: TrainingEngine?, exporter: ReviewExporter?, state: ReviewState) throws {
        self.store = store
        self.engine = engine
        self.exporter = exporter
        self.state = state
        dispatch(.snapshotLoaded(try readSnapshot()))
        load(settled: true)
    }

    /// Handles a batch of events (everything that arrived since the last draw), then writes
    /// the pending move and reads what the writes made stale, once.
    public func send(_ events: [Event]) {
        if events.contains(where: \.isInput) { lastInput = clock() }
        for event in events {
            dispatch(event)
            load(settled: false)
        }
        for event in flushUpdate() { dispatch(event) }
        load(settled: true)
    }

    public func send(_ event: Event) { send([event]) }

    /// The boxes of any frame, straight from the store (nil when it cannot say).
    public func boxes(onFrame frame: Int) -> [ReviewBox]? {
        try? store.boxes(onFrame: frame)
    }

    /// Handles what background threads posted; once the keys have rested `idleDelay`, starts
    /// the training pass that corrections in review are waiting for.
    public func pollBackground() {
        var events = inbox.drain()
        if let lost = projectFileLossDue() { events.append(.failure(lost)) }
        if !events.isEmpty { send(events) }
        if let wait = idleIn(), wait <= 0 { send(.idle) }
    }

    /// Seconds until the keys will have rested long enough for the waiting corrections to
    /// start a training pass; nil when nothing waits (or no engine, or one is running).
    public func idleIn() -> Double? {
        guard engine != nil, projectLost == nil, state.retrainWaits else { return nil }
        return (lastInput ?? -.infinity) + Self.idleDelay - clock()
    }

    /// One event through the reducer, and the events its effects report, until none is left.
    private func dispatch(_ event: Event) {
        var queue = [event]
        while !queue.isEmpty {
            for effect in state.handle(queue.removeFirst()) {
                queue += execute(effect)
                if effect.writesProject, let lost = projectFileLoss() { queue.append(.failure(lost)) }
            }
        }
    }

    /// Runs the reads the state is due. A snapshot makes the queue due, the queue may move to
    /// another frame and make its boxes due: a few rounds at most. A read that fails is not
    /// tried again in the same batch.
    private func load(settled: Bool) {
        var done: [Effect] = []
        while let next = state.dueLoad(settled: settled), !done.contains(next), done.count < 8 {
            done.append(next)
            for event in execute(next) { dispatch(event) }
        }
    }

    /// Runs one effect; returns events that report its result.
    private func execute(_ effect: Effect) -> [Event] {
        if effect.writesProject, let lost = projectLost {
            pendingUpdate = nil
            return [.failure(lost), .storeChanged]  // the screen goes back to what the store holds
        }
        if case .updateBox(let id, let rect) = effect {
            var events: [Event] = []
            if let pending = pendingUpdate, pending.id != id { events = flushUpdate() }
            pendingUpdate = (id, rect)
            return events
        }
        var events = flushUpdate()
        do {
            switch effect {
            case .loadSnapshot:
                events.append(.snapshotLoaded(try readSnapshot()))
            case .loadBoxes(let frame):
                do {
                    events.append(.boxesLoaded(frame: frame, try store.boxes(onFrame: frame)))
                } catch {
                    events += [.boxesLoaded(frame: frame, []), .failure("\(error)")]
                }
            case .findNextDraw:
                events.append(.nextDrawFound(try store.nextDraw()))
            case .loadQueue(let key):
                do {
                    events.append(.queueLoaded(key, try store.queue(kind: key.tab, order: key.order)))
                } catch {
                    events += [.queueLoaded(key, []), .failure("\(error)")]
                }
            case .addSeed(let frame, let rect, let target):
                let added = try store.addSeed(frame: frame, target: target, rect: rect)
                if added.objectIsNew { events.append(.objectCreated(added.object, label: added.label)) }
            case .updateBox:
                break
            case .deleteBox(let id):
                try store.deleteBox(id)
            case .assignBox(let id, let target):
                let object = try resolve(target, created: &events)
                try store.moveBox(id, toObject: object)
            case .setKind(let ids, let kind):
                try store.setKind(ids, to: kind)
            case .acceptAtOrAbove(let threshold):
                let n = try store.acceptPending(minConfidence: threshold)
                events.append(.info("accepted \(n) box\(n == 1 ? "" : "es") at or above \(format(threshold))"))
            case .createObject(let label):
                _ = try resolve(label.map { .newObject(label: $0) } ?? .defaultLabel, created: &events)
            case .undo:
                let what = try store.undo()
                events.append(.info(what.map { "undone: \($0)" } ?? "nothing to undo"))
            case .redo:
                let what = try store.redo()
                events.append(.info(what.map { "redone: \($0)" } ?? "nothing to redo"))
            case .startTraining:
                guard let engine else { return events + [.training(.failed(message: "training engine not available yet"))] }
                let inbox = self.inbox
                try engine.start(objects: nil) { event in inbox.post(.training(event)) }
            case .cancelTraining:
                engine?.cancel()
            case .export(let format):
                guard let exporter else { return events + [.failure("export is not available here")] }
                events.append(.info(try exporter.export(format: format)))
            case .quit:
                if let engine, engine.isRunning { engine.cancel() }
            }
        } catch {
            if case .startTraining = effect { return events + [.training(.failed(message: "\(error)")), .storeChanged] }
            return events + [.failure("\(error)"), .storeChanged]
        }
        return events
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
            let label = try store.defaultLabel()
            let object = try store.addObject(label: label)
            created.append(.objectCreated(object, label: label))
            return object
        }
    }

    /// Writes the pending box move; returns what the reducer should hear about it.
    private func flushUpdate() -> [Event] {
        guard let pending = pendingUpdate else { return [] }
        pendingUpdate = nil
        do {
            try store.updateBox(pending.id, rect: pending.rect)
            if let lost = projectFileLoss() { return [.failure(lost)] }
            return []
        } catch {
            return [.failure("\(error)"), .storeChanged]
        }
    }

    /// The project as the store has it now.
    private func readSnapshot() throws -> ProjectSnapshot {
        var project = ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize)
        project.labels = try store.labels()
        project.objects = try store.objects()
        project.marks = try store.frameMarks()
        project.lowestPending = try store.lowestPendingConfidence()
        project.counts = try store.counts()
        project.threshold = try store.suggestedThreshold()
        project.precisionTarget = store.precisionTarget
        project.aboveThreshold = try project.threshold.map { try store.pendingCount(minConfidence: $0) } ?? 0
        project.expectedWrong = try store.expectedWrongAtThreshold()
        return project
    }
}
