import Foundation
import Synchronization
import Imaging
import LabelStore
import MicroModel
import Pipeline

enum PropagateCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "propagate",
            summary: "Train micro-models on the seeds and propose boxes on the frames around them.",
            usage: "PROJECT [--objects ID,...] [--threads N] [--max-distance N] [--force]",
            positionals: [("PROJECT", "The project file.")],
            details: """
            Seeds and accepted boxes train the micro-models; rejected boxes are hard negatives and are
            never proposed again. Proposals go forward and backward in time from each seed, and are
            written as each stretch between two seeds is done. Seeds, accepted and rejected boxes are
            never overwritten; pending proposals in a recomputed stretch are replaced. Every pending
            proposal's confidence is then calibrated again on the project's evidence (held-out checks
            and review decisions). Ends by printing what 'accept' would take at precision \(UserInput.defaultPrecision).
            """),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let objects = Option.list("objects", "LIST", "Only these object ids (default: all).")
        let threads = Option.integer("threads", "N", range: 1...256, "Worker threads (default: the number of cores).")
        let maxDistance = Option.integer("max-distance", "N", range: 1...1_000_000, "How far a seed's micro-model may propose, in frames (default 150; it also stops at the next seed, a scene cut, or when it loses the object).")
        let force = Flag("force", "Recompute every segment, not only those whose seeds or rejections changed.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        var config = PropagationConfig()
        config.threads = try arguments.value(\.threads) ?? ProcessInfo.processInfo.activeProcessorCount
        config.maxDistance = try arguments.value(\.maxDistance) ?? config.maxDistance
        let objects = try arguments.value(\.objects)?.map { text -> Int64 in
            guard let id = Int64(text) else { throw UsageError(command: "propagate", message: "--objects takes object ids, not '\(text)'") }
            return id
        }
        let known = Set(try project.objects().map(\.id))
        if let unknown = objects?.first(where: { !known.contains($0) }) {
            throw CommandError("object #\(unknown) does not exist (see 'microlabel info')")
        }
        guard try project.counts().seeds > 0 else {
            throw CommandError("the project has no seed boxes yet: add one with 'microlabel seed' or in 'microlabel open'")
        }
        let frames = try ProjectPaths.frames(of: project)
        let engine = PropagationEngine(project: project, frames: frames, config: config)
        let progress = ProgressBox()
        let summary = try engine.run(objects: objects, force: arguments.flag(\.force), report: { event in
            if case let .progress(done, total) = event { progress.update(done: done, total: total) }
        })
        progress.finish()
        for (frame, reason) in summary.unreadableFrames.sorted(by: { $0.key < $1.key }).prefix(10) {
            FileHandle.standardError.write(Data("warning: runs stop at frame \(frame + 1), which cannot be read: \(reason)\n".utf8))
        }
        if summary.unreadableFrames.count > 10 {
            FileHandle.standardError.write(Data("warning: \(summary.unreadableFrames.count - 10) more frames cannot be read\n".utf8))
        }
        if summary.stale > 0 {
            FileHandle.standardError.write(Data("warning: the seeds of \(summary.stale) stretches changed while they were computed; nothing was written there; run propagate again\n".utf8))
        }
        print(String(format: "propagated %d objects: %d stretches recomputed, %d unchanged; %d frames tracked in %.1f s; %d pending proposals",
                     summary.objects, summary.recomputed, summary.unchanged, summary.framesTracked, summary.seconds, summary.proposals))
        print(thresholdLine(summary))
    }

    static func thresholdLine(_ summary: EngineSummary) -> String {
        let checks = summary.checks > 0 ? "\(summary.checksPassed) of \(summary.checks) runs landed on the next seed" : "no held-out checks yet"
        return String(format: "calibrated on %d outcomes (%@); accept at precision \(UserInput.defaultPrecision) would take %d proposals, about %.1f of them wrong",
                      summary.calibrationEvidence, checks, summary.autoAccept, summary.autoAcceptExpectedWrong)
    }
}

/// A progress bar created on the first report, once the total is known.
final class ProgressBox: Sendable {
    private let reporter = Mutex<ProgressReporter?>(nil)

    func update(done: Int, total: Int) {
        reporter.withLock { reporter in
            if reporter == nil { reporter = ProgressReporter("tracking", total: total) }
            reporter?.update(done)
        }
    }

    func finish() {
        reporter.withLock { $0?.finish() }
    }
}
