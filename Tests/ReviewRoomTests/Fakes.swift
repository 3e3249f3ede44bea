import Geometry
import struct Imaging.RGBImage  // only this: Imaging has an Overlay too
@testable import ReviewRoom
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.GraphicsMode

/// An in-memory project with a snapshot undo history.
final class FakeStore: ReviewStore {
    struct Contents: Equatable {
        var labels: [ReviewLabel] = []
        var objects: [ReviewObject] = []
        var boxes: [ReviewBox] = []
        var nextID: Int64 = 1
    }
    let frameCount: Int
    let frameSize: PixelSize
    var contents = Contents()
    var undoStack: [(Contents, String)] = []
    var redoStack: [(Contents, String)] = []
    var cuts: Set<Int> = []
    var threshold: Double?
    var precisionTarget = 0.95
    /// Every write, in order, for assertions.
    var log: [String] = []

    init(frameCount: Int = 132, frameSize: PixelSize = PixelSize(width: 640, height: 360)) {
        self.frameCount = frameCount
        self.frameSize = frameSize
    }

    private func edit(_ what: String, _ change: () -> Void) {
        undoStack.append((contents, what))
        redoStack.removeAll()
        change()
        log.append(what)
    }
    private func newID() -> Int64 {
        defer { contents.nextID += 1 }
        return contents.nextID
    }

    func labels() throws -> [ReviewLabel] { contents.labels }
    func objects() throws -> [ReviewObject] { contents.objects }
    func boxes(onFrame frame: Int) throws -> [ReviewBox] { contents.boxes.filter { $0.frame == frame } }
    func frameMarks() throws -> [FrameMarks] {
        var marks = [FrameMarks](repeating: [], count: frameCount)
        for box in contents.boxes {
            switch box.kind {
            case .seed: marks[box.frame].insert(.seed)
            case .pending: marks[box.frame].insert(.pending)
            case .accepted: marks[box.frame].insert(.accepted)
            case .rejected: marks[box.frame].insert(.rejected)
            }
        }
        for cut in cuts { marks[cut].insert(.sceneCut) }
        return marks
    }
    func lowestPendingConfidence() throws -> [Double?] {
        (0..<frameCount).map { f in contents.boxes.filter { $0.frame == f && $0.kind == .pending }.map(\.confidence).min() }
    }
    func queue(kind: ReviewKind, order: QueueOrder) throws -> [ReviewBox] {
        let boxes = contents.boxes.filter { $0.kind == kind }
        switch order {
        case .confidenceAscending: return boxes.sorted { ($0.confidence, $0.frame) < ($1.confidence, $1.frame) }
        case .confidenceDescending: return boxes.sorted { ($0.confidence, -$0.frame) > ($1.confidence, -$1.frame) }
        case .frame: return boxes.sorted { ($0.frame, $0.id) < ($1.frame, $1.id) }
        }
    }
    func counts() throws -> KindCounts {
        var c = KindCounts()
        for box in contents.boxes {
            switch box.kind {
            case .seed: c.seed += 1
            case .pending: c.pending += 1
            case .accepted: c.accepted += 1
            case .rejected: c.rejected += 1
            }
        }
        return c
    }
    func suggestedThreshold() throws -> Double? { threshold }
    var expectedWrong: Double?
    func expectedWrongAtThreshold() throws -> Double? { expectedWrong }
    func pendingCount(minConfidence: Double) throws -> Int {
        contents.boxes.filter { $0.kind == .pending && $0.confidence >= minConfidence }.count
    }
    func addLabel(name: String) throws -> LabelID {
        let id = newID()
        edit("add label \(name)") { contents.labels.append(ReviewLabel(id: id, name: name)) }
        return id
    }
    func defaultLabel() throws -> LabelID {
        try contents.labels.first { $0.name == "object" }?.id ?? addLabel(name: "object")
    }
    func addObject(label: LabelID) throws -> ObjectID {
        let id = newID()
        let n = contents.objects.filter { $0.label == label }.count + 1
        let name = (contents.labels.first { $0.id == label }?.name ?? "?") + " \(n)"
        edit("add object \(name)") { contents.objects.append(ReviewObject(id: id, label: label, name: name)) }
        return id
    }
    func addSeed(frame: Int, target: ObjectTarget, rect: BoxRect) throws -> AddedSeed {
        let id = newID()
        var added = AddedSeed(box: id, object: 0, label: 0, objectIsNew: false)
        edit("add seed") {
            switch target {
            case .object(let object):
                added.object = object
                added.label = contents.objects.first { $0.id == object }?.label ?? 0
            case .newObject(let label):
                added = AddedSeed(box: id, object: newObject(label: label), label: label, objectIsNew: true)
            case .defaultLabel:
                let label = contents.labels.first { $0.name == "object" }?.id ?? newLabel("object")
                added = AddedSeed(box: id, object: newObject(label: label), label: label, objectIsNew: true)
            }
            contents.boxes.append(ReviewBox(id: id, frame: frame, object: added.object, kind: .seed, rect: rect, confidence: 1))
        }
        return added
    }
    /// Label and object creation inside another edit, so a seed and its object are one undo step.
    private func newLabel(_ name: String) -> LabelID {
        let id = newID()
        contents.labels.append(ReviewLabel(id: id, name: name))
        return id
    }
    private func newObject(label: LabelID) -> ObjectID {
        let id = newID()
        let n = contents.objects.filter { $0.label == label }.count + 1
        contents.objects.append(ReviewObject(id: id, label: label, name: (contents.labels.first { $0.id == label }?.name ?? "?") + " \(n)"))
        return id
    }
    /// Adds a proposal without an undo entry, as the engine does.
    @discardableResult
    func propose(frame: Int, object: ObjectID, rect: BoxRect, confidence: Double) -> BoxID {
        let id = newID()
        contents.boxes.append(ReviewBox(id: id, frame: frame, object: object, kind: .pending, rect: rect, confidence: confidence))
        return id
    }
    func updateBox(_ id: BoxID, rect: BoxRect) throws {
        guard let i = contents.boxes.firstIndex(where: { $0.id == id }) else { throw FakeError.missing(id) }
        edit("move box \(id) to \(rect)") { contents.boxes[i].rect = rect }
    }
    func moveBox(_ id: BoxID, toObject object: ObjectID) throws {
        guard let i = contents.boxes.firstIndex(where: { $0.id == id }) else { throw FakeError.missing(id) }
        edit("give box \(id) to object \(object)") { contents.boxes[i].object = object }
    }
    func deleteBox(_ id: BoxID) throws {
        guard contents.boxes.contains(where: { $0.id == id }) else { throw FakeError.missing(id) }
        edit("delete box \(id)") { contents.boxes.removeAll { $0.id == id } }
    }
    func setKind(_ ids: [BoxID], to kind: ReviewKind) throws {
        edit("\(kind.rawValue) \(ids.map(String.init).joined(separator: ","))") {
            for i in contents.boxes.indices where ids.contains(contents.boxes[i].id) { contents.boxes[i].kind = kind }
        }
    }
    func acceptPending(minConfidence: Double) throws -> Int {
        let ids = contents.boxes.filter { $0.kind == .pending && $0.confidence >= minConfidence }.map(\.id)
        try setKind(ids, to: .accepted)
        return ids.count
    }
    func undo() throws -> String? {
        guard let (previous, what) = undoStack.popLast() else { return nil }
        redoStack.append((contents, what))
        contents = previous
        log.append("undo")
        return what
    }
    func redo() throws -> String? {
        guard let (next, what) = redoStack.popLast() else { return nil }
        undoStack.append((contents, what))
        contents = next
        log.append("redo")
        return what
    }

