import Foundation
import Geometry
import Imaging

/// Which way a window runs from its seed.
public enum Direction: Sendable, Hashable {
    case forward, backward
    var step: Int { self == .forward ? 1 : -1 }
}

/// A labelled box the micro-models learn from. Frames are 0-based here.
public struct Seed: Sendable, Hashable {
    public var frame: Int
    public var box: BoxRect
    public init(frame: Int, box: BoxRect) {
        self.frame = frame
        self.box = box
    }
}

/// Settings of propagation. The defaults are the design measured on the dev sequences (see
/// `microlabel bench propagate`). Encoded, every setting but `threads` (which changes how fast,
/// not what) is what a pass's results depend on: the engine fingerprints that encoding.
public struct PropagationConfig: Sendable, Hashable, Codable {
    /// A window never reaches further than this many frames from its seed.
    public var maxDistance = 150
    /// Windows computed at the same time by the engine.
    public var threads = 2
    public var tracker = TrackerParameters()
    /// Colour-signature distance (0...1) between consecutive frames above which a new scene starts.
    public var sceneCutThreshold = 0.3
    /// A window ends when the HOG response's sharpness stays below `collapseSharpness`
    /// for `collapseFrames` frames in a row; those frames get no proposal.
    public var collapseSharpness = 5.0
    public var collapseFrames = 3
    /// Sharpness from which one run's box is fully trusted (MOSSE's update threshold).
    public var reliableSharpness = 8.0
    /// Whether a stretch whose runs lost the object is recomputed as a path through both seeds
    /// over re-detections (`recover`).
    public var recovery = true
    /// Whether accepted boxes cut an object's timeline into stretches like drawn seeds. Off, only
    /// drawn seeds start micro-models and bound stretches: accepted boxes are kept as they are and
    /// get no proposal, but a correction (a rejection or a new seed) recomputes the stretch
    /// between its drawn seeds across them. A box accepted at IoU just over 0.5 would otherwise
    /// become a seed whose error its neighbours inherit, and a correction would stop at it.
    /// Either way accepted boxes teach: off, a run passing one learns the object's colours there
    /// (`propagate`'s `examples`) while keeping its own box.
    public var acceptedBoxesAnchor = false

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case maxDistance, tracker, sceneCutThreshold, collapseSharpness, collapseFrames, reliableSharpness, recovery,
             acceptedBoxesAnchor
    }
}

/// One frame of a run.
public struct TrackPoint: Sendable, Hashable {
    public let frame: Int
    public let box: BoxRect
    /// Peak-to-sidelobe ratio of the correlation response.
    public let sharpness: Double
    /// Response of the seed's never-updated filter at this box, relative to the seed frame.
    public let similarity: Double
}

/// Why a run stopped.
public enum WindowEnd: Sendable, Hashable {
    /// It reached its limit (the next seed, `maxDistance` or the end of the video).
    case limit
    /// A new scene starts at this frame, which is not tracked.
    case sceneCut(frame: Int)
    /// The response collapsed from this frame on (object left or occluded).
    case collapse(frame: Int)
    /// This frame could not be read (its file is missing or damaged); it is not tracked. A run
    /// whose seed frame cannot be read stops there with no points.
    case unreadable(frame: Int, reason: String)
    case cancelled
}

/// One seed's validity window in one direction: from the seed up to `limit` (inclusive), which
/// is the neighbouring seed, the end of the video or `maxDistance` away. Runs are cached by
/// window: after a review, only windows that changed need computing again.
public struct Window: Sendable, Hashable {
    public let seed: Seed
    public let direction: Direction
    public let limit: Int
    public init(seed: Seed, direction: Direction, limit: Int) {
        self.seed = seed
        self.direction = direction
        self.limit = limit
    }
}

/// The windows of one object's seeds (the engine's anchors): each seed forward and
/// backward up to its neighbours, at most `maxDistance` frames, inside 0..<frameCount.
public func windows(for seeds: [Seed], frameCount: Int, maxDistance: Int) -> [Window] {
    let sorted = seeds.sorted { $0.frame < $1.frame }
    var out: [Window] = []
    for (k, seed) in sorted.enumerated() {
        let back = max(k > 0 ? sorted[k - 1].frame : 0, seed.frame - maxDistance)
        let ahead = min(k + 1 < sorted.count ? sorted[k + 1].frame : frameCount - 1, seed.frame + maxDistance)
        if back < seed.frame { out.append(Window(seed: seed, direction: .backward, limit: back)) }
        if ahead > seed.frame { out.append(Window(seed: seed, direction: .forward, limit: ahead)) }
    }
    return out
}

