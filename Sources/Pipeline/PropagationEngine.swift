import Foundation
import Geometry
import Imaging
import LabelStore
import MicroModel
import Synchronization

/// What the engine reports while it works, from its worker threads.
public enum EngineEvent: Sendable {
    /// Frames tracked so far out of those to track in this pass.
    case progress(done: Int, total: Int)
    /// Proposals of one object were written for frames `frames` (0-based).
    case proposalsWritten(objectID: Int64, frames: ClosedRange<Int>, count: Int)
}

/// What one pass did.
public struct EngineSummary: Sendable {
    public var objects = 0
    /// Segments (the stretch between two seeds, or a seed and the video's end) recomputed / left alone.
    public var recomputed = 0
    public var unchanged = 0
    public var proposals = 0
    public var framesTracked = 0
    public var cancelled = false
    /// Frames that could not be read (0-based, with the reason): runs stopped there, and the
    /// stretches around them are computed again by the next pass.
    public var unreadableFrames: [Int: String] = [:]
    /// Stretches whose seeds changed (someone added, moved or removed one) while they were being
    /// computed: nothing was written for them; the next pass computes them.
    public var stale = 0
    /// Held-out checks: runs that reached a neighbouring seed, and how many landed on it.
    public var checks = 0
    public var checksPassed = 0
    /// Outcomes the confidence is calibrated on: held-out checks and review decisions.
    public var calibrationEvidence = 0
    /// What accepting at the default precision target would take now: how many pending boxes, and
    /// how many of those are expected to be wrong.
    public var autoAccept = 0
    public var autoAcceptExpectedWrong = 0.0
    public var times = StageTimes()
    /// Seconds spent stitching runs into proposals and writing them.
    public var stitching = 0.0
    public var seconds = 0.0
    public var precision: Double? { checks > 0 ? Double(checksPassed) / Double(checks) : nil }
}

/// Trains and runs micro-models for a project's objects and writes their proposals to the store.
///
/// An object's timeline is cut at its seeds (drawn seeds; accepted boxes too when
/// `acceptedBoxesAnchor` is on) into segments; a segment is computed by the runs of the seeds at
/// its two ends, stitched, and written in one transaction as soon as both runs finish, so
/// proposals show up while the rest is computed. A segment whose seeds, rejected boxes and
/// settings are as they were at the last pass is left alone. Accepted boxes inside a segment are
/// training examples of its runs but not part of that comparison: accepting a box does not
/// recompute its stretch (the pending boxes the reviewer is going through stay as they are); the
/// next pass that recomputes the stretch for a correction, or `propagate --force`, learns from
/// them. The command line and the TUI use this same engine.
public final class PropagationEngine: @unchecked Sendable {
    private let project: Project
    private let frames: any FrameSource
    private let config: PropagationConfig
    /// Of every setting the results depend on; part of each stretch's fingerprint, so that a
    /// change of any of them recomputes every stretch.
    private let parameters: String
    /// Called with each stretch's stitched proposals (object id, proposals) before they are
    /// written, from a worker thread: for benchmarks that study the scores.
    public var onStitched: (@Sendable (Int64, [Proposal]) -> Void)?

    public init(project: Project, frames: any FrameSource, config: PropagationConfig = PropagationConfig()) {
        self.project = project
        self.frames = frames
        self.config = config
        parameters = Fingerprint.of(config)
    }

    private struct Segment {
        var objectID: Int64
        var range: ClosedRange<Int>
        var seeds: [Seed]
        var windows: [Window]
        var fingerprint: String
        /// Accepted boxes inside the range when they are no anchors (see `acceptedBoxesAnchor`).
        var accepted: [Int: BoxRect] = [:]
    }

