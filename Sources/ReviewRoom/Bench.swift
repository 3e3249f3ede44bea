import Dispatch
import Foundation
import struct TerminalGraphics.PixelSize
import struct TerminalGraphics.TextCanvas
import struct TerminalGraphics.SixelCoarseness
import enum TerminalGraphics.KittyPayload

/// What `measureStepping` found.
public struct SteppingReport: Sendable, CustomStringConvertible {
    public var frames: Int
    /// Milliseconds per step: the key through the reducer, the screen composed and diffed, the
    /// picture fetched and encoded and written (to a terminal that costs nothing).
    public var medianMilliseconds: Double
    public var worstMilliseconds: Double
    public var framesPerSecond: Double { medianMilliseconds > 0 ? 1000 / medianMilliseconds : .infinity }
    /// Bytes written beside the text per step (pictures, queries), on average.
    public var bytesPerFrame: Int
    /// Text cells the screen's updates changed per step, on average.
    public var cellsPerFrame: Int

    public var description: String {
        String(format: "%d frames: median %.2f ms (%.0f frames/s), worst %.2f ms, %d bytes and %d text cells per frame",
               frames, medianMilliseconds, framesPerSecond, worstMilliseconds, bytesPerFrame, cellsPerFrame)
    }
}

/// The terminal `bench tui` draws into: it takes the bytes, counts them and the text cells
/// that change, and answers each query at once (a link with no delay and no limit).
final class BenchTerminal: RoomTerminal {
    let isUTF8 = true
    private(set) var bytes = 0
    private(set) var cells = 0
    private var queries = 0
    private var shown: ScreenText?
    private var pending: ScreenText?
    private var repaintAll = false
    private static let query = Array(Painter.probe.utf8)

    func readEvent(wait: Bool, timeout: Int32) -> Event? { nil }

    func takeAnswers() -> Int {
        defer { queries = 0 }
        return queries
    }

    func draw(_ text: ScreenText) { pending = text }

    func invalidateAll() { repaintAll = true }

    func refresh() {
        guard let pending else { return }
        if let shown, !repaintAll, shown.columns == pending.columns, shown.rows == pending.rows {
            cells += zip(shown.cells, pending.cells).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
        } else {
            cells += pending.cells.count
        }
        shown = pending
        repaintAll = false
    }

    func write(_ bytes: [UInt8]) {
        self.bytes += bytes.count
        if bytes == Self.query { queries += 1 }
    }

    func flush() {}
}

extension ReviewRoom {
    /// Holds Right for `steps` frames through the room's own drawing path: each key goes to the
    /// session, and the `Painter` draws the state as in the terminal loop (screen composed and
    /// diffed, picture fetched from `frames`, encoded, paced and written) into a terminal that
    /// answers at once, as over a link without limits. For `microlabel bench tui`; the real
    /// terminal's time to show the bytes is not included.
    public static func measureStepping(store: ReviewStore, frames: FrameProvider, renderer: FrameRenderer,
                                       columns: Int = 120, rows: Int = 40, cellPixels: PixelSize? = nil,
                                       steps: Int = 100, theme: Theme = .builtIn) throws -> SteppingReport {
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: columns, rows: rows, graphics: renderer.mode, cellPixels: cellPixels)
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        let terminal = BenchTerminal()
        var painter = Painter(terminal: terminal, frames: frames, renderer: renderer, theme: theme)
        // The first screen, as when the room opens (not timed).
        if let failure = painter.draw(session.state, now: monotonicSeconds()) { throw BenchError.drawFailed(failure) }
        _ = painter.read(wait: false)
        let startBytes = terminal.bytes, startCells = terminal.cells
        var times: [Double] = []
        for _ in 0..<max(1, steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            let now = monotonicSeconds()
            session.send(.key(.right))
            painter.keysArrived(1, now: now)
            if let failure = painter.draw(session.state, now: now) { throw BenchError.drawFailed(failure) }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            // The terminal's answer to the query that followed the picture.
            _ = painter.read(wait: false)
        }
        painter.finish()
        let sorted = times.sorted()
        return SteppingReport(frames: times.count, medianMilliseconds: sorted[sorted.count / 2],
                              worstMilliseconds: sorted.last ?? 0, bytesPerFrame: (terminal.bytes - startBytes) / times.count,
                              cellsPerFrame: (terminal.cells - startCells) / times.count)
    }
}

