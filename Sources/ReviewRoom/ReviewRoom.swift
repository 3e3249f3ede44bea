import Geometry
import Foundation
import Imaging
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.TerminalGuard

/// How the review room looks and reads keys.
public struct ReviewRoomOptions: Sendable {
    public var theme: Theme
    public var keymap: Keymap
    /// The cell size in pixels, for sixel and kitty (from the terminal probe).
    public var cellPixels: PixelSize?
    /// No colour attributes in text (NO_COLOR); images still show.
    public var noColor: Bool
    /// A note shown at start, e.g. "inside tmux without passthrough: using blocks".
    public var note: String?
    /// The frame to open at (0-based).
    public var startFrame: Int

    public init(theme: Theme = .builtIn, keymap: Keymap = .standard, cellPixels: PixelSize? = nil,
                noColor: Bool = ReviewRoomOptions.noColorRequested(), note: String? = nil, startFrame: Int = 0) {
        self.theme = theme
        self.keymap = keymap
        self.cellPixels = cellPixels
        self.noColor = noColor
        self.note = note
        self.startFrame = startFrame
    }

    /// Whether NO_COLOR is set to a non-empty value.
    public static func noColorRequested(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }

    /// Options from the user's config file: its theme (unless `themeName`, from
    /// `--theme`, overrides it) and its key bindings.
    public static func load(themeName: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReviewRoomOptions {
        let config = try ReviewConfig.defaultURL(environment: environment).map(ReviewConfig.load(from:)) ?? ReviewConfig()
        let theme = try Theme.load(name: themeName ?? config.theme ?? "default", folders: Theme.searchFolders(environment: environment))
        return ReviewRoomOptions(theme: theme, keymap: Keymap.standard.applying(config),
                                 noColor: noColorRequested(environment: environment))
    }
}

/// One image on screen: which frame region, drawn where, with what on top.
struct ImagePlacement: Hashable {
    var cells: CellRect
    var frame: Int
    var region: BoxRect
    var size: PixelSize
    var overlays: [ViewOverlay]
    /// Position among the pictures shown at once.
    var slot = 0
}

public enum ReviewRoom {
    /// Runs the review room on the terminal until the user quits.
    /// Throws `ReviewRoomError.notATerminal` when stdin or stdout is not a TTY.
    /// On SIGHUP, SIGTERM or SIGINT it stops training, restores the terminal and ends the
    /// process by that signal (`TerminalGuard`).
    public static func run(store: ReviewStore, frames: FrameProvider, renderer: FrameRenderer,
                           engine: TrainingEngine?, exporter: ReviewExporter?, options: ReviewRoomOptions) throws {
        let terminal = try CursesTerminal(theme: options.theme, noColor: options.noColor)
        defer {
            if TerminalGuard.stopSignal != 0, let engine, engine.isRunning { engine.cancel() }
            terminal.stop()
            TerminalGuard.endIfStopped()
        }
        let size = terminal.size
        var state = ReviewState(
            project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
            columns: size.columns, rows: size.rows, graphics: renderer.mode, cellPixels: options.cellPixels,
            keymap: options.keymap, exportFormats: exporter?.formats ?? [])
        state.frame = min(max(options.startFrame, 0), max(store.frameCount - 1, 0))
        if let note = options.note { state.message = Message(note) }
        let session = try ReviewSession(store: store, engine: engine, exporter: exporter, state: state)
        var painter = Painter(terminal: terminal, frames: frames, renderer: renderer, theme: options.theme)
        painter.draw(session.state)
        while !session.state.quitting && TerminalGuard.stopSignal == 0 {
            var events: [Event] = []
            var first = terminal.readEvent(wait: false)
            if first == nil {
                painter.prepareAhead(session.state, boxes: session.boxes(onFrame:))
                // While training reports come in, look for them often; otherwise sleep longer, so an
                // idle room costs next to nothing (keys and resizes still wake it at once).
                first = terminal.readEvent(wait: true, timeout: engine?.isRunning == true ? 40 : 250)
            }
            if let first {
                events.append(first)
                // Take everything that is already waiting, so held keys skip frames instead of queueing them.
                while events.count < 1024, let next = terminal.readEvent(wait: false) { events.append(next) }
            }
            if events.contains(where: { if case .resize = $0 { return true } else { return false } }) {
                painter.screenCleared()
            }
            if !events.isEmpty { session.send(events) }
            session.pollBackground()
            if session.state.quitting { break }
            if let failure = painter.draw(session.state) { session.send(.failure(failure)) }
        }
    }