    /// Recomputes what changed for `objects` (all objects when nil); `force` recomputes everything.
    public func run(objects only: [Int64]? = nil, force: Bool = false, cancel: @escaping @Sendable () -> Bool = { false },
                    report: @escaping @Sendable (EngineEvent) -> Void = { _ in }) throws -> EngineSummary {
        let started = Date()
        let frameCount = frames.frameCount
        var summary = EngineSummary()
        let objects = try project.objects().filter { only?.contains($0.id) ?? true }
        summary.objects = objects.count
        guard frameCount > 0 else {
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        }
        var records: [Int64: [ClosedRange<Int>: StretchRecord]] = [:]
        var work: [Segment] = []
        for object in objects {
            let stored = Dictionary((try project.stretchRecords(objectID: object.id)[object.id] ?? []).map { ($0.frames, $0) },
                                    uniquingKeysWith: { first, _ in first })
            let segments = try segments(of: object.id, frameCount: frameCount)
            var kept: [ClosedRange<Int>: StretchRecord] = [:]
            for segment in segments {
                if !force, let record = stored[segment.range], record.fingerprint == segment.fingerprint {
                    kept[segment.range] = record
                    summary.unchanged += 1
                } else {
                    work.append(segment)
                }
            }
            records[object.id] = kept
            // Frames no segment covers any more (all seeds removed) lose their pending proposals.
            if segments.isEmpty { try project.replaceProposals(objectID: object.id, frames: 0...(frameCount - 1), with: []) }
        }

        let segmentsToCompute = work
        let jobs = work.enumerated().flatMap { index, segment in segment.windows.map { (segment: index, window: $0) } }
        let total = jobs.reduce(0) { $0 + abs($1.window.limit - $1.window.seed.frame) }
        let state = EngineState(segments: work.count, windowsPerSegment: work.map(\.windows.count))
        let workers = max(1, min(config.threads, jobs.count))
        let rejected = try rejectedBoxes()
        let calibrate = try Calibration.current(project)
        let frameSource = frames
        let fetch: @Sendable (Int) throws -> RGBImage = { try frameSource.frame(at: $0) }
        let config = self.config
        let queue = JobQueue(jobs.map { job in
            job.window.direction == .backward && work[job.segment].windows.contains { $0.direction == .forward }
                ? job.segment : nil
        }, forward: jobs.map { $0.window.direction == .forward ? $0.segment : nil },
           oneForwardAtATime: frames.readsForwardCheapest)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let j = queue.next() {
                defer { queue.done(j) }
                if state.failed || cancel() { continue }
                let job = jobs[j]
                let segment = segmentsToCompute[job.segment]
                let window = job.window
                let lo = min(window.seed.frame, window.limit), hi = max(window.seed.frame, window.limit)
                if window.direction == .backward { frameSource.willRead(Array((lo...hi).reversed())) }
                let negatives = (rejected[segment.objectID] ?? [:]).filter { $0.key >= lo && $0.key <= hi }
                    .sorted { $0.key < $1.key }.flatMap { frame, boxes in boxes.map { (frame: frame, box: $0) } }
                var done = 0
                do {
                    let run = try propagate(window, frames: fetch, negatives: negatives, examples: segment.accepted, config: config, cancel: cancel,
                                            progress: { n in report(.progress(done: state.addTracked(n - done), total: total)); done = n })
                    if let finished = state.finish(run, segment: job.segment) {
                        let start = Date()
                        let written = try self.write(segment, runs: finished, rejected: rejected[segment.objectID] ?? [:], calibrate: calibrate, report: report)
                        state.addStitching(Date().timeIntervalSince(start))
                        if !written { state.markStale(job.segment) }
                    }
                } catch {
                    state.fail(error)
                }
            }
        }
        if let error = state.error { throw error }
        summary.cancelled = cancel() || state.cancelledAny
        summary.framesTracked = state.tracked
        summary.times = state.times
        summary.stitching = state.stitching
        var outcomes: [String: [ScoredOutcome]] = [:]
        for (index, segment) in work.enumerated() {
            guard let runs = state.completed[index], !runs.contains(where: { $0.end == .cancelled }) else { continue }
            for run in runs { if case let .unreadable(frame, reason) = run.end { summary.unreadableFrames[frame] = reason } }
            if state.staleSegments.contains(index) { summary.stale += 1; continue }
            let checks = heldOutOutcomes(runs: runs, seeds: segment.seeds, config: config)
            if let record = record(segment, runs: runs, checks: checks) {
                records[segment.objectID, default: [:]][segment.range] = record
                outcomes[Calibration.key(segment.objectID, segment.range)] = checks
            }
            summary.recomputed += 1
        }
        for (objectID, kept) in records {
            try project.replaceStretchRecords(objectID: objectID, with: kept.values.sorted { $0.frames.lowerBound < $1.frames.lowerBound })
        }
        try recordSceneCuts(state.completed.values.joined())
        try recordModels(work, summary: summary)
        if objects.count > 1 && summary.recomputed > 0 { try resolveObjectConflicts(in: project) }