/// The boxes one micro-model proposes going one way from its seed.
public struct Run: Sendable, Hashable {
    public let window: Window
    public var seed: Seed { window.seed }
    public var direction: Direction { window.direction }
    /// In the order tracked (away from the seed); the seed frame itself is not included.
    public let points: [TrackPoint]
    public let end: WindowEnd
    /// Where the time went. Not part of equality: two runs with the same boxes are equal.
    public let times: StageTimes

    public static func == (a: Run, b: Run) -> Bool { a.window == b.window && a.points == b.points && a.end == b.end }
    public func hash(into h: inout Hasher) {
        h.combine(window)
        h.combine(points)
        h.combine(end)
    }
}

/// A box proposed for review.
public struct Proposal: Sendable, Hashable {
    public let frame: Int
    public let box: BoxRect
    /// 0...1, ranks good boxes above bad ones: the engine's raw score, `evidence.score`, for
    /// proposals made by `stitch`. The project's calibration turns it into a probability.
    public let confidence: Double
    /// What the score was computed from.
    public let evidence: ScoreFeatures?
    public init(frame: Int, box: BoxRect, confidence: Double, evidence: ScoreFeatures? = nil) {
        self.frame = frame
        self.box = box
        self.confidence = confidence
        self.evidence = evidence
    }
}

/// Errors of the propagation stage.
public enum MicroModelError: Error, CustomStringConvertible, Equatable {
    /// A seed box has no area or lies outside its frame.
    case invalidSeed(frame: Int, box: BoxRect, width: Int, height: Int)
    /// A frame does not have the size of the seed frame.
    case frameSizeChanged(frame: Int, expected: String, found: String)

    public var description: String {
        switch self {
        case let .invalidSeed(frame, box, w, h):
            return "seed on frame \(frame + 1) has box \(box), which has no area inside the \(w)x\(h) frame; redraw it"
        case let .frameSizeChanged(frame, expected, found):
            return "frame \(frame + 1) is \(found) but the seed frame is \(expected); propagation needs one frame size per video"
        }
    }
}

