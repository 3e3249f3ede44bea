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
    /// Full, or light while keys outrun the link.
    var quality = PictureQuality.full
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
        let state = ReviewState(
            project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
            columns: size.columns, rows: size.rows, graphics: renderer.mode, cellPixels: options.cellPixels,
            keymap: options.keymap, exportFormats: exporter?.formats ?? [], frame: options.startFrame, note: options.note)
        let session = try ReviewSession(store: store, engine: engine, exporter: exporter, state: state)
        var painter = Painter(terminal: terminal, frames: frames, renderer: renderer, theme: options.theme)
        defer { painter.finish() }
        let early = painter.measureRoundTrip()
        if !early.isEmpty { session.send(early) }
        painter.draw(session.state, now: monotonicSeconds())
        while !session.state.quitting && TerminalGuard.stopSignal == 0 {
            var events: [Event] = []
            var first = painter.read(wait: false)
            if first == nil {
                if painter.draw(session.state, now: monotonicSeconds()) == nil {
                    painter.prepareAhead(session.state, boxes: session.boxes(onFrame:), now: monotonicSeconds())
                }
                // While training reports come in, look for them often; otherwise sleep longer, so an
                // idle room costs next to nothing (keys, answers and resizes still wake it at once).
                var timeout = engine?.isRunning == true ? 40.0 : 250.0
                if let wake = painter.wakeIn(now: monotonicSeconds()) { timeout = min(timeout, wake * 1000) }
                if let idle = session.idleIn() { timeout = min(timeout, max(idle, 0) * 1000) }
                first = painter.read(wait: true, timeout: Int32(max(1, timeout.rounded(.up))))
            }
            if let first {
                events.append(first)
                // Take everything that is already waiting, so held keys skip frames instead of queueing them.
                while events.count < 1024, let next = painter.read(wait: false) { events.append(next) }
            }
            let now = monotonicSeconds()
            painter.checkAnswers(now: now)
            if events.contains(where: { if case .resize = $0 { return true } else { return false } }) {
                painter.screenCleared()
            }
            let keys = events.filter { if case .key = $0 { return true } else { return false } }.count
            if keys > 0 { painter.keysArrived(keys, now: now) }
            if !events.isEmpty { session.send(events) }
            session.pollBackground()
            if session.state.quitting { break }
            if let failure = painter.draw(session.state, now: now) { session.send(.failure(failure)) }
            // The next picture is made ahead while the room reads the keys that choose it (not
            // only when they stop): a held key then finds it made, or half made, on the other core.
            painter.prepareAhead(session.state, boxes: session.boxes(onFrame:), now: monotonicSeconds())
        }
    }

    /// Seconds from the monotonic clock.
    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The state one step on (the next frame in `direction`, or the next proposal in
    /// review) as far as the picture goes; nil when the next step cannot be guessed.
    static func predictedNext(_ state: ReviewState, direction: Int, boxes: (Int) -> [ReviewBox]?) -> ReviewState? {
        // The reducer takes the step on a copy, as it would for the key.
        var ahead = state
        switch state.mode {
        case .navigate:  // (in pan mode the arrows pan)
            // `direction` is the last step, in frames: keys coalesced while a picture was made
            // step several frames at once, and guessing one frame would then always miss.
            let next = state.frame + direction
            guard direction != 0, next >= 0, next < state.project.frameCount else { return nil }
            _ = ahead.stepFrames(direction)
        case .review where state.galleryTiles == nil:
            guard state.review.index + 1 < state.queue.count else { return nil }
            _ = ahead.run(.queueNext)
        default:
            return nil
        }
        guard let onFrame = boxes(ahead.frame) else { return nil }
        _ = ahead.handle(.boxesLoaded(frame: ahead.frame, onFrame))
        return ahead
    }

    /// The images the state shows (none under help or when too small).
    static func imagePlan(_ state: ReviewState, theme: Theme) -> [ImagePlacement] {
        let layout = state.layout
        guard !layout.tooSmall, state.project.frameCount > 0 else { return [] }
        if case .help = state.mode { return [] }
        if state.mode.base == .review, let tiles = state.galleryTiles {
            var plan: [ImagePlacement] = []
            for (tile, i) in zip(tiles, state.galleryPage) {
                let box = state.queue[i]
                let area = CellRect(column: tile.column, row: tile.row, columns: max(1, tile.columns - 1), rows: max(1, tile.rows - 1))
                let aspect = Double(area.columns) * state.metrics.cellWidth / (Double(area.rows) * state.metrics.cellHeight)
                let region = View.cropRegion(box.rect, frame: state.project.frameSize, aspect: aspect)
                let g = FrameGeometry(area: area, metrics: state.metrics, viewport: region)
                let color = state.review.marked.contains(box.id) ? theme.color(for: .rejected)
                    : state.colorByObject ? theme.color(forObject: box.object) : theme.color(for: box.kind)
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
