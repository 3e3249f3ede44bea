import Foundation
import ReviewRoom
import Synchronization
import Geometry
import LabelStore
import struct TerminalGraphics.PixelSize

/// The review room's view of a `LabelStore.Project`.
///
/// Every box is read once into memory, by frame, so stepping, the timeline marks and the
/// review queues cost no queries. Edits go through the project's logged actions (one
/// transaction and one undo step each) and then re-read only the frames they touched.
/// Undo and redo, and anything written behind the room's back (the engine, another
/// process), re-read everything: `invalidate()` asks for that, and a change in the box
/// counts is noticed on the next refresh.
public final class ProjectReviewStore: ReviewStore {
    public let project: Project
    public let frameCount: Int
    public let frameSize: PixelSize

    /// Boxes by 0-based frame, ordered as the project lists them (object, then id).
    private var boxesByFrame: [[ReviewBox]] = []
    /// The frame each cached box is on.
    private var frameOfBox: [BoxID: Int] = [:]
    private var marks: [FrameMarks] = []
    private var cachedCounts = KindCounts()
    private var loaded = false
    /// Set from any thread by `invalidate()`.
    private let staleFlag = StaleFlag()
    /// First frames of new scenes, as the engine found them.
    private var sceneCuts: Set<Int> = []
    private let fileWatch: ProjectFileWatch

    public init(project: Project) throws {
        self.project = project
        let source = try project.source()
        frameCount = source.frameCount
        frameSize = PixelSize(width: source.width, height: source.height)
        fileWatch = ProjectFileWatch(url: project.url)
    }

    public func checkProjectFile(beforeSaving: () -> Void) -> String? {
        fileWatch.check(beforeSaving: beforeSaving, save: project.saveCopy(to:))
    }

    /// Forgets the cached boxes; the next read loads them again. Safe from any thread:
    /// the training engine calls it when it has written proposals.
    public func invalidate() {
        staleFlag.set()
    }

    /// `invalidate` as a closure that other threads may hold.
    public var invalidation: @Sendable () -> Void {
        let flag = staleFlag
        return { flag.set() }
    }

    // MARK: Reads

    public func labels() throws -> [ReviewLabel] {
        try project.labels().map { ReviewLabel(id: $0.id, name: $0.name) }
    }

    public func objects() throws -> [ReviewObject] {
        try project.objects().map { ReviewObject(id: $0.id, label: $0.labelID, name: $0.name) }
    }

    public func boxes(onFrame frame: Int) throws -> [ReviewBox] {
        try loadIfNeeded()
        return boxesByFrame.indices.contains(frame) ? boxesByFrame[frame] : []
    }

    public func frameMarks() throws -> [FrameMarks] {
        try loadIfNeeded()
        // Cheap check for writes made elsewhere (engine, another process): one aggregate query.
        if try Self.reviewCounts(project.counts()) != cachedCounts { try loadAll() }
        return marks
    }

    public func lowestPendingConfidence() throws -> [Double?] {
        try loadIfNeeded()
        return boxesByFrame.map { frame in frame.lazy.filter { $0.kind == .pending }.map(\.confidence).min() }
    }

    public func nextDraw() throws -> NextDrawAnswer {
        switch try NextDraw.suggest(in: project) {
        case .draw(let s, _):
            return .draw(frame: s.frame, object: s.objectID, saving: s.expectedSavingSeconds)
        case .nothingLeft: return .nothing(.nothingLeft)
        case .noFrames: return .nothing(.noFrames)
        case .noSeeds: return .nothing(.noSeeds)
        case .noProposals: return .nothing(.noProposals)
        }
    }

    public func queue(kind: ReviewKind, order: QueueOrder) throws -> [ReviewBox] {
        try loadIfNeeded()
        var boxes: [ReviewBox] = []
        for frame in boxesByFrame { for box in frame where box.kind == kind { boxes.append(box) } }
        // Ties as the project orders them: frame, object, id.
        func byFrame(_ a: ReviewBox, _ b: ReviewBox) -> Bool { (a.frame, a.object, a.id) < (b.frame, b.object, b.id) }
        switch order {
        case .confidenceAscending:
            boxes.sort { $0.confidence != $1.confidence ? $0.confidence < $1.confidence : byFrame($0, $1) }
        case .confidenceDescending:
            boxes.sort { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : byFrame($0, $1) }
        case .frame:
            break  // already in frame order
        }
        return boxes
    }

