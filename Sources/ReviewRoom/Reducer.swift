import Geometry
import Foundation

/// What the reducer asks the driver to do; the driver runs each against the
/// store, the engine or the exporter and feeds results back as events.
public enum Effect: Sendable, Hashable {
    case addSeed(frame: Int, rect: BoxRect, target: ObjectTarget)
    case updateBox(BoxID, BoxRect)
    case deleteBox(BoxID)
    /// Give a box to another (maybe new) object.
    case assignBox(BoxID, ObjectTarget)
    case setKind([BoxID], ReviewKind)
    /// Accept every pending box with confidence >= the value.
    case acceptAtOrAbove(Double)
    /// A new object of the label (nil: the default label `object`, created when missing).
    case createObject(label: LabelID?)
    case undo
    case redo
    case startTraining
    case cancelTraining
    case export(format: String)
    case quit
    /// Read the project snapshot (labels, objects, marks, counts, threshold).
    case loadSnapshot
    /// Read every box of one frame.
    case loadBoxes(frame: Int)
    /// Read the review queue of one tab in one order.
    case loadQueue(QueueKey)
    /// Ask the store where one drawn box saves the most review.
    case findNextDraw
}

/// The screen's mode: what keys mean right now (its keys: `context`, in Keymap.swift).
public indirect enum Mode: Sendable, Hashable {
    case navigate
    /// Drawing a new box: the crosshair, and the first corner once fixed.
    case draw(cursor: Point, firstCorner: Point?)
    /// Moving or resizing the selected box.
    case edit(EditSession)
    /// Zoomed in; the arrows pan.
    case pan
    case review
    case prompt(Prompt, under: Mode)
    case confirm(Confirmation, under: Mode)
    case help(scroll: Int, under: Mode)

    /// The mode below an overlay (help, prompt, confirmation).
    public var base: Mode {
        switch self {
        case .prompt(_, let under), .confirm(_, let under), .help(_, let under): under.base
        default: self
        }
    }
}

extension ReviewState {
    /// The pure update function: the new state and the effects to run.
    public static func update(_ state: ReviewState, _ event: Event) -> (ReviewState, [Effect]) {
        var next = state
        let effects = next.handle(event)
        return (next, effects)
    }

    /// Applies one event in place; returns the effects to run.
    public mutating func handle(_ event: Event) -> [Effect] {
        let effects = fold(event)
        // What a write changes is read again: the snapshot once the batch is handled, the
        // frame's boxes at once (a move is already shown, so it needs no read).
        for effect in effects where effect.writesProject {
            sync.snapshotStale = true
            if case .updateBox = effect {} else { sync.boxesStale = true }
        }
        if !showsQueue && (sync.queue != nil || !queue.isEmpty) {
            queue = []
            sync.queue = nil
        }
        return effects
    }

    mutating func fold(_ event: Event) -> [Effect] {
        switch event {
        case .key(let key):
            return handleKey(key)
        case .mouse(let mouse):
            return layout.tooSmall ? [] : handleMouse(mouse)
        case .resize(let c, let r):
            columns = c
            rows = r
            return []
        case .training(let t):
            return handleTraining(t)
        case .objectCreated(let object, let label):
            currentObject = object
            currentLabel = label
            return []
        case .info(let text):
            message = Message(text)
            return []
        case .failure(let text):
            message = Message(text, isError: true)
            return []
        case .idle:
            return retrainIfDue()
        case .nextDrawFound(let answer):
            showNextDraw(answer)
            return []
        case .storeChanged:
            sync.snapshotStale = true
            sync.boxesStale = true
            return []
        case .snapshotLoaded(let loaded):
            foldSnapshot(loaded)
            return []
        case .boxesLoaded(let f, let loaded):
            guard f == frame else { return [] }  // the frame moved on; its own read follows
            boxes = loaded
            boxesFrame = f
            sync.boxesStale = false
            validateSelection()
            return []
        case .queueLoaded(let key, let loaded):
            guard key == queueKey, showsQueue else { return [] }
            // Stay on the same proposal when new ones arrive around it, and keep the marks. A
            // pass that replaced a proposal wrote its successor under a new id, on the same
            // object and frame: the cursor and a mark follow it there.
            let current = currentEntry
            let marked = queue.filter { review.marked.contains($0.id) }
            queue = loaded
            sync.queue = key
            if !review.marked.isEmpty { review.marked = Set(marked.compactMap { queueIndex(of: $0).map { loaded[$0].id } }) }
            if let current, let i = queueIndex(of: current) { review.index = i }
            if mode.base == .review { syncReview() }
            validateSelection()
            return []
        }
    }

    // MARK: Reading the store

