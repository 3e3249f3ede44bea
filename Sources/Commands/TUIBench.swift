import Foundation
import Imaging
import Geometry
import LabelStore
import MicroModel
import Pipeline
import ReviewRoom
import Synchronization
import TerminalGraphics

/// `microlabel bench tui`: how many frames the review room draws per second while Right is
/// held, through the room's own drawing path (session and reducer, store, the painter with the
/// frame provider and its prefetching, the renderer, pacing) into a terminal that takes the
/// bytes at once, on a throwaway project made from the sample frames.
enum TUIBench {
    static func run(_ arguments: ParsedArguments<BenchCommand.Options>) throws {
        let choice = try GraphicsChoice(parsing: try arguments.value(\.graphics) ?? "sixel", source: "--graphics")
        guard case .explicit(let mode) = choice else {
            throw UsageError(command: "bench", message: "bench tui needs an explicit --graphics (sixel, kitty, blocks or ascii)")
        }
        let steps = try arguments.value(\.frames) ?? 100
        let sampleData = try DemoCommand.locateSampleData()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-bench-tui-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = try makeProject(in: folder, frames: sampleData.appendingPathComponent("frames"))
        let store = try ProjectReviewStore(project: project)
        let renderer = TerminalFrameRenderer(makeRenderer(mode, colourDepth: .trueColour))

        // A 640x360 view with 10x20-pixel cells in the pixel modes (64 of the 93 columns go to the
        // frame); a 120x40 terminal in the text modes.
        let pixel = mode == .sixel || mode == .kitty
        let columns = pixel ? 93 : 120, rows = pixel ? 24 : 40
        let cell = pixel ? ReviewRoomOptions(cellPixels: .init(width: 10, height: 20)).cellPixels : nil
        let view = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                               columns: columns, rows: rows, graphics: renderer.mode, cellPixels: cell).geometry
        let count = min(steps, store.frameCount - 1)
        print("bench tui: \(mode), \(columns)x\(rows) terminal, view \(view.imageSize.width)x\(view.imageSize.height) dots in \(view.cells.columns)x\(view.cells.rows) cells")
        print("  \(store.frameCount) frames of \(store.frameSize.width)x\(store.frameSize.height) from \(sampleData.path)/frames, a box on every frame, \(count) steps")

        // Cold: nothing decoded yet; the provider decodes ahead while each frame is drawn.
        let cold = CachedFrameProvider(source: try ProjectPaths.frames(of: project))
        let first = try ReviewRoom.measureStepping(store: store, frames: cold, renderer: renderer, columns: columns, rows: rows,
                                                   cellPixels: cell, steps: count)
        // Warm: the same frames again, decoded frames in memory (as when stepping back and forth).
        let second = try ReviewRoom.measureStepping(store: store, frames: cold, renderer: renderer, columns: columns, rows: rows,
                                                    cellPixels: cell, steps: count)
        print("  cold cache: \(first)")
        print("  warm cache: \(second)")
        // What crosses the link per step, as the room sends it (the pacing picks among these).
        let linkSteps = min(count, mode == .sixel || mode == .kitty ? 30 : count)
        var sent = try ReviewRoom.measureLinkBytes(store: store, frames: cold, renderer: renderer, columns: columns, rows: rows,
                                                   cellPixels: cell, steps: linkSteps)
        if mode == .blocks || mode == .ascii {
            // A terminal without truecolor gets the 256-colour palette.
            let palette = TerminalFrameRenderer(makeRenderer(mode, colourDepth: .palette256))
            sent = sent.map { ("\($0.label), truecolor", $0.bytes) }
            sent += try ReviewRoom.measureLinkBytes(store: store, frames: cold, renderer: palette, columns: columns, rows: rows,
                                                    cellPixels: cell, steps: linkSteps).map { ("\($0.label), 256 colours", $0.bytes) }
        }
        print("  bytes per step as sent (mean of \(linkSteps) steps):")
        for row in sent { print("    \(row.label.padding(toLength: 46, withPad: " ", startingAt: 0)) \(String(format: "%9d", row.bytes)) bytes") }