    func boxes(kind: ReviewKind) -> [ReviewBox] { contents.boxes.filter { $0.kind == kind } }
}

enum FakeError: Error, CustomStringConvertible {
    case missing(BoxID)
    var description: String {
        switch self {
        case .missing(let id): "no box \(id)"
        }
    }
}

/// Frames as flat grey images whose level encodes the frame number.
final class FakeFrames: FrameProvider {
    var requests: [(frame: Int, region: BoxRect, size: PixelSize)] = []
    var prefetched: [Int] = []
    func image(frame index: Int, region: BoxRect, size: PixelSize) throws -> RGBImage {
        requests.append((index, region, size))
        var image = RGBImage(width: size.width, height: size.height)
        let level = UInt8(truncatingIfNeeded: index * 2 + 40)
        for i in image.pixels.indices { image.pixels[i] = level }
        return image
    }
    func prefetch(frames: [Int], region: BoxRect, size: PixelSize) { prefetched += frames }
}

/// A text renderer: one row of characters per cell row, `#` for box edges, `+` for the crosshair.
final class FakeRenderer: FrameRenderer {
    let mode: GraphicsMode = .ascii
    var renders = 0
    func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int, slot: Int) throws -> RenderedFrame {
        renders += 1
        var grid = [[UInt8]](repeating: [UInt8](repeating: UInt8(ascii: "."), count: columns), count: rows)
        let sx = Double(image.width) / Double(columns), sy = Double(image.height) / Double(rows)
        for overlay in overlays {
            switch overlay.shape {
            case .box(let r, _):
                let c0 = Int(r.x / sx), c1 = Int(r.maxX / sx), r0 = Int(r.y / sy), r1 = Int(r.maxY / sy)
                for row in r0...r1 where row >= 0 && row < rows {
                    for col in c0...c1 where col >= 0 && col < columns && (row == r0 || row == r1 || col == c0 || col == c1) {
                        grid[row][col] = UInt8(ascii: "#")
                    }
                }
            case .crosshair(let p):
                let c = Int(p.x / sx), r = Int(p.y / sy)
                if r >= 0, r < rows, c >= 0, c < columns { grid[r][c] = UInt8(ascii: "+") }
            }
        }
        return RenderedFrame(lines: grid)
    }
}

/// An engine that proposes one box per frame around each seed when `step()` is called.
final class FakeEngine: TrainingEngine {
    let store: FakeStore
    var report: (@Sendable (TrainingEvent) -> Void)?
    var isRunning = false
    var startCount = 0
    var cancelCount = 0
    init(store: FakeStore) { self.store = store }

    func start(objects: [ObjectID]?, report: @escaping @Sendable (TrainingEvent) -> Void) throws {
        startCount += 1
        isRunning = true
        self.report = report
        report(.progress(fraction: 0, detail: "training"))
    }
    /// Writes proposals next to every seed with falling confidence, and finishes.
    func finish() {
        var written = 0
        for seed in store.boxes(kind: .seed) {
            for d in 1...3 where seed.frame + d < store.frameCount {
                var r = seed.rect
                r.x += Double(d)
                store.propose(frame: seed.frame + d, object: seed.object, rect: r, confidence: 1 - Double(d) * 0.2)
                written += 1
            }
        }
        report?(.proposalsWritten(count: written))
        report?(.finished(summary: "\(written) proposals"))
        isRunning = false
    }
    func cancel() {
        cancelCount += 1
        if isRunning {
            isRunning = false
            report?(.cancelled)
        }
    }
}

final class FakeExporter: ReviewExporter {
    let formats = ["coco", "yolo", "mot"]
    var exported: [String] = []
    func export(format: String) throws -> String {
        exported.append(format)
        return "wrote \(format)"
    }
}