    /// The tab and order the review queue should show.
    public var queueKey: QueueKey { QueueKey(tab: review.tab, order: review.order) }

    /// Whether the screen needs the review queue: in review, or editing a proposal from it.
    var showsQueue: Bool {
        if mode.base == .review { return true }
        if case .edit(let session) = mode.base { return session.fromReview }
        return false
    }

    /// The next read the state waits for, or nil when it shows what the store holds. The
    /// snapshot (stale after writes) is read only at the end of a batch (`settled`), so a run
    /// of held keys costs one read; the frame's boxes and the queue are read at once, because
    /// the next key acts on them. Each answer comes back as an event.
    public func dueLoad(settled: Bool) -> Effect? {
        if settled && sync.snapshotStale { return .loadSnapshot }
        if showsQueue && sync.queue != queueKey { return .loadQueue(queueKey) }
        if sync.boxesStale || boxesFrame != frame { return .loadBoxes(frame: frame) }
        return nil
    }

    mutating func foldSnapshot(_ loaded: ProjectSnapshot) {
        project = loaded
        sync.snapshotStale = false
        if sync.snapshots == 0, currentObject == nil, let first = loaded.objects.first {
            currentObject = first.id
            currentLabel = first.label
        }
        sync.snapshots += 1
        if let o = currentObject, loaded.object(o) == nil { currentObject = nil }
        if let l = currentLabel, loaded.label(l) == nil { currentLabel = nil }
        frame = min(frame, max(loaded.frameCount - 1, 0))
        // Boxes and the queue may have changed with it.
        sync.boxesStale = true
        sync.queue = nil
    }

    /// Drops a selection whose box is gone; an edit without its box ends.
    mutating func validateSelection() {
        guard let selection else { return }
        if boxes.contains(where: { $0.id == selection }) { return }
        if showsQueue, queue.contains(where: { $0.id == selection }) { return }
        self.selection = nil
        if case .edit = mode { mode = editReturnMode }
    }

    // MARK: Keys

    mutating func handleKey(_ key: Key) -> [Effect] {
        if layout.tooSmall {
            return keymap.command(for: key, in: .navigate) == .quit ? quit() : []
        }
        if let command = keymap.command(for: key, in: keyContext) { return run(command) }
        switch mode {
        case .prompt(let prompt, let under):
            return type(key, into: prompt, under: under)
        case .help(_, let under):
            mode = under  // any other key closes the help
            return []
        default:
            return []
        }
    }

    /// A key the prompt has no command for types into it: digits for a frame number,
    /// a listed choice's number for export.
    mutating func type(_ key: Key, into prompt: Prompt, under: Mode) -> [Effect] {
        guard case .char(let c) = key.base, !key.ctrl else { return [] }
        var prompt = prompt
        switch prompt.kind {
        case .goToFrame:
            guard c.isASCII && c.isNumber else { return [] }
            if prompt.text.count < 9 { prompt.text.append(c) }
            mode = .prompt(prompt, under: under)
            return []
        case .exportFormat(let formats):
            guard let n = c.wholeNumberValue, n >= 1, n <= formats.count else { return [] }
            mode = under
            message = Message("exporting \(formats[n - 1])...")
            return [.export(format: formats[n - 1])]
        }
    }