        // The calibration rests on every object's held-out checks, recomputed or not, and on the
        // review decisions; every pending proposal's confidence follows it.
        let checks = try project.stretchRecords().values.joined()
            .reduce(HeldOutChecks()) { $0 + HeldOutChecks(total: $1.checks, passed: $1.checksPassed) }
        summary.checks = checks.total
        summary.checksPassed = checks.passed
        let current = Set(records.flatMap { objectID, kept in kept.keys.map { Calibration.key(objectID, $0) } })
        summary.calibrationEvidence = try Calibration.refit(project, newOutcomes: outcomes, keep: current, objects: Set(objects.map(\.id)))
        let preview = PrecisionTarget().select(try project.pendingProposals(), confidence: \.confidence)
        summary.autoAccept = preview.items.count
        summary.autoAcceptExpectedWrong = preview.expectedWrong
        summary.proposals = try project.counts().proposals
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// What a finished stretch leaves for the next pass to compare against, with `checks`, its
    /// runs' held-out checks; nil when a run met a frame it could not read, so that the next pass
    /// tries the stretch again.
    private func record(_ segment: Segment, runs: [Run], checks: [ScoredOutcome]) -> StretchRecord? {
        if runs.contains(where: { if case .unreadable = $0.end { return true }; return false }) { return nil }
        return StretchRecord(frames: segment.range, fingerprint: segment.fingerprint, checks: checks.count, checksPassed: checks.filter(\.correct).count)
    }

    /// The kinds of box that start runs and bound stretches (see `acceptedBoxesAnchor`).
    private var anchorKinds: Set<BoxKind> { config.acceptedBoxesAnchor ? [.seed, .accepted] : [.seed] }

    /// Pending proposals gain nothing from a pass that cannot see past the seeds: the segments of
    /// one object, with the windows that cover them and a fingerprint of their inputs.
    private func segments(of objectID: Int64, frameCount: Int) throws -> [Segment] {
        var byFrame: [Int: Box] = [:]
        // Accepted boxes that are no anchors: left as they are, and given no proposal.
        let acceptedBoxes = config.acceptedBoxesAnchor ? [] : try project.boxes(objectID: objectID, kinds: [.accepted])
        for box in try project.boxes(objectID: objectID, kinds: anchorKinds) {
            // A seed wins over an accepted box on the same frame.
            if let existing = byFrame[box.frame], existing.kind == .seed { continue }
            byFrame[box.frame] = box
        }
        let seeds = byFrame.keys.sorted().filter { $0 < frameCount }.map { Seed(frame: $0, box: byFrame[$0]!.rect) }
        guard !seeds.isEmpty else { return [] }
        let all = windows(for: seeds, frameCount: frameCount, maxDistance: config.maxDistance)
        let rejected = try project.boxes(objectID: objectID, kinds: [.rejected])
        var bounds = [0] + seeds.map(\.frame) + [frameCount - 1]
        bounds = bounds.reduce(into: []) { if $0.last != $1 { $0.append($1) } }
        var out: [Segment] = []
        for (lo, hi) in zip(bounds, bounds.dropFirst()) {
            let ends = seeds.filter { $0.frame == lo || $0.frame == hi }
            let covering = all.filter { w in
                (w.direction == .forward && w.seed.frame == lo) || (w.direction == .backward && w.seed.frame == hi)
            }
            let inputs = StretchInputs(
                parameters: parameters, frameCount: frameCount,
                seeds: ends.map { StretchInputs.FrameBox(frame: $0.frame, box: $0.box) },
                windows: covering.map { StretchInputs.Reach(forward: $0.direction == .forward, limit: $0.limit) },
                rejected: rejected.filter { $0.frame >= lo && $0.frame <= hi }.map { StretchInputs.FrameBox(frame: $0.frame, box: $0.rect) }
                    .sorted { ($0.frame, $0.box.x, $0.box.y, $0.box.width, $0.box.height) < ($1.frame, $1.box.x, $1.box.y, $1.box.width, $1.box.height) })
            let fingerprint = Fingerprint.of(inputs)
            out.append(Segment(objectID: objectID, range: lo...hi, seeds: ends, windows: covering, fingerprint: fingerprint,
                               accepted: Dictionary(acceptedBoxes.filter { $0.frame >= lo && $0.frame <= hi && byFrame[$0.frame] == nil }
                                   .map { ($0.frame, $0.rect) }, uniquingKeysWith: { first, _ in first })))
        }
        return out
    }