        // Stepping while the engine trains in the background, on every core, as after a `t`:
        // each step is the time from the key to the frame's bytes being written.
        let training = try makeProject(in: folder.appendingPathComponent("training"), frames: sampleData.appendingPathComponent("frames"))
        let trainingFrames = try ProjectPaths.frames(of: training)
        let stop = StopFlag()
        let passes = StopFlag()
        let trainer = Thread {
            let engine = PropagationEngine(project: training, frames: trainingFrames)
            while !stop.isSet {
                _ = try? engine.run(force: true, cancel: { stop.isSet })
                passes.count += 1
            }
            stop.finished()
        }
        trainer.start()
        let busy = CachedFrameProvider(source: try ProjectPaths.frames(of: project))
        let whileTraining = try ReviewRoom.measureStepping(store: store, frames: busy, renderer: renderer, columns: columns, rows: rows,
                                                           cellPixels: cell, steps: count)
        stop.set()
        stop.waitFinished()
        print("  while training (\(passes.count) engine passes ran meanwhile): \(whileTraining)")
        print(String(format: "  key-to-frame while training: median %.1f ms, worst %.1f ms (goal: under 100 ms)",
                     whileTraining.medianMilliseconds, whileTraining.worstMilliseconds))
        let verdict = first.framesPerSecond >= 20 ? "meets" : "misses"
        print(String(format: "  %@ the 20 frames/s goal (cold median %.0f frames/s); the terminal's own drawing time not included", verdict, first.framesPerSecond))
    }

    /// A project over the sample frames with a seed on two frames and a pending proposal on every other frame,
    /// so each step draws a box with a tag.
    static func makeProject(in folder: URL, frames: URL) throws -> Project {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = try openFrameSource(at: frames)
        let info = SourceInfo(path: frames.path, kind: .folder, frameCount: source.frameCount,
                              width: source.width, height: source.height, fps: source.fps)
        let project = try Project.create(at: folder.appendingPathComponent("bench.microlabel"), source: info, labels: ["rabbit"])
        let w = Double(source.width), h = Double(source.height)
        var seedFrames: [Int] = []
        for seed in DemoCommand.seeds where seed.frame - 1 < source.frameCount {
            let rect = Geometry.BoxRect(x: seed.box.x * w, y: seed.box.y * h, width: seed.box.w * w, height: seed.box.h * h)
            _ = try SeedPlacement.add(to: project, frame: seed.frame - 1, rect: rect, labelName: "rabbit", objectID: nil)
            seedFrames.append(seed.frame - 1)
        }
        guard source.frameCount > 0, let object = try project.objects().first else { return project }
        let proposals = (0..<source.frameCount).filter { !seedFrames.contains($0) }.map { frame in
            let t = Double(frame) / Double(max(1, source.frameCount - 1))
            return ProposedBox(frame: frame, rect: Geometry.BoxRect(x: w * (0.1 + 0.05 * t), y: h * 0.2, width: w * 0.4, height: h * 0.6),
                               confidence: 0.5 + 0.5 * t)
        }
        try project.replaceProposals(objectID: object.id, frames: 0...(source.frameCount - 1), with: proposals)
        return project
    }
}

/// A flag and a counter shared with the background trainer of `bench tui`.
private final class StopFlag: Sendable {
    private let state = Mutex((raised: false, passes: 0))
    private let done = DispatchSemaphore(value: 0)

    var isSet: Bool { state.withLock { $0.raised } }
    var count: Int {
        get { state.withLock { $0.passes } }
        set { state.withLock { $0.passes = newValue } }
    }

    func set() { state.withLock { $0.raised = true } }

    /// Called once by the trainer when it stops.
    func finished() { done.signal() }

    func waitFinished() { done.wait() }
}