/// A step of `bench tui` could not be drawn.
enum BenchError: Error, CustomStringConvertible {
    case drawFailed(String)
    var description: String {
        switch self {
        case .drawFailed(let message): "bench tui: drawing failed: \(message)"
        }
    }
}

extension ReviewRoom {
    /// Bytes per step as the room sends them while Right is held, for `microlabel bench tui`:
    /// full pictures, each light level (sixel and kitty), kitty's thinner-link precisions, and
    /// for the text modes the changed cells against the whole picture. Labels and mean bytes.
    public static func measureLinkBytes(store: ReviewStore, frames: FrameProvider, renderer: FrameRenderer,
                                        columns: Int = 120, rows: Int = 40, cellPixels: PixelSize? = nil,
                                        steps: Int = 100, theme: Theme = .builtIn) throws -> [(label: String, bytes: Int)] {
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: columns, rows: rows, graphics: renderer.mode, cellPixels: cellPixels)
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        let cellDots = PixelSize(width: state.metrics.dotsAcross, height: state.metrics.dotsDown)
        var variants: [(label: String, quality: PictureQuality, bits: Int, payload: KittyPayload)] = [("full", .full, 8, .png)]
        switch renderer.mode {
        case .sixel:
            variants += (0..<SixelCoarseness.levels.count).map { level in
                let c = SixelCoarseness.levels[level]
                return ("light \(level) (\(c.blockWidth)x6 blocks, \(c.colours) colours)", .light(level: level), 8, .png)
            }
        case .kitty:
            variants += [("full, 6 bits a channel", .full, 6, .png), ("full, 5 bits a channel", .full, 5, .png),
                         ("full, quick PNG", .full, 8, .quickPNG), ("full, quick PNG, 6 bits a channel", .full, 6, .quickPNG),
                         ("full, quick PNG, 5 bits a channel", .full, 5, .quickPNG)]
            variants += KittyShelf.lightScales.indices.map { level in
                ("light \(level) (\(Int(KittyShelf.lightScales[level] * 100))% of the pixels across)", .light(level: level), 8, .png)
            }
        case .blocks, .ascii:
            variants = [("changed cells", .full, 8, .png), ("whole picture", .full, 8, .png)]
        }
        var totals = [Int](repeating: 0, count: variants.count)
        var previous: [Int: TextCanvas] = [:]
        let count = max(1, steps)
        for _ in 0..<count {
            session.send(.key(.right))
            for placement in imagePlan(session.state, theme: theme) {
                if renderer.mode == .blocks || renderer.mode == .ascii {
                    let image = try frames.image(frame: placement.frame, region: placement.region, size: placement.size)
                    guard let picture = try renderer.cells(image, overlays: placement.overlays, columns: placement.cells.columns,
                                                           rows: placement.cells.rows) else { continue }
                    let changes = Painter.textChanges(picture, from: previous[placement.slot], at: placement.cells)
                    totals[0] += changes.bytes.count
                    totals[1] += picture.canvas.encode(colourDepth: picture.colourDepth).count
                    previous[placement.slot] = changes.shown
                    continue
                }
                for (i, variant) in variants.enumerated() {
                    var sent = placement
                    sent.quality = variant.quality
                    totals[i] += try Painter.encode(sent, frames: frames, renderer: renderer, cellDots: cellDots,
                                                    kittyBits: variant.bits, kittyPayload: variant.payload, id: 1).count
                }
            }
        }
        return zip(variants, totals).map { ($0.label, $1 / count) }
    }
}