    /// Writes a finished stretch's proposals and its record in one transaction. Returns false,
    /// writing nothing, when the stretch's seeds changed since the pass began.
    private func write(_ segment: Segment, runs: [Run], rejected: [Int: [BoxRect]], calibrate: (Int64, Double) -> Double,
                       report: (EngineEvent) -> Void) throws -> Bool {
        if runs.contains(where: { $0.end == .cancelled }) { return true }  // a half-computed segment is not written
        let stitched = stitch(runs: runs, seeds: segment.seeds, rejected: rejected,
                              imageWidth: frames.width, imageHeight: frames.height, config: config)
        let source = frames
        let proposals = try recover(stitched, runs: runs, seeds: segment.seeds, rejected: rejected,
                                    frames: { try source.frame(at: $0) }, imageWidth: frames.width, imageHeight: frames.height,
                                    config: config).proposals
        onStitched?(segment.objectID, proposals.filter { segment.range.contains($0.frame) })
        // (The store drops those on decided frames, accepted boxes' among them.)
        let boxes = proposals.filter { segment.range.contains($0.frame) }.compactMap { p in
            p.box.clipped(toWidth: frames.width, height: frames.height).map {
                ProposedBox(frame: p.frame, rect: $0, confidence: calibrate(segment.objectID, p.confidence), score: p.confidence)
            }
        }.filter { $0.rect.width >= 1 && $0.rect.height >= 1 }  // a sliver at the image's edge is no box
        // Only the anchors the stretch was computed from count: a box accepted meanwhile (no
        // anchor) changes nothing the pass used, so the stretch's work is not thrown away.
        let decided = Dictionary(segment.seeds.map { ($0.frame, $0.box) }, uniquingKeysWith: { first, _ in first })
        let written = try project.replaceProposals(
            objectID: segment.objectID, frames: segment.range, with: boxes, ifDecidedAre: decided, kinds: anchorKinds,
            record: record(segment, runs: runs, checks: heldOutOutcomes(runs: runs, seeds: segment.seeds, config: config)))
        guard let written else { return false }
        report(.proposalsWritten(objectID: segment.objectID, frames: segment.range, count: written))
        return true
    }

    /// One model record per object recomputed in this pass: the seed boxes it learned from, the
    /// settings, and what its held-out checks gave.
    private func recordModels(_ work: [Segment], summary: EngineSummary) throws {
        let objects = Set(work.map(\.objectID))
        for objectID in objects.sorted() {
            let seeds = try project.boxes(objectID: objectID, kinds: anchorKinds).map(\.id)
            let records = try project.stretchRecords(objectID: objectID)[objectID] ?? []
            let metrics = ModelMetrics(segments: work.filter { $0.objectID == objectID }.count,
                                       checks: records.reduce(0) { $0 + $1.checks },
                                       checksPassed: records.reduce(0) { $0 + $1.checksPassed }, cancelled: summary.cancelled)
            _ = try project.addModel(objectID: objectID, seedBoxIDs: seeds, parameters: try Self.json(ModelParameters(config: config, fingerprint: parameters)),
                                     metrics: try Self.json(metrics))
        }
    }

