import Foundation
import Geometry
import Imaging
import LabelStore
import MicroModel
import Pipeline
import Synthetic

/// `bench scale`: how a propagate pass's time grows with the number of frames and seeds, on
/// generated videos (`SyntheticVideo`, 320x240) seeded with their true boxes on the seeded
/// protocol's evenly spread frames; and how long `next` takes on them.
struct ScaleBenchmark {
    var frameCounts: [Int]
    var seedCounts: [Int]
    var threads: Int
    /// Calls of `next` timed per project; the median is reported.
    var runs: Int

    static func make(_ arguments: ParsedArguments<BenchCommand.Options>, threads: Int, runs: Int) throws -> ScaleBenchmark {
        func counts(_ key: KeyPath<BenchCommand.Options, Option<[String]>>, _ name: String, _ defaults: [Int], _ range: ClosedRange<Int>) throws -> [Int] {
            guard let items = try arguments.value(key) else { return defaults }
            return try items.map { text in
                guard let value = Int(text), range.contains(value) else {
                    throw UsageError(command: "bench", message: "--\(name) takes whole numbers from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
                }
                return value
            }
        }
        return ScaleBenchmark(frameCounts: try counts(\.frameCounts, "frame-counts", [1000, 5000, 10_000], 2...1_000_000),
                              seedCounts: try counts(\.seedCounts, "seed-counts", [10, 50, 100], 1...100_000),
                              threads: threads, runs: runs)
    }

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-scale-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var config = PropagationConfig()
        config.threads = threads
        print("generated 320x240 videos, one object, seeds on the protocol's evenly spread frames; \(threads) threads, max distance \(config.maxDistance)")
        print("pass: a full propagate pass (s), frames tracked per second; again: a pass with nothing changed; +1 seed: a pass after one more seed")
        print("next: median of \(runs) calls in process (store reads included); right: proposals with IoU >= 0.5")
        print(" frames  seeds  tracked   pass s  tracked/s  again s  +1 seed s  proposals  right   next ms")
        var largest: URL?
        for frameCount in frameCounts {
            let video = SyntheticVideo(frameCount: frameCount)
            for seedCount in seedCounts where seedCount <= frameCount {
                let file = scratch.appendingPathComponent("scale-\(frameCount)-\(seedCount).microlabel")
                let project = try Project.create(
                    at: file, source: SourceInfo(path: scratch.path, kind: .folder, frameCount: frameCount,
                                                 width: video.width, height: video.height, fps: video.fps),
                    labels: ["thing"])
                let object = try project.addObject(labelID: try project.labels()[0].id)
                let seeds = (0..<seedCount).map { Int((Double($0) + 0.5) * Double(frameCount) / Double(seedCount)) }
                for frame in seeds { _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: video.box(frame))) }
                let engine = PropagationEngine(project: project, frames: CachedFrameSource(video), config: config)
                let full = try engine.run()
                let again = try engine.run()
                // One more seed, in the middle of the longest stretch between seeds (or beside the only one).
                let bounds = [0] + seeds + [frameCount - 1]
                let widest = zip(bounds, bounds.dropFirst()).max { $0.1 - $0.0 < $1.1 - $1.0 }!
                let extra = (widest.0 + widest.1) / 2
                _ = try project.addBox(NewBox(frame: extra, objectID: object.id, rect: video.box(extra)))
                let more = try engine.run()

                let proposals = try project.boxes(kinds: [.proposal])
                let right = proposals.filter { $0.rect.iou(video.box($0.frame)) >= 0.5 }.count
                var times: [Double] = []
                for _ in 0..<runs {
                    let start = monotonicSeconds()
                    _ = try NextDraw.suggest(in: project)
                    times.append(monotonicSeconds() - start)
                }
                print(String(format: "%7d %6d %8d %8.2f %10.0f %8.3f %10.2f %10d %6.3f %9.1f",
                             frameCount, seedCount, full.framesTracked, full.seconds, Double(full.framesTracked) / full.seconds,
                             again.seconds, more.seconds, proposals.count,
                             proposals.isEmpty ? 0 : Double(right) / Double(proposals.count), median(times) * 1000))
                fflush(nil)  // a row as soon as it is measured, also into a file
                if frameCount == frameCounts.max() { largest = file }
            }
        }
        // The whole command, as a person runs it: process start, opening the project, the answer.
        if let largest, let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var times: [Double] = []
            for _ in 0..<runs {
                let start = monotonicSeconds()
                try spawnAndWait(URL(fileURLWithPath: me), ["next", largest.path])
                times.append(monotonicSeconds() - start)
            }
            print(String(format: "'microlabel next' as a process on the last %d-frame project: %.1f ms median of %d (%.1f-%.1f)",
                         frameCounts.max() ?? 0, median(times) * 1000, runs, (times.min() ?? 0) * 1000, (times.max() ?? 0) * 1000))
        }
    }
}