    public func counts() throws -> KindCounts {
        try loadIfNeeded()
        return cachedCounts
    }

    public func suggestedThreshold() throws -> Double? {
        try autoAccept().items.last
    }

    public var precisionTarget: Double { PrecisionTarget.defaultPrecision }

    public func expectedWrongAtThreshold() throws -> Double? {
        let selection = try autoAccept()
        return selection.items.isEmpty ? nil : selection.expectedWrong
    }

    /// What bulk accept takes: the same rule as `microlabel accept` without a score.
    private func autoAccept() throws -> PrecisionTarget.Selection<Double> {
        try loadIfNeeded()
        let pending = boxesByFrame.joined().filter { $0.kind == .pending }.map(\.confidence)
        return PrecisionTarget(precision: precisionTarget).select(pending) { $0 }
    }

    public func pendingCount(minConfidence: Double) throws -> Int {
        try pendingIDs(minConfidence: minConfidence).count
    }

    // MARK: Edits, each one logged action

    public func addLabel(name: String) throws -> LabelID {
        try project.addLabel(name).id
    }

    public func defaultLabel() throws -> LabelID {
        try (project.label(named: Label.defaultName) ?? project.addLabel(Label.defaultName)).id
    }

    public func addObject(label: LabelID) throws -> ObjectID {
        try project.addObject(labelID: label).id
    }

    public func addSeed(frame: Int, target: ObjectTarget, rect: BoxRect) throws -> AddedSeed {
        let added = try project.perform("add seed box on frame \(frame + 1)") { action -> AddedSeed in
            let objectID: Int64
            var isNew = false
            switch target {
            case .object(let id):
                objectID = id
            case .newObject(let label):
                objectID = try action.addObject(labelID: label).id
                isNew = true
            case .defaultLabel:
                let label = try action.label(named: Label.defaultName) ?? action.addLabel(Label.defaultName)
                objectID = try action.addObject(labelID: label.id).id
                isNew = true
            }
            let box = try action.addBox(NewBox(frame: frame, objectID: objectID, rect: rect, kind: .seed, confidence: 1))
            let labelID = try action.object(id: objectID)?.labelID ?? 0
            return AddedSeed(box: box.id, object: objectID, label: labelID, objectIsNew: isNew)
        }
        try reload(frames: [frame])
        return added
    }

    public func updateBox(_ id: BoxID, rect: BoxRect) throws {
        let box = try project.updateBox(id: id, rect: rect)
        try reload(frames: [box.frame])
    }

    public func moveBox(_ id: BoxID, toObject object: ObjectID) throws {
        let frame = try frame(of: id)
        try project.setObject(boxIDs: [id], to: object)
        try reload(frames: [frame])
    }

    public func deleteBox(_ id: BoxID) throws {
        let frame = try frame(of: id)
        try project.deleteBox(id: id)
        try reload(frames: [frame])
    }

    public func setKind(_ ids: [BoxID], to kind: ReviewKind) throws {
        guard !ids.isEmpty else { return }
        let frames = try ids.map(frame(of:))
        try project.setKind(ids: ids, to: Self.storeKind(kind))
        try reload(frames: frames)
    }

    public func acceptPending(minConfidence: Double) throws -> Int {
        let ids = try pendingIDs(minConfidence: minConfidence)
        try setKind(ids, to: .accepted)
        // Accepted in bulk, unseen one by one: no evidence for the calibration.
        try project.forgetScores(ids: ids)
        return ids.count
    }

    public func undo() throws -> String? {
        guard let what = try project.undo() else { return nil }
        try loadAll()
        return Self.withoutPrefix(what, "undo: ")
    }

    public func redo() throws -> String? {
        guard let what = try project.redo() else { return nil }
        try loadAll()
        return Self.withoutPrefix(what, "redo: ")
    }

    // MARK: Cache

    private func loadIfNeeded() throws {
        if !loaded || staleFlag.take() { try loadAll() }
    }