    /// Runs a command of the key table in the current mode.
    public mutating func run(_ command: Command) -> [Effect] {
        switch command {
        case .quit:
            return quit()
        case .help:
            if case .help(_, let under) = mode { mode = under } else { mode = .help(scroll: 0, under: mode) }
            return []
        case .scrollDown, .scrollUp, .scrollPageDown, .scrollPageUp:
            guard case .help(let scroll, let under) = mode else { return [] }
            let page = max(1, rows - 4)
            let delta = command == .scrollDown ? 1 : command == .scrollUp ? -1 : command == .scrollPageDown ? page : -page
            mode = .help(scroll: max(0, scroll + delta), under: under)
            return []
        case .submit:
            guard case .prompt(let prompt, let under) = mode else { return [] }
            guard case .goToFrame = prompt.kind else { return [] }  // a choice is made by its number
            mode = under
            if let n = Int(prompt.text) {
                if n < 1 || n > project.frameCount {
                    message = Message("frame \(n) is outside 1-\(project.frameCount)", isError: true)
                } else {
                    goTo(n - 1)
                }
            }
            return []
        case .erase:
            guard case .prompt(var prompt, let under) = mode else { return [] }
            if !prompt.text.isEmpty { prompt.text.removeLast() }
            mode = .prompt(prompt, under: under)
            return []
        case .leave:
            return leave()
        case .train:
            if training.isRunning {
                message = Message("training is already running (\(keyHint(.cancelTraining)) cancels it)")
                return []
            }
            message = nil
            return startPass(detail: "starting")
        case .cancelTraining:
            guard training.isRunning else {
                message = Message("no training is running")
                return []
            }
            return [.cancelTraining]
        case .undo:
            return [.undo]
        case .redo:
            return [.redo]
        case .export:
            switch exportFormats.count {
            case 0:
                message = Message("export is not available here", isError: true)
                return []
            case 1:
                message = Message("exporting \(exportFormats[0])...")
                return [.export(format: exportFormats[0])]
            default:
                mode = .prompt(Prompt(kind: .exportFormat(exportFormats)), under: mode)
                return []
            }
        case .openReview:
            mode = .review
            review.index = 0
            selection = nil
            syncReview()
            return []
        case .toggleFine:
            fineSteps.toggle()
            message = Message(fineSteps ? "fine steps: one source pixel" : "steps: one cell of the view")
            return []
        case .toggleBoxColors:
            colorByObject.toggle()
            message = Message(colorByObject ? "box colours by object" : "box colours by kind")
            return []
        case .zoom:
            return cycleZoom()
        case .nextFrame: return stepFrames(1)
        case .previousFrame: return stepFrames(-1)
        case .forward10: return stepFrames(10)
        case .back10: return stepFrames(-10)
        case .forward100: return stepFrames(100)
        case .back100: return stepFrames(-100)
        case .firstFrame: goTo(0); return []
        case .lastFrame: goTo(project.frameCount - 1); return []
        case .goToFrame:
            mode = .prompt(Prompt(kind: .goToFrame), under: mode)
            return []
        case .nextSeed: return seek(.seed, forward: true, name: "seed")
        case .previousSeed: return seek(.seed, forward: false, name: "seed")
        case .nextPending: return seek(.pending, forward: true, name: "pending proposal")
        case .previousPending: return seek(.pending, forward: false, name: "pending proposal")
        case .newBox:
            mode = .draw(cursor: viewport.center, firstCorner: nil)
            selection = nil
            return []
        case .selectNext: return cycleSelection(1)
        case .selectPrevious: return cycleSelection(-1)
        case .label1, .label2, .label3, .label4, .label5, .label6, .label7, .label8, .label9:
            return chooseLabel(command.labelNumber!)
        case .newObject:
            return newObject()
        case .left, .right, .up, .down, .left8, .right8, .up8, .down8:
            return move(command)
        case .growRight, .shrinkRight, .growDown, .shrinkDown, .growLeft, .shrinkLeft, .growUp, .shrinkUp:
            return resize(command)
        case .deleteBox:
            guard let box = selectedBox else { return [] }
            selection = nil
            boxes.removeAll { $0.id == box.id }
            queue.removeAll { $0.id == box.id }
            mode = editReturnMode
            if mode == .review { syncReview() }
            message = Message("box deleted (\(keyHint(.undo)) undoes)")
            return [.deleteBox(box.id)]
        case .confirmStep:
            return confirmStep()
        case .accept: return classify(.accepted)
        case .reject: return classify(.rejected)
        case .editAccept:
            guard let entry = currentEntry else { return [] }
            selection = entry.id
            mode = .edit(EditSession(fromReview: true, original: entry.rect))
            return []
        case .acceptAll:
            guard let threshold = project.threshold else {
                message = Message(project.counts.pending > 0 ? "no pending box reaches expected precision \(project.precisionTarget.map { "\($0)" } ?? "the target"): review them one by one"
                                                             : "nothing pending: train first (\(keyHint(.train)))")
                return []
            }
            guard project.aboveThreshold > 0 else {
                message = Message("no pending box is at or above \(format(threshold))")
                return []
            }
            let expected = project.expectedWrong.map { String(format: ", about %.1f of them expected wrong", $0) } ?? ""
            let question = "Accept \(project.aboveThreshold) pending box\(project.aboveThreshold == 1 ? "" : "es") (confidence ≥ \(format(threshold))\(expected))? (\(keyHint(.yes))/\(keyHint(.no)))"
            mode = .confirm(Confirmation(question: question, effects: [.acceptAtOrAbove(threshold)]), under: mode)
            return []
        case .toggleSort:
            review.order = review.order.next
            review.index = 0
            message = Message("sorted by \(review.order.rawValue)")
            return []
        case .nextTab, .previousTab:
            let tabs: [ReviewKind] = [.pending, .accepted, .rejected]
            let i = tabs.firstIndex(of: review.tab) ?? 0
            review.tab = tabs[(i + (command == .nextTab ? 1 : 2)) % 3]
            review.index = 0
            review.marked = []
            queue = []
            return []
        case .gallery:
            guard graphics.isPixel else {
                message = Message("the gallery needs a sixel or kitty terminal")
                return []
            }
            review.gallery.toggle()
            if review.gallery, layout.galleryTiles() == nil {
                review.gallery = false
                message = Message("the terminal is too small for the gallery")
            }
            return []
        case .mark:
            guard let entry = currentEntry else {
                message = Message("the \(review.tab.rawValue) queue is empty")
                return []
            }
            if review.marked.remove(entry.id) == nil { review.marked.insert(entry.id) }
            message = Message("\(review.marked.count) marked (\(keyHint(.rejectMarked)) rejects them)")
            return []
        case .acceptPage:
            return acceptPage()
        case .rejectMarked:
            return rejectMarked()
        case .nextDraw:
            return [.findNextDraw]
        case .queueNext: moveQueue(1); return []
        case .queuePrevious: moveQueue(-1); return []
        case .queueDown: moveQueue(galleryColumns); return []
        case .queueUp: moveQueue(-galleryColumns); return []
        case .queuePageDown: moveQueue(galleryTiles?.count ?? 10); return []
        case .queuePageUp: moveQueue(-(galleryTiles?.count ?? 10)); return []
        case .yes:
            guard case .confirm(let confirmation, let under) = mode else { return [] }
            mode = under
            return confirmation.effects
        case .no:
            guard case .confirm(_, let under) = mode else { return [] }
            mode = under
            return []
        }
    }