    /// The state one step on (the next frame in `direction`, or the next proposal in
    /// review) as far as the picture goes; nil when the next step cannot be guessed.
    static func predictedNext(_ state: ReviewState, direction: Int, boxes: (Int) -> [ReviewBox]?) -> ReviewState? {
        var ahead = state
        switch state.mode {
        case .navigate:  // (in pan mode the arrows pan)
            let next = state.frame + direction
            guard next >= 0, next < state.project.frameCount else { return nil }
            ahead.frame = next
            ahead.selection = nil
        case .review where state.galleryTiles == nil:
            guard state.review.index + 1 < state.queue.count else { return nil }
            ahead.review.index += 1
            ahead.syncReview()
        default:
            return nil
        }
        guard let onFrame = boxes(ahead.frame) else { return nil }
        ahead.boxes = onFrame
        ahead.boxesFrame = ahead.frame
        return ahead
    }

    /// The images the state shows (none under help or when too small).
    static func imagePlan(_ state: ReviewState, theme: Theme) -> [ImagePlacement] {
        let layout = state.layout
        guard !layout.tooSmall, state.project.frameCount > 0 else { return [] }
        if case .help = state.mode { return [] }
        if state.mode.base == .review, let tiles = state.galleryTiles {
            let page = state.review.index / tiles.count
            var plan: [ImagePlacement] = []
            for (t, tile) in tiles.enumerated() {
                let i = page * tiles.count + t
                guard i < state.queue.count else { break }
                let box = state.queue[i]
                let area = CellRect(column: tile.column, row: tile.row, columns: max(1, tile.columns - 1), rows: max(1, tile.rows - 1))
                let aspect = Double(area.columns) * state.metrics.cellWidth / (Double(area.rows) * state.metrics.cellHeight)
                let region = View.cropRegion(box.rect, frame: state.project.frameSize, aspect: aspect)
                let g = FrameGeometry(area: area, metrics: state.metrics, viewport: region)
                let color = state.colorByObject ? theme.color(forObject: box.object) : theme.color(for: box.kind)
                let overlay = ViewOverlay(shape: .box(g.imageRect(box.rect), tag: nil), color: i == state.review.index ? theme.selected : color,
                                      emphasized: i == state.review.index)
                plan.append(ImagePlacement(cells: g.cells, frame: box.frame, region: region, size: g.imageSize, overlays: [overlay],
                                           slot: plan.count))
            }
            return plan
        }
        let g = state.geometry
        return [ImagePlacement(cells: g.cells, frame: state.frame, region: g.viewport, size: g.imageSize,
                               overlays: View.overlays(state, theme: theme, geometry: g))]
    }
}

/// Draws states on the terminal: text through curses, images as raw bytes
/// re-sent only when their cells were repainted or their content changed.
struct Painter {
    let terminal: CursesTerminal
    let frames: FrameProvider
    let renderer: FrameRenderer
    let theme: Theme
    private var shown: [ImagePlacement] = []
    private var lastText: ScreenText?
    private var cleared = true
    private var lastFrame = 0
    private var direction = 1
    /// Pictures encoded ahead of time, by what they show.
    private var encoded: [ImagePlacement: [UInt8]] = [:]
    private var preparedFor: ReviewState?
    /// Row markers need a UTF-8 locale to stay invisible.
    private let marksRows: Bool

    init(terminal: CursesTerminal, frames: FrameProvider, renderer: FrameRenderer, theme: Theme) {
        self.terminal = terminal
        self.frames = frames
        self.renderer = renderer
        self.theme = theme
        marksRows = terminal.isUTF8
    }

