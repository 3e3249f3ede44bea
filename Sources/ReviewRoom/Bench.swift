import Dispatch
import Foundation
import struct TerminalGraphics.PixelSize
import struct TerminalGraphics.TextCanvas
import struct TerminalGraphics.SixelCoarseness

/// What `measureStepping` found.
public struct SteppingReport: Sendable, CustomStringConvertible {
    public var frames: Int
    /// Milliseconds per step: key handling, decode, render (no terminal I/O).
    public var medianMilliseconds: Double
    public var worstMilliseconds: Double
    public var framesPerSecond: Double { medianMilliseconds > 0 ? 1000 / medianMilliseconds : .infinity }
    /// Bytes the renderer produced per frame, on average.
    public var bytesPerFrame: Int

    public var description: String {
        String(format: "%d frames: median %.2f ms (%.0f frames/s), worst %.2f ms, %d bytes per frame",
               frames, medianMilliseconds, framesPerSecond, worstMilliseconds, bytesPerFrame)
    }
}

extension ReviewRoom {
    /// Holds Right for `steps` frames through the same path as the terminal loop
    /// (reducer, store reads, frame provider, renderer) and times each step.
    /// For `microlabel bench tui`; the terminal's own drawing time is not included.
    public static func measureStepping(store: ReviewStore, frames: FrameProvider, renderer: FrameRenderer,
                                       columns: Int = 120, rows: Int = 40, cellPixels: PixelSize? = nil,
                                       steps: Int = 100, theme: Theme = .builtIn) throws -> SteppingReport {
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: columns, rows: rows, graphics: renderer.mode, cellPixels: cellPixels)
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        var times: [Double] = []
        var bytes = 0
        for _ in 0..<max(1, steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            session.send(.key(.right))
            _ = View.compose(session.state)
            for placement in imagePlan(session.state, theme: theme) {
                let image = try frames.image(frame: placement.frame, region: placement.region, size: placement.size)
                let rendered = try renderer.render(image, overlays: placement.overlays,
                                                   columns: placement.cells.columns, rows: placement.cells.rows)
                bytes += rendered.lines.reduce(0) { $0 + $1.count }
            }
            let g = session.state.geometry
            frames.prefetch(frames: [session.state.frame + 1, session.state.frame + 2], region: g.viewport, size: g.imageSize)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let sorted = times.sorted()
        return SteppingReport(frames: times.count, medianMilliseconds: sorted[sorted.count / 2],
                              worstMilliseconds: sorted.last ?? 0, bytesPerFrame: bytes / times.count)
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
        var variants: [(label: String, quality: PictureQuality, bits: Int)] = [("full", .full, 8)]
        switch renderer.mode {
        case .sixel:
            variants += (0..<SixelCoarseness.levels.count).map { level in
                let c = SixelCoarseness.levels[level]
                return ("light \(level) (\(c.blockWidth)x6 blocks, \(c.colours) colours)", .light(level: level), 8)
            }
        case .kitty:
            variants += [("full, 6 bits a channel", .full, 6), ("full, 5 bits a channel", .full, 5)]
            variants += KittyShelf.lightScales.indices.map { level in
                ("light \(level) (\(Int(KittyShelf.lightScales[level] * 100))% of the pixels across)", .light(level: level), 8)
            }
        case .blocks, .ascii:
            variants = [("changed cells", .full, 8), ("whole picture", .full, 8)]
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
                                                    kittyBits: variant.bits, id: 1).count
                }
            }
        }
        return zip(variants, totals).map { ($0.label, $1 / count) }
    }
}