    mutating func quit() -> [Effect] {
        quitting = true
        return [.quit]
    }

    /// Esc: back one mode. Never touches training.
    mutating func leave() -> [Effect] {
        switch mode {
        case .draw, .pan:
            mode = .navigate
        case .edit:
            mode = editReturnMode
            if mode == .review { syncReview() } else { selection = nil }
        case .review:
            mode = .navigate
            review.gallery = false
            review.marked = []
            selection = nil
        case .prompt(_, let under), .confirm(_, let under), .help(_, let under):
            mode = under
        case .navigate:
            message = nil
        }
        return []
    }

    var editReturnMode: Mode {
        if case .edit(let session) = mode, session.fromReview { return .review }
        return .navigate
    }

    // MARK: Frames

    mutating func goTo(_ f: Int) {
        let clamped = min(max(f, 0), max(project.frameCount - 1, 0))
        if clamped != frame {
            frame = clamped
            if mode.base != .review { selection = nil }
        }
    }

    mutating func stepFrames(_ delta: Int) -> [Effect] {
        goTo(frame + delta)
        return []
    }

    mutating func seek(_ mark: FrameMarks, forward: Bool, name: String) -> [Effect] {
        let marks = project.marks
        let candidates = forward ? Array((frame + 1)..<max(frame + 1, marks.count)) : Array((0..<min(frame, marks.count)).reversed())
        if let found = candidates.first(where: { marks[$0].contains(mark) }) {
            goTo(found)
        } else {
            message = Message("no \(forward ? "later" : "earlier") \(name)")
        }
        return []
    }

    // MARK: Zoom

    mutating func cycleZoom() -> [Effect] {
        zoom = zoom == 1 ? 2 : zoom == 2 ? 4 : 1
        if zoom == 1 {
            zoomCenter = nil
            if mode == .pan { mode = .navigate }
        } else {
            if case .draw(let cursor, _) = mode {
                zoomCenter = cursor
            } else if let box = selectedBox {
                zoomCenter = box.rect.center
            } else if zoomCenter == nil {
                zoomCenter = viewport.center
            }
            if mode == .navigate { mode = .pan }
        }
        message = Message(zoom == 1 ? "zoom: fit" : "zoom: \(zoom)x")
        return []
    }

    /// Moves the zoomed view so `p` is inside it.
    mutating func keepVisible(_ p: Point) {
        guard zoom > 1 else { return }
        let v = viewport
        var c = v.center
        if p.x < v.x { c.x -= v.x - p.x } else if p.x > v.maxX { c.x += p.x - v.maxX }
        if p.y < v.y { c.y -= v.y - p.y } else if p.y > v.maxY { c.y += p.y - v.maxY }
        zoomCenter = c
    }

    // MARK: Moving and resizing

    /// One step in source pixels: one cell of the view, or one pixel with fine steps.
    public var step: (x: Double, y: Double) {
        fineSteps ? (1, 1) : geometry.sourceStep
    }

    var frameWidth: Double { Double(project.frameSize.width) }
    var frameHeight: Double { Double(project.frameSize.height) }