    private func loadAll() throws {
        _ = staleFlag.take()
        let stored = try project.boxes()
        var byFrame = [[ReviewBox]](repeating: [], count: frameCount)
        var frameOfBox: [BoxID: Int] = [:]
        frameOfBox.reserveCapacity(stored.count)
        for box in stored where box.frame < frameCount {
            byFrame[box.frame].append(Self.reviewBox(box))
            frameOfBox[box.id] = box.frame
        }
        boxesByFrame = byFrame
        self.frameOfBox = frameOfBox
        marks = byFrame.map(Self.marks(of:))
        sceneCuts = Set((try project.setting(SettingKey.sceneCuts) ?? "").split(separator: ",").compactMap { Int($0) })
        for cut in sceneCuts where marks.indices.contains(cut) { marks[cut].insert(.sceneCut) }
        cachedCounts = Self.count(byFrame)
        loaded = true
    }

    /// Re-reads the given frames after an edit of ours.
    private func reload(frames: [Int]) throws {
        guard loaded else { return try loadAll() }
        for frame in Set(frames) where boxesByFrame.indices.contains(frame) {
            for old in boxesByFrame[frame] { frameOfBox[old.id] = nil }
            let fresh = try project.boxes(frames: frame...frame).map(Self.reviewBox)
            for box in fresh { frameOfBox[box.id] = frame }
            subtract(boxesByFrame[frame])
            add(fresh)
            boxesByFrame[frame] = fresh
            marks[frame] = Self.marks(of: fresh)
            if sceneCuts.contains(frame) { marks[frame].insert(.sceneCut) }
        }
    }

    private func frame(of id: BoxID) throws -> Int {
        try loadIfNeeded()
        if let frame = frameOfBox[id] { return frame }
        guard let box = try project.box(id: id) else { throw StoreError.noSuchBox(file: project.url, id: id) }
        return box.frame
    }

    private func pendingIDs(minConfidence: Double) throws -> [BoxID] {
        try loadIfNeeded()
        var ids: [BoxID] = []
        for frame in boxesByFrame {
            for box in frame where box.kind == .pending && box.confidence >= minConfidence { ids.append(box.id) }
        }
        return ids
    }

    private func add(_ boxes: [ReviewBox]) {
        for box in boxes { Self.bump(&cachedCounts, box.kind, by: 1) }
    }

    private func subtract(_ boxes: [ReviewBox]) {
        for box in boxes { Self.bump(&cachedCounts, box.kind, by: -1) }
    }

    // MARK: Conversions

    static func reviewBox(_ box: Box) -> ReviewBox {
        ReviewBox(id: box.id, frame: box.frame, object: box.objectID, kind: reviewKind(box.kind),
                  rect: box.rect,
                  confidence: box.confidence)
    }

    static func reviewKind(_ kind: LabelStore.BoxKind) -> ReviewKind {
        switch kind {
        case .seed: .seed
        case .proposal: .pending
        case .accepted: .accepted
        case .rejected: .rejected
        }
    }

    static func storeKind(_ kind: ReviewKind) -> LabelStore.BoxKind {
        switch kind {
        case .seed: .seed
        case .pending: .proposal
        case .accepted: .accepted
        case .rejected: .rejected
        }
    }

    static func reviewCounts(_ counts: BoxCounts) -> KindCounts {
        KindCounts(seed: counts.seeds, pending: counts.proposals, accepted: counts.accepted, rejected: counts.rejected)
    }

    static func marks(of boxes: [ReviewBox]) -> FrameMarks {
        var marks = FrameMarks()
        for box in boxes {
            switch box.kind {
            case .seed: marks.insert(.seed)
            case .pending: marks.insert(.pending)
            case .accepted: marks.insert(.accepted)
            case .rejected: marks.insert(.rejected)
            }
        }
        return marks
    }

    static func count(_ byFrame: [[ReviewBox]]) -> KindCounts {
        var counts = KindCounts()
        for frame in byFrame { for box in frame { bump(&counts, box.kind, by: 1) } }
        return counts
    }

    static func bump(_ counts: inout KindCounts, _ kind: ReviewKind, by delta: Int) {
        switch kind {
        case .seed: counts.seed += delta
        case .pending: counts.pending += delta
        case .accepted: counts.accepted += delta
        case .rejected: counts.rejected += delta
        }
    }

    static func withoutPrefix(_ text: String, _ prefix: String) -> String {
        text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}

/// A flag one thread raises and another takes down.
private final class StaleFlag: Sendable {
    private let raised = Mutex(false)

    func set() {
        raised.withLock { $0 = true }
    }

    /// Whether it was raised; lowers it.
    func take() -> Bool {
        raised.withLock { raised in
            defer { raised = false }
            return raised
        }
    }
}
