import Dispatch
import Foundation
import struct TerminalGraphics.PixelSize

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