    func clamp(_ p: Point) -> Point {
        Point(x: min(max(p.x, 0), frameWidth), y: min(max(p.y, 0), frameHeight))
    }

    /// Keeps a moved box whole and inside the frame.
    func clampMoved(_ r: BoxRect) -> BoxRect {
        var r = r
        r.width = min(r.width, frameWidth)
        r.height = min(r.height, frameHeight)
        r.x = min(max(r.x, 0), frameWidth - r.width)
        r.y = min(max(r.y, 0), frameHeight - r.height)
        return r
    }

    mutating func move(_ command: Command) -> [Effect] {
        let s = step
        var (dx, dy): (Double, Double)
        switch command {
        case .left: (dx, dy) = (-s.x, 0)
        case .right: (dx, dy) = (s.x, 0)
        case .up: (dx, dy) = (0, -s.y)
        case .down: (dx, dy) = (0, s.y)
        case .left8: (dx, dy) = (-8 * s.x, 0)
        case .right8: (dx, dy) = (8 * s.x, 0)
        case .up8: (dx, dy) = (0, -8 * s.y)
        default: (dx, dy) = (0, 8 * s.y)
        }
        switch mode {
        case .draw(let cursor, let first):
            let moved = clamp(Point(x: cursor.x + dx, y: cursor.y + dy))
            mode = .draw(cursor: moved, firstCorner: first)
            keepVisible(moved)
            return []
        case .pan:
            guard zoom > 1 else { return [] }
            let c = viewport.center
            zoomCenter = Point(x: c.x + dx, y: c.y + dy)
            // Store the clamped centre so panning back responds at once.
            zoomCenter = viewport.center
            return []
        case .edit:
            guard let box = selectedBox else { return [] }
            var r = box.rect
            r.x += dx
            r.y += dy
            return setRect(of: box, clampMoved(r))
        default:
            return []
        }
    }

    mutating func resize(_ command: Command) -> [Effect] {
        guard case .edit = mode, let box = selectedBox else { return [] }
        let s = step
        var left = box.rect.x, top = box.rect.y, right = box.rect.maxX, bottom = box.rect.maxY
        let minimum = 1.0
        switch command {
        case .growRight: right = min(right + s.x, frameWidth)
        case .shrinkRight: right = max(right - s.x, left + minimum)
        case .growDown: bottom = min(bottom + s.y, frameHeight)
        case .shrinkDown: bottom = max(bottom - s.y, top + minimum)
        case .growLeft: left = max(left - s.x, 0)
        case .shrinkLeft: left = min(left + s.x, right - minimum)
        case .growUp: top = max(top - s.y, 0)
        default: top = min(top + s.y, bottom - minimum)
        }
        return setRect(of: box, BoxRect(x: left, y: top, width: right - left, height: bottom - top))
    }

    /// Changes a box here at once and asks the driver to store it.
    mutating func setRect(of box: ReviewBox, _ rect: BoxRect) -> [Effect] {
        guard rect != box.rect else { return [] }
        if let i = boxes.firstIndex(where: { $0.id == box.id }) { boxes[i].rect = rect }
        if let i = queue.firstIndex(where: { $0.id == box.id }) { queue[i].rect = rect }
        keepVisible(Point(x: rect.x, y: rect.y))
        keepVisible(Point(x: rect.maxX, y: rect.maxY))
        // A proposal being corrected becomes a seed with its first change, not at Enter: a pass
        // running meanwhile replaces the stretch's proposals, and would take the correction with them.
        if case .edit(let session) = mode, session.fromReview, box.kind == .pending {
            removeFromQueueIfMoved(box.id, to: .seed)
            review.marked.remove(box.id)
            retrainDue = true
            return [.setKind([box.id], .seed), .updateBox(box.id, rect)]
        }
        return [.updateBox(box.id, rect)]
    }

    mutating func confirmStep() -> [Effect] {
        switch mode {
        case .draw(let cursor, nil):
            mode = .draw(cursor: cursor, firstCorner: cursor)
            return []
        case .draw(let cursor, let first?):
            let rect = BoxRect(corner: first, corner: cursor)
            guard rect.width >= 1, rect.height >= 1 else {
                message = Message("the box has no area yet: move the cursor away from the first corner", isError: true)
                return []
            }
            mode = .navigate
            message = Message("box added on frame \(frame + 1)")
            return [.addSeed(frame: frame, rect: rect, target: seedTarget)]
        case .edit(let session):
            if session.fromReview, let box = selectedBox {
                mode = .review
                // A corrected box is a seed: it trains the object's models, and the pass that
                // starts at the next pause recomputes its stretch. An unchanged one is accepted.
                let corrected = box.kind == .seed || session.original.map { $0 != box.rect } ?? false
                let kind: ReviewKind = corrected ? .seed : .accepted
                let stored = box.kind == kind
                removeFromQueueIfMoved(box.id, to: kind)
                review.marked.remove(box.id)
                syncReview()
                if corrected {
                    retrainDue = true
                    message = Message("corrected: now a seed (its stretch retrains when you pause)")
                } else {
                    message = Message("accepted unchanged")
                }
                return stored ? [] : [.setKind([box.id], kind)]
            }
            mode = .navigate
            selection = nil
            return []
        default:
            return []
        }
    }