    mutating func screenCleared() {
        cleared = true
        terminal.invalidateAll()
    }

    /// Draws if anything changed; returns a message when rendering failed.
    @discardableResult
    mutating func draw(_ state: ReviewState) -> String? {
        var text = View.compose(state)
        let plan = ReviewRoom.imagePlan(state, theme: theme)
        if !plan.isEmpty && marksRows { text.markRows(of: state.layout.frameArea) }
        let geometryChanged = cleared || plan.map(\.cells) != shown.map(\.cells)
        guard geometryChanged || text != lastText || plan != shown else { return nil }
        terminal.write("\u{1B}[?2026h")
        terminal.flush()
        if geometryChanged {
            // Old pictures must go: curses repaints the whole screen (rare: resize, zoom
            // to another shape, help, gallery pages), then every picture is sent again.
            if !shown.isEmpty || cleared { terminal.invalidateAll() }
            if renderer.mode == .kitty { terminal.write("\u{1B}_Ga=d,q=2\u{1B}\\") }
        }
        terminal.draw(text)
        terminal.refresh()
        var failure: String?
        for (i, placement) in plan.enumerated() where geometryChanged || i >= shown.count || shown[i] != placement {
            do {
                terminal.write(try bytes(for: placement))
            } catch {
                failure = "frame \(placement.frame + 1): \(error)"
            }
        }
        terminal.write("\u{1B}[?2026l")
        terminal.flush()
        shown = plan
        lastText = text
        cleared = false
        prefetch(state)
        return failure
    }

    /// The terminal bytes of a picture: pre-encoded ones when `prepareAhead` guessed right.
    private mutating func bytes(for placement: ImagePlacement) throws -> [UInt8] {
        if let ready = encoded.removeValue(forKey: placement) { return ready }
        return try encode(placement)
    }

    private func encode(_ placement: ImagePlacement) throws -> [UInt8] {
        let image = try frames.image(frame: placement.frame, region: placement.region, size: placement.size)
        let rendered = try renderer.render(image, overlays: placement.overlays,
                                           columns: placement.cells.columns, rows: placement.cells.rows, slot: placement.slot)
        // Saved and restored around the picture: the cursor and the text attributes curses expects.
        var bytes: [UInt8] = Array("\u{1B}7".utf8)
        for (row, line) in rendered.lines.enumerated() where row < placement.cells.rows {
            bytes += Array("\u{1B}[\(placement.cells.row + row + 1);\(placement.cells.column + 1)H".utf8)
            bytes += line
        }
        bytes += Array("\u{1B}8".utf8)
        return bytes
    }

    /// While the keys rest: encodes the picture the next step (in the direction of
    /// travel, or the next proposal in review) will show, so it is ready when asked for.
    mutating func prepareAhead(_ state: ReviewState, boxes: (Int) -> [ReviewBox]?) {
        guard state != preparedFor else { return }
        preparedFor = state
        guard let ahead = ReviewRoom.predictedNext(state, direction: direction, boxes: boxes) else { return }
        let plan = ReviewRoom.imagePlan(ahead, theme: theme)
        guard plan.count == 1, encoded[plan[0]] == nil, let bytes = try? encode(plan[0]) else { return }
        if encoded.count >= 2 { encoded.removeAll() }
        encoded[plan[0]] = bytes
    }

    /// Asks for the frames likely to come next, in the direction of travel.
    private mutating func prefetch(_ state: ReviewState) {
        guard state.mode.base != .review || state.galleryTiles == nil, state.project.frameCount > 1 else { return }
        if state.frame != lastFrame { direction = state.frame < lastFrame ? -1 : 1 }
        lastFrame = state.frame
        let g = state.geometry
        let ahead = [state.frame + direction, state.frame + 2 * direction, state.frame - direction]
            .filter { $0 >= 0 && $0 < state.project.frameCount }
        frames.prefetch(frames: ahead, region: g.viewport, size: g.imageSize)
    }
}
