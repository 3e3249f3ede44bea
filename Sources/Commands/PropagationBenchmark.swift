import Exchange
import Foundation
import Imaging
import LabelStore
import MicroModel
import Pipeline
import Synchronization

/// `bench propagate SEQ_DIR`: a sequence with ground truth (SEQ/img/*.jpg and
/// SEQ/groundtruth_rect.txt), seeded by the seeded-propagation protocol, propagated with the
/// release engine; prints per-stage times, speed, memory and the protocol's scores.
struct PropagationBenchmark {
    var sequence: URL
    var threads: Int
    /// Where to write the scored boxes as MOT lines, if anywhere.
    var motOutput: URL?
    /// A video of the sequence's frames to read instead of its img/ folder.
    var video: URL?
    /// Where to write each proposal's raw score and whether it is right, if anywhere.
    var rawOutput: URL? = nil

    func run() throws {
        let images = sequence.appendingPathComponent("img")
        let groundTruth = try SeededEvaluation.groundTruth(contentsOf: sequence.appendingPathComponent("groundtruth_rect.txt"))
        let source: any FrameSource = try video.map { try VideoSource(url: $0) } ?? FolderSource(folder: images)
        guard groundTruth.count >= source.frameCount else {
            throw CommandError("\(sequence.path): groundtruth_rect.txt has \(groundTruth.count) lines for \(source.frameCount) frames")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let project = try Project.create(
            at: scratch.appendingPathComponent("bench.microlabel"),
            source: SourceInfo(path: (video ?? images).path, kind: video == nil ? .folder : .video, frameCount: source.frameCount,
                               width: source.width, height: source.height, fps: source.fps),
            labels: [Label.defaultName])
        let object = try project.addObject(labelID: try project.labels()[0].id)
        let seedFrames = SeededEvaluation.seedFrames(frameCount: source.frameCount)
        for frame in seedFrames {
            let r = groundTruth[frame]
            _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: r))
        }
        var config = PropagationConfig()
        config.threads = threads
        let frames = CachedFrameSource(source)
        let engine = PropagationEngine(project: project, frames: frames, config: config)
        let stitched = Stitched()
        if rawOutput != nil { engine.onStitched = { _, proposals in stitched.add(proposals) } }
        let summary = try engine.run()

        // Training cost of one micro-model from one seed, alone.
        let seedImage = try source.frame(at: seedFrames[0])
        let g = groundTruth[seedFrames[0]]
        var trainTimes: [Double] = []
        for _ in 0..<5 {
            let start = monotonicSeconds()
            _ = try trainMicroModel(on: seedImage, box: g, config: config)
            trainTimes.append(monotonicSeconds() - start)
        }

        let t = summary.times
        print("\(sequence.lastPathComponent)\(video.map { " (from \($0.lastPathComponent))" } ?? ""): \(source.frameCount) frames \(source.width)x\(source.height), seeds at frames \(seedFrames.map { String($0 + 1) }.joined(separator: ",")), \(threads) threads")
        print(String(format: "wall          %7.2f s  %6.1f frames/s including decode (%d frames tracked; %.1f tracked frames/s)",
                     summary.seconds, Double(source.frameCount) / summary.seconds, summary.framesTracked, Double(summary.framesTracked) / summary.seconds))
        print(String(format: "stages (CPU s, summed over threads): decode %.2f  features %.2f  training %.2f  search %.2f  scene cuts %.2f  stitching %.2f",
                     t.frames, t.features, t.training, t.search, t.sceneCuts, summary.stitching))
        print(String(format: "train one micro-model from one seed: %.1f ms (median of 5)", median(trainTimes) * 1000))
        print(String(format: "peak memory   %.0f MB (max resident set)", peakResidentMegabytes()))

        let dataset = try DatasetBridge.dataset(of: project)
        let predictions = try SeededEvaluation.predictions(from: dataset)
        if let motOutput {
            // The same file `export --format mot --include-pending` writes; a rerun replaces it.
            var options = ExportOptions(includePending: true, force: true)
            options.motSingleFile = true
            _ = try DatasetExporter.export(dataset, format: .mot, to: motOutput, options: options)
        }
        let scores = try SeededEvaluation.score(groundTruth: Array(groundTruth.prefix(source.frameCount)), predictions: predictions)
        print(scores.description)
        print(PropagateCommand.thresholdLine(summary))
        // Calibration: each pending proposal's confidence against whether its box is right.
        let proposals = try project.boxes(kinds: [.proposal])
        let outcomes = proposals.map { (confidence: $0.confidence, correct: $0.rect.iou(groundTruth[$0.frame]) >= 0.5) }
        print("calibration of the proposals' confidence (right: IoU >= 0.5 with the ground truth):")
        print(Reliability(outcomes).description)
        if let rawOutput {
            // Each stitched proposal's score features and whether its box is right, one per line,
            // for fitting the score's weights.
            let lines = stitched.all.compactMap { p in
                p.evidence.map { "\($0.csv),\(p.box.iou(groundTruth[p.frame]) >= 0.5 ? 1 : 0)" }
            }
            try (lines.joined(separator: "\n") + "\n").write(to: rawOutput, atomically: true, encoding: .utf8)
        }
    }
}

/// Proposals collected from the engine's worker threads.
private final class Stitched: Sendable {
    private let proposals = Mutex<[Proposal]>([])
    func add(_ more: [Proposal]) { proposals.withLock { $0 += more } }
    var all: [Proposal] { proposals.withLock { $0 } }
}

/// The largest resident set the process has had, in MB.
func peakResidentMegabytes() -> Double {
    let usage = resourceUsage(ofChildren: false)
    #if os(Linux)
    return Double(usage.ru_maxrss) / 1024  // kilobytes
    #else
    return Double(usage.ru_maxrss) / (1024 * 1024)  // bytes
    #endif
}