    /// Scene cuts the runs stopped at, added to those known, for the timeline.
    private func recordSceneCuts<Runs: Sequence>(_ runs: Runs) throws where Runs.Element == Run {
        var cuts = Set((try project.setting(SettingKey.sceneCuts) ?? "").split(separator: ",").compactMap { Int($0) })
        let before = cuts.count
        for run in runs {
            // A backward run stops at the last frame of the later scene's predecessor: the cut is after it.
            if case let .sceneCut(frame) = run.end { cuts.insert(run.direction == .forward ? frame : frame + 1) }
        }
        if cuts.count != before { try project.setSetting(SettingKey.sceneCuts, cuts.sorted().map(String.init).joined(separator: ",")) }
    }

    private func rejectedBoxes() throws -> [Int64: [Int: [BoxRect]]] {
        var out: [Int64: [Int: [BoxRect]]] = [:]
        for box in try project.boxes(kinds: [.rejected]) {
            out[box.objectID, default: [:]][box.frame, default: []].append(box.rect)
        }
        return out
    }

    private static func json<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// What a model record says it was made with: every setting, and their fingerprint.
private struct ModelParameters: Encodable {
    var config: PropagationConfig
    var fingerprint: String
}

/// What a model record says its pass did for the object.
private struct ModelMetrics: Encodable {
    var segments: Int
    var checks: Int
    var checksPassed: Int
    var cancelled: Bool
}

/// What a stretch's proposals are computed from: when none of it changed, neither would they.
private struct StretchInputs: Encodable {
    struct FrameBox: Encodable {
        var frame: Int
        var box: BoxRect
    }
    struct Reach: Encodable {
        var forward: Bool
        var limit: Int
    }
    /// The fingerprint of the engine's settings.
    var parameters: String
    var frameCount: Int
    var seeds: [FrameBox]
    var windows: [Reach]
    var rejected: [FrameBox]
}

/// Shared bookkeeping of one pass: runs finished per segment, frames tracked, the first error.
private final class EngineState: Sendable {
    private struct Books {
        var runs: [[Run]]
        var completed: [Int: [Run]] = [:]
        var tracked = 0
        var times = StageTimes()
        var error: Error?
        var cancelledAny = false
        var stitching = 0.0
        var staleSegments: Set<Int> = []
    }
    private let books: Mutex<Books>
    private let expected: [Int]

    var completed: [Int: [Run]] { books.withLock { $0.completed } }
    var tracked: Int { books.withLock { $0.tracked } }
    var times: StageTimes { books.withLock { $0.times } }
    var error: Error? { books.withLock { $0.error } }
    var cancelledAny: Bool { books.withLock { $0.cancelledAny } }
    var stitching: Double { books.withLock { $0.stitching } }
    var staleSegments: Set<Int> { books.withLock { $0.staleSegments } }

    func markStale(_ segment: Int) {
        books.withLock { _ = $0.staleSegments.insert(segment) }
    }

    func addStitching(_ seconds: Double) {
        books.withLock { $0.stitching += seconds }
    }

    init(segments: Int, windowsPerSegment: [Int]) {
        books = Mutex(Books(runs: Array(repeating: [], count: segments)))
        expected = windowsPerSegment
    }

    var failed: Bool { books.withLock { $0.error != nil } }

    func addTracked(_ n: Int) -> Int {
        books.withLock { books in
            books.tracked += n
            return books.tracked
        }
    }

    /// Records a run; returns the segment's runs when it was the last one it waited for.
    func finish(_ run: Run, segment: Int) -> [Run]? {
        books.withLock { books in
            books.runs[segment].append(run)
            books.times = books.times + run.times
            if run.end == .cancelled { books.cancelledAny = true }
            guard books.runs[segment].count == expected[segment] else { return nil }
            let ordered = books.runs[segment].sorted { $0.window.seed.frame < $1.window.seed.frame }
            books.completed[segment] = ordered
            return ordered
        }
    }

    func fail(_ error: Error) {
        books.withLock { books in
            if books.error == nil { books.error = error }
        }
    }
}