    /// The object a newly drawn box goes to.
    public var seedTarget: ObjectTarget {
        if let o = currentObject, project.object(o) != nil { return .object(o) }
        if let l = currentLabel ?? project.labels.first?.id, project.label(l) != nil { return .newObject(label: l) }
        return .defaultLabel
    }

    // MARK: Selection, labels, objects

    /// Boxes of this frame in reading order.
    var selectableBoxes: [ReviewBox] {
        boxes.filter { $0.frame == frame }.sorted { ($0.rect.x, $0.rect.y, $0.id) < ($1.rect.x, $1.rect.y, $1.id) }
    }

    mutating func cycleSelection(_ delta: Int) -> [Effect] {
        let list = selectableBoxes
        guard !list.isEmpty else {
            message = Message("no box on this frame (\(keyHint(.newBox)) draws one)")
            return []
        }
        let i = list.firstIndex { $0.id == selection }.map { ($0 + delta + list.count) % list.count } ?? (delta > 0 ? 0 : list.count - 1)
        selection = list[i].id
        if case .edit = mode {} else { mode = .edit(EditSession(fromReview: false)) }
        if let object = project.object(list[i].object) {
            currentObject = object.id
            currentLabel = object.label
        }
        return []
    }

    mutating func chooseLabel(_ n: Int) -> [Effect] {
        guard n <= project.labels.count else {
            message = Message(project.labels.isEmpty
                ? "no labels yet: the first box creates the label 'object'"
                : "no label \(n): the project has \(project.labels.count)", isError: true)
            return []
        }
        let label = project.labels[n - 1]
        let latest = project.objects.last { $0.label == label.id }
        if case .edit = mode, let box = selectedBox {
            if project.object(box.object)?.label == label.id { return [] }
            let target: ObjectTarget
            if let o = currentObject, project.object(o)?.label == label.id {
                target = .object(o)
            } else if let latest {
                target = .object(latest.id)
            } else {
                target = .newObject(label: label.id)
            }
            currentLabel = label.id
            if case .object(let o) = target { currentObject = o }
            message = Message("box relabelled \(label.name)")
            return [.assignBox(box.id, target)]
        }
        currentLabel = label.id
        if let o = currentObject, project.object(o)?.label == label.id {
        } else {
            currentObject = latest?.id
        }
        let objectName = currentObject.flatMap { project.object($0)?.name }
        message = Message("label \(label.name): " + (objectName.map { "boxes go to \($0)" } ?? "the next box starts a new object"))
        return []
    }

    mutating func newObject() -> [Effect] {
        if case .edit = mode, let box = selectedBox, let object = project.object(box.object) {
            message = Message("box moved to a new \(project.label(object.label)?.name ?? "object")")
            return [.assignBox(box.id, .newObject(label: object.label))]
        }
        let label = currentLabel.flatMap { project.label($0) } ?? project.labels.first
        message = Message("new object of \(label?.name ?? "object")")
        return [.createObject(label: label?.id)]
    }

    // MARK: Review

    var galleryColumns: Int {
        guard let tiles = galleryTiles, let first = tiles.first else { return 1 }
        return tiles.filter { $0.row == first.row }.count
    }

    mutating func moveQueue(_ delta: Int) {
        guard !queue.isEmpty else { return }
        review.index = min(max(review.index + delta, 0), queue.count - 1)
        syncReview()
    }

    /// Where `entry` is in the queue: under its id, or else (replaced by a pass) the entry of
    /// its object on its frame.
    func queueIndex(of entry: ReviewBox) -> Int? {
        queue.firstIndex { $0.id == entry.id } ?? queue.firstIndex { $0.object == entry.object && $0.frame == entry.frame }
    }

    /// Points the frame and selection at the queue entry under the cursor.
    public mutating func syncReview() {
        guard !queue.isEmpty else {
            review.index = 0
            if mode.base == .review { selection = nil }
            return
        }
        review.index = min(max(review.index, 0), queue.count - 1)
        let entry = queue[review.index]
        frame = entry.frame
        selection = entry.id
        if zoom > 1 { zoomCenter = entry.rect.center }
    }