/// Tracks through `window`, stopping early at a scene cut or a collapse of the response.
/// `frames(i)` returns frame i (0-based). `negatives` are rejected boxes (frame, box) of this
/// object: the micro-model learns to answer them with zero. `examples` are accepted boxes by
/// frame: when the run passes one where it sees the object clearly and its box overlaps the
/// accepted one (IoU 0.5), the micro-model learns the object's colours there
/// (`CorrelationTracker.learnExample`), but its box stays its own. Deterministic: the same
/// frames, window, negatives and examples give the same run.
public func propagate(_ window: Window, frames: (Int) throws -> RGBImage, negatives: [(frame: Int, box: BoxRect)] = [],
                      examples: [Int: BoxRect] = [:],
                      config: PropagationConfig = PropagationConfig(),
                      cancel: () -> Bool = { false }, progress: (Int) -> Void = { _ in }) throws -> Run {
    let seed = window.seed, direction = window.direction, limit = window.limit
    let step = direction.step
    let far = seed.frame + step * config.maxDistance
    let last = step > 0 ? min(limit, far) : max(limit, far)
    var clock = StageClock()
    var waited = 0.0, signatures = 0.0
    let first: RGBImage
    do {
        first = try frames(seed.frame)
    } catch let error as ImagingError {
        return Run(window: window, points: [], end: .unreadable(frame: seed.frame, reason: error.underlying.description), times: StageTimes())
    }
    let clipped = seed.box.clamped(width: first.width, height: first.height)
    guard clipped.width >= 1, clipped.height >= 1 else {
        throw MicroModelError.invalidSeed(frame: seed.frame, box: seed.box, width: first.width, height: first.height)
    }
    // A rejected box on a frame that can no longer be read teaches nothing; it is left out.
    let negativeImages = negatives.compactMap { negative in (try? frames(negative.frame)).map { (image: $0, box: negative.box) } }
    waited += clock.lap()
    var tracker = CorrelationTracker(image: first, box: seed.box, negatives: negativeImages, parameters: config.tracker)
    _ = clock.lap()  // counted by the tracker as training
    var previous = FrameSignature(first)
    signatures += clock.lap()
    var points: [TrackPoint] = []
    var weak = 0
    var end = WindowEnd.limit
    var frame = seed.frame
    while frame != last {
        if cancel() { end = .cancelled; break }
        frame += step
        _ = clock.lap()
        let image: RGBImage
        do {
            image = try frames(frame)
        } catch let error as ImagingError {
            end = .unreadable(frame: frame, reason: error.underlying.description)
            break
        }
        waited += clock.lap()
        guard image.width == first.width, image.height == first.height else {
            throw MicroModelError.frameSizeChanged(frame: frame, expected: "\(first.width)x\(first.height)",
                                                   found: "\(image.width)x\(image.height)")
        }
        let signature = FrameSignature(image)
        signatures += clock.lap()
        if signature.distance(to: previous) > config.sceneCutThreshold {
            end = .sceneCut(frame: frame)
            break
        }
        previous = signature
        let s = tracker.update(image)
        // An accepted box teaches only where the run itself sees the object clearly (a sharp
        // response, a box that still looks at least half as much like the seed as the run's
        // first frames did) and agrees with it: one accepted over an occluder, or on something
        // the run is not on, would teach the wrong colours for the rest of the run.
        if let example = examples[frame], s.sharpness >= config.reliableSharpness, s.box.iou(example) >= 0.5,
           s.similarity >= 0.5 * (points.prefix(3).map(\.similarity).max() ?? s.similarity) {
            tracker.learnExample(image, box: example)
        }
        points.append(TrackPoint(frame: frame, box: s.box.clamped(width: image.width, height: image.height),
                                 sharpness: s.sharpness, similarity: s.similarity))
        weak = s.sharpness < config.collapseSharpness ? weak + 1 : 0
        progress(points.count)
        if weak >= config.collapseFrames {
            points.removeLast(weak)
            end = .collapse(frame: frame - step * (weak - 1))
            break
        }
    }
    var times = tracker.times
    times.frames = waited
    times.sceneCuts = signatures
    return Run(window: window, points: points, end: end, times: times)
}

// MARK: - Stitching

/// Whether a run that reached the neighbouring seed's frame still sits on the object there:
/// centre error under half the geometric mean size of the two boxes.
func landsOn(_ box: BoxRect, _ truth: BoxRect) -> Bool {
    let d = hypot(box.centerX - truth.centerX, box.centerY - truth.centerY)
    return d < 0.5 * pow(box.area * truth.area, 0.25) + 2
}

/// The seed a run heads towards, if any.
func neighbour(of run: Run, in seeds: [Seed]) -> Seed? {
    let others = seeds.filter { run.direction == .forward ? $0.frame > run.seed.frame : $0.frame < run.seed.frame }
    return run.direction == .forward ? others.min { $0.frame < $1.frame } : others.max { $0.frame < $1.frame }
}

/// How well a run held on to the object where it reached the neighbouring seed: the IoU of its
/// raw box there with that seed; nil when it did not reach one.
func checkOverlap(_ run: Run, seeds: [Seed]) -> Double? {
    guard let next = neighbour(of: run, in: seeds),
          let end = run.points.first(where: { $0.frame == next.frame }) else { return nil }
    return end.box.iou(next.box)
}

/// What a run's held-out evidence says of its boxes, 0...1: its own check at the far seed, else
/// the check of the run from the same seed the other way (the same object, the same look), else
/// a neutral 0.8. An overlap of 0.6 or more at the check is full trust.
func checkQuality(_ run: Run, runs: [Run], seeds: [Seed], ownCheck: Bool = true) -> Double {
    if ownCheck, let own = checkOverlap(run, seeds: seeds) { return min(1, own / 0.6) }
    let sibling = runs.first { $0.seed.frame == run.seed.frame && $0.direction != run.direction }
    if let other = sibling.flatMap({ checkOverlap($0, seeds: seeds) }) { return min(1, other / 0.6) }
    return 0.8
}