    mutating func removeFromQueueIfMoved(_ id: BoxID, to kind: ReviewKind) {
        if kind != review.tab { queue.removeAll { $0.id == id } }
        else if let i = queue.firstIndex(where: { $0.id == id }) { queue[i].kind = kind }
        if let i = boxes.firstIndex(where: { $0.id == id }) { boxes[i].kind = kind }
    }

    mutating func classify(_ kind: ReviewKind) -> [Effect] {
        guard let entry = currentEntry else {
            message = Message("the \(review.tab.rawValue) queue is empty")
            return []
        }
        removeFromQueueIfMoved(entry.id, to: kind)
        review.marked.remove(entry.id)
        syncReview()
        if kind == .rejected && entry.kind != .rejected { retrainDue = true }
        message = Message("\(kind == .accepted ? "accepted" : "rejected") frame \(entry.frame + 1) (\(keyHint(.undo)) undoes)")
        return [.setKind([entry.id], kind)]
    }

    /// Accepts the boxes of the gallery page that are not marked; the page then shows the next ones.
    mutating func acceptPage() -> [Effect] {
        let page = galleryPage
        guard !page.isEmpty else {
            message = Message(galleryTiles == nil ? "accept page works in the gallery (\(keyHint(.gallery)))" : "the \(review.tab.rawValue) queue is empty")
            return []
        }
        let boxes = queue[page].filter { !review.marked.contains($0.id) }
        let kept = page.count - boxes.count
        guard !boxes.isEmpty else {
            message = Message("every box on this page is marked (\(keyHint(.rejectMarked)) rejects them)")
            return []
        }
        if review.tab == .accepted {
            message = Message("these boxes are already accepted")
            return []
        }
        for box in boxes { removeFromQueueIfMoved(box.id, to: .accepted) }
        review.index = page.lowerBound
        syncReview()
        let n = boxes.count
        message = Message("accepted \(n) box\(n == 1 ? "" : "es")" + (kept > 0 ? ", \(kept) marked left (\(keyHint(.rejectMarked)) rejects them)" : "")
                          + " (\(keyHint(.undo)) undoes)")
        return [.setKind(boxes.map(\.id), .accepted)]
    }

    /// Rejects every marked box of the queue as one edit; their stretches retrain at the next pause.
    mutating func rejectMarked() -> [Effect] {
        let boxes = queue.filter { review.marked.contains($0.id) }
        review.marked = []
        guard !boxes.isEmpty else {
            message = Message("nothing is marked (\(keyHint(.mark)) marks the box under the cursor)")
            return []
        }
        let first = boxes.compactMap { box in queue.firstIndex { $0.id == box.id } }.min() ?? review.index
        for box in boxes { removeFromQueueIfMoved(box.id, to: .rejected) }
        if review.tab != .rejected { retrainDue = true }
        review.index = min(review.index, first)
        syncReview()
        let n = boxes.count
        message = Message("rejected \(n) box\(n == 1 ? "" : "es") (\(keyHint(.undo)) undoes)")
        return [.setKind(boxes.map(\.id), .rejected)]
    }

    /// Goes to the frame where one drawn box saves the most review, with its object current,
    /// so the next box drawn (`new-box`) is that object's.
    mutating func showNextDraw(_ answer: NextDrawAnswer) {
        switch answer {
        case .nothing(let reason):
            let text = switch reason {
            case .nothingLeft: "nothing left to review: bulk accept (\(keyHint(.acceptAll))) takes what is pending"
            case .noFrames: "the project has no frames"
            case .noSeeds: "no seeds yet: draw a box first (\(keyHint(.newBox)))"
            case .noProposals: "no proposals yet: train first (\(keyHint(.train)))"
            case .unavailable: "this project cannot say where to draw next"
            }
            message = Message(text)
        case .draw(let f, let object, let saving):
            // (`N` is a key of navigate and review only.)
            if mode == .review { _ = leave() }
            selection = nil
            goTo(f)
            let found = project.object(object)
            if let found {
                currentObject = found.id
                currentLabel = found.label
            }
            message = Message("draw \(found?.name ?? "object") on frame \(f + 1) (\(keyHint(.newBox))): expected to save about \(Int(saving.rounded())) s of review")
        }
    }

    /// A training pass after review corrections, once the keys pause; nothing while one runs
    /// (the next pause after it starts the next).
    mutating func retrainIfDue() -> [Effect] {
        guard retrainWaits else { return [] }
        message = Message("retraining the corrected stretches in the background (\(keyHint(.cancelTraining)) cancels)")
        return startPass(detail: "retraining after corrections")
    }

    /// Corrections wait for a pass that may start now: none runs, the room is not quitting, and
    /// no box is half corrected (it is no seed to train on yet).
    public var retrainWaits: Bool {
        if case .edit = mode.base { return false }
        return retrainDue && !training.isRunning && !quitting
    }

    /// Starts a pass over every object; it takes in the corrections waiting, so none is due after it.
    mutating func startPass(detail: String) -> [Effect] {
        retrainDue = false
        training = .running(fraction: 0, detail: detail)
        return [.startTraining]
    }

    // MARK: Training

    mutating func handleTraining(_ event: TrainingEvent) -> [Effect] {
        switch event {
        case .progress(let fraction, let detail):
            training = .running(fraction: min(max(fraction, 0), 1), detail: detail)
            return []
        case .proposalsWritten:
            break
        case .finished(let summary):
            training = .finished(summary: summary)
            message = Message("training finished: \(summary)")
        case .cancelled:
            training = .cancelled
            message = Message("training cancelled; the proposals written so far stay")
        case .failed(let text):
            training = .failed(message: text)
            message = Message("training failed: \(text)", isError: true)
        }
        // The engine wrote proposals: read the project again once the batch is handled.
        sync.snapshotStale = true
        return []
    }

    // MARK: Mouse

    mutating func handleMouse(_ event: MouseEvent) -> [Effect] {
        let base = mode.base
        switch event.kind {
        case .wheelUp, .wheelDown:
            let delta = event.kind == .wheelDown ? 1 : -1
            if base == .review { moveQueue(delta); return [] }
            if case .navigate = mode { return stepFrames(delta) }
            if case .pan = mode { return stepFrames(delta) }
            return []
        case .press:
            let l = layout
            if l.timeline.contains(column: event.column, row: event.row) {
                let timeline = Timeline(frameCount: project.frameCount, width: l.timeline.columns)
                let cell = event.column - l.timeline.column
                if cell < timeline.cellCount, base != .review { goTo(timeline.frames(inCell: cell).lowerBound) }
                return []
            }
            guard base != .review, let p = geometry.sourcePoint(column: event.column, row: event.row) else { return [] }
            switch mode {
            case .navigate, .pan, .edit(EditSession(fromReview: false)):
                let hits = boxes.filter { $0.frame == frame && $0.rect.contains(p) }.sorted { $0.rect.area < $1.rect.area }
                if let box = hits.first {
                    selection = box.id
                    mode = .edit(EditSession(fromReview: false))
                    drag = .move(box.id, grab: p, original: box.rect)
                } else {
                    selection = nil
                    mode = .navigate
                    drag = .draw(start: p)
                }
            default:
                break
            }
            return []
        case .drag:
            guard let drag else { return [] }
            let p = dragPoint(event)
            switch drag {
            case .move(let id, let grab, let original):
                let r = clampMoved(BoxRect(x: original.x + p.x - grab.x, y: original.y + p.y - grab.y, width: original.width, height: original.height))
                if let i = boxes.firstIndex(where: { $0.id == id }) { boxes[i].rect = r }
            case .draw(let start):
                mode = .draw(cursor: p, firstCorner: start)
            }
            return []
        case .release:
            guard let current = drag else { return [] }
            // Terminals without motion reports send only press and release.
            _ = handleMouse(MouseEvent(.drag, column: event.column, row: event.row))
            drag = nil
            switch current {
            case .move(let id, _, let original):
                guard let box = boxes.first(where: { $0.id == id }), box.rect != original else { return [] }
                return [.updateBox(id, box.rect)]
            case .draw:
                guard case .draw(let cursor, let first?) = mode else { return [] }
                let rect = BoxRect(corner: first, corner: cursor)
                mode = .navigate
                guard rect.width >= 2, rect.height >= 2 else { return [] }
                message = Message("box added on frame \(frame + 1)")
                return [.addSeed(frame: frame, rect: rect, target: seedTarget)]
            }
        }
    }

    /// The source point under a mouse position, held inside the image.
    func dragPoint(_ event: MouseEvent) -> Point {
        let g = geometry
        let column = min(max(event.column, g.cells.column), g.cells.maxColumn - 1)
        let row = min(max(event.row, g.cells.row), g.cells.maxRow - 1)
        return clamp(g.sourcePoint(column: column, row: row) ?? viewport.center)
    }

    // MARK: Helpers

    /// The first key of a command, for messages.
    func keyHint(_ command: Command) -> String {
        keymap.keyHint(command)
    }
}

/// A confidence with two decimals.
func format(_ confidence: Double) -> String {
    String(format: "%.2f", confidence)
}