/// A run's boxes with its drift removed: when the run reaches the neighbouring seed and lands on
/// it, its error there (centre offset, log width and log height) is spread linearly over the run.
/// `anchored` is nil when the run has no neighbouring seed in reach.
func anchoredBoxes(_ run: Run, seeds: [Seed]) -> (boxes: [BoxRect], anchored: Bool?) {
    let raw = run.points.map(\.box)
    guard let next = neighbour(of: run, in: seeds),
          let end = run.points.first(where: { $0.frame == next.frame }) else { return (raw, nil) }
    guard landsOn(end.box, next.box), end.box.width > 0, end.box.height > 0 else { return (raw, false) }
    let dx = next.box.centerX - end.box.centerX, dy = next.box.centerY - end.box.centerY
    let lw = log(next.box.width / end.box.width), lh = log(next.box.height / end.box.height)
    let span = Double(abs(next.frame - run.seed.frame))
    let boxes = run.points.map { p -> BoxRect in
        let u = Double(abs(p.frame - run.seed.frame)) / span
        return BoxRect(centerX: p.box.centerX + u * dx, centerY: p.box.centerY + u * dy,
                   width: p.box.width * exp(u * lw), height: p.box.height * exp(u * lh))
    }
    return (boxes, true)
}

/// Merges the runs of all seeds into one proposal per frame (seed frames excluded).
/// Where a forward and a backward run overlap and both land on the seed at their far end,
/// their drift-corrected boxes are averaged (nearer seed weighs more) and the confidence rises
/// with their agreement; where only one of them lands, its confidence decays with the distance
/// along a bridge pinned at both seeds; elsewhere the better single run is kept with a
/// confidence that decays with the distance from its seed.
/// Boxes in `rejected` (by frame) are never proposed again: a candidate overlapping one with
/// IoU > 0.5 is dropped before the choice.
public func stitch(runs: [Run], seeds: [Seed], rejected: [Int: [BoxRect]] = [:], imageWidth: Int, imageHeight: Int,
                   config: PropagationConfig = PropagationConfig()) -> [Proposal] {
    struct Candidate {
        let box: BoxRect, point: TrackPoint, distance: Int, anchored: Bool?, reference: Double, recent: Double, quality: Double
    }
    let seedFrames = Set(seeds.map(\.frame))
    // Per frame: the envelope halves in about 23 frames.
    let fade = 0.97
    var byFrame: [Int: [Candidate]] = [:]
    for run in runs {
        let (boxes, anchored) = anchoredBoxes(run, seeds: seeds)
        let quality = checkQuality(run, runs: runs, seeds: seeds)
        // How much the first frames after the seed look like it: the run's own yardstick.
        let reference = run.points.prefix(3).map(\.similarity).max() ?? 1
        // How much the run's recent frames looked like the seed: a slowly fading envelope, so a
        // gradual change of look (turning, growing) keeps it close while a sudden drop stands out.
        var envelope = reference
        for (p, b) in zip(run.points, boxes) {
            let recent = envelope
            envelope = max(p.similarity, envelope * fade)
            if seedFrames.contains(p.frame) { continue }
            if let bad = rejected[p.frame], bad.contains(where: { $0.iou(b) > 0.5 }) { continue }
            byFrame[p.frame, default: []].append(
                Candidate(box: b, point: p, distance: abs(p.frame - run.seed.frame), anchored: anchored,
                          reference: reference, recent: recent, quality: quality))
        }
    }
    // Full trust while the response is sharp and the box still looks at least half as much like
    // the seed as the run's first frames did. Picks which run's box to keep.
    func reliability(_ c: Candidate) -> Double {
        min(1, c.point.sharpness / config.reliableSharpness)
            * min(1, max(c.point.similarity, 0) / (0.5 * max(c.reference, 1e-6)))
    }
    // For the confidence of one run, likeness is measured against the run's recent frames
    // rather than its first: it fades as an object turns or grows, but drops when it is hidden.
    func steadiness(_ c: Candidate) -> Double {
        min(1, c.point.sharpness / config.reliableSharpness)
            * min(1, max(c.point.similarity, 0) / (0.5 * max(c.recent, 1e-6)))
    }
    // Confidence falls with the distance to the nearest evidence. A run checked at the far seed
    // (anchored) is pinned at both ends, so its error grows like a bridge between them,
    // d·(span − d)/span, rather than like d.
    func decay(_ distance: Double) -> Double { 0.5 * exp(-distance / 100) }
    func support(_ c: Candidate) -> Double {
        decay(Double(c.distance)) * reliability(c) * (c.anchored == false ? 0.5 : 1)
    }
    func single(_ c: Candidate) -> Double {
        decay(Double(c.distance)) * steadiness(c) * (c.anchored == false ? 0.5 : 1)
    }
    var out: [Proposal] = []
    for frame in byFrame.keys.sorted() {
        let cands = byFrame[frame]!.sorted { $0.distance < $1.distance }
        let box: BoxRect, confidence: Double, features: ScoreFeatures
        if cands.count == 1 {
            box = cands[0].box
            confidence = single(cands[0]) * cands[0].quality
            features = ScoreFeatures(quality: cands[0].quality, distance: Double(cands[0].distance), bridged: false, agreement: 0,
                                     steadiness: steadiness(cands[0]), heuristic: confidence)
        } else {
            let a = cands[0], b = cands[1]
            let agreement = a.box.iou(b.box)
            if a.anchored == true && b.anchored == true {
                let wa = Double(b.distance) / Double(a.distance + b.distance)
                box = BoxRect(x: wa * a.box.x + (1 - wa) * b.box.x, y: wa * a.box.y + (1 - wa) * b.box.y,
                          width: wa * a.box.width + (1 - wa) * b.box.width,
                          height: wa * a.box.height + (1 - wa) * b.box.height)
                confidence = 0.5 + 0.5 * agreement * min(reliability(a), reliability(b)) * min(a.quality, b.quality)
                features = ScoreFeatures(quality: min(a.quality, b.quality), distance: Double(min(a.distance, b.distance)), bridged: true,
                                         agreement: agreement, steadiness: min(reliability(a), reliability(b)), heuristic: confidence)
            } else if let checked = [a, b].first(where: { $0.anchored == true }) {
                // One run passed its check at the far seed, the other did not. How far the kept
                // box can be off is bounded by the checked run's bridge, not by their disagreement.
                box = (support(a) >= support(b) ? a : b).box
                let da = Double(a.distance), db = Double(b.distance)
                confidence = decay(da * db / (da + db)) * steadiness(checked) * checked.quality
                features = ScoreFeatures(quality: checked.quality, distance: da * db / (da + db), bridged: true, agreement: agreement,
                                         steadiness: steadiness(checked), heuristic: confidence)
            } else {
                let best = support(a) >= support(b) ? a : b
                box = best.box
                confidence = single(best) * (0.5 + 0.5 * agreement) * best.quality
                features = ScoreFeatures(quality: best.quality, distance: Double(best.distance), bridged: false, agreement: agreement,
                                         steadiness: steadiness(best), heuristic: confidence)
            }
        }
        let clipped = box.clamped(width: imageWidth, height: imageHeight)
        if clipped.width > 0 && clipped.height > 0 {
            out.append(Proposal(frame: frame, box: clipped, confidence: features.score, evidence: features))
        }
    }
    return out
}

// MARK: - Held-out checks

/// Held-out checks: runs that reached a neighbouring seed, and how many of them landed on it.
public struct HeldOutChecks: Sendable, Hashable {
    public var total = 0
    public var passed = 0
    public init(total: Int = 0, passed: Int = 0) {
        self.total = total
        self.passed = passed
    }
    /// Share of checks passed; nil without checks.
    public var precision: Double? { total > 0 ? Double(passed) / Double(total) : nil }
    public static func + (a: HeldOutChecks, b: HeldOutChecks) -> HeldOutChecks {
        HeldOutChecks(total: a.total + b.total, passed: a.passed + b.passed)
    }
}

/// Trains one micro-model on one seed and throws it away: what `bench propagate` times as the
/// cost of training.
public func trainMicroModel(on image: RGBImage, box: BoxRect, config: PropagationConfig = PropagationConfig()) throws {
    _ = CorrelationTracker(image: image, box: box, parameters: config.tracker)
}
