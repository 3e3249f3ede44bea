import Foundation
import LabelStore
import MicroModel

/// What a person's work costs, in seconds: the figures `annotsim.py` uses. A box drawn with four
/// extreme clicks takes about 7 s (Papadopoulos et al., ICCV 2017); a yes/no check of a proposed
/// box about 1.6 s (Papadopoulos et al., CVPR 2016).
public struct ReviewCosts: Sendable, Hashable {
    public var drawSeconds: Double
    public var checkSeconds: Double

    public init(drawSeconds: Double = 7.0, checkSeconds: Double = 1.6) {
        self.drawSeconds = drawSeconds
        self.checkSeconds = checkSeconds
    }
}

/// The review state `NextDraw` works from: per object, the frames of its boxes by kind and the
/// confidence of each proposal. Read from the store with a few indexed queries, no images.
public struct ReviewSnapshot: Sendable {
    public struct FrameConfidence: Sendable, Hashable {
        /// 0-based.
        public var frame: Int
        public var confidence: Double

        public init(frame: Int, confidence: Double) {
            self.frame = frame
            self.confidence = confidence
        }
    }

    public struct Pending: Sendable, Hashable {
        public var id: Int64
        /// 0-based.
        public var frame: Int
        public var confidence: Double

        public init(id: Int64, frame: Int, confidence: Double) {
            self.id = id
            self.frame = frame
            self.confidence = confidence
        }
    }

    public struct Object: Sendable {
        public var id: Int64
        /// Frames with a drawn box (0-based).
        public var seeds: [Int]
        public var accepted: [FrameConfidence]
        public var rejected: [FrameConfidence]
        public var pending: [Pending]

        public init(id: Int64, seeds: [Int], accepted: [FrameConfidence] = [], rejected: [FrameConfidence] = [], pending: [Pending] = []) {
            self.id = id
            self.seeds = seeds
            self.accepted = accepted
            self.rejected = rejected
            self.pending = pending
        }
    }

    public var frameCount: Int
    public var objects: [Object]
    /// Whether the engine has made a pass over this project (it leaves stretch records).
    public var engineHasRun: Bool

    public init(frameCount: Int, objects: [Object], engineHasRun: Bool) {
        self.frameCount = frameCount
        self.objects = objects
        self.engineHasRun = engineHasRun
    }

    /// The project's state, of every object or only of `objectID`.
    public static func load(from project: Project, objectID: Int64? = nil) throws -> ReviewSnapshot {
        let frameCount = try project.source().frameCount
        var objects: [Int64: Object] = [:]
        for object in try project.objects() where objectID == nil || object.id == objectID {
            objects[object.id] = Object(id: object.id, seeds: [])
        }
        for box in try project.boxes(objectID: objectID, kinds: [.seed, .accepted, .rejected]) {
            guard objects[box.objectID] != nil else { continue }
            let entry = FrameConfidence(frame: box.frame, confidence: box.confidence)
            switch box.kind {
            case .seed: objects[box.objectID]!.seeds.append(box.frame)
            case .accepted: objects[box.objectID]!.accepted.append(entry)
            case .rejected: objects[box.objectID]!.rejected.append(entry)
            case .proposal: break
            }
        }
        for box in try project.pendingProposals(orderedBy: .frame, objectID: objectID) {
            objects[box.objectID]?.pending.append(Pending(id: box.id, frame: box.frame, confidence: box.confidence))
        }
        let engineHasRun = !(try project.stretchRecords(objectID: objectID).isEmpty)
        return ReviewSnapshot(frameCount: frameCount, objects: objects.keys.sorted().map { objects[$0]! }, engineHasRun: engineHasRun)
    }
}

/// Where one drawn box is expected to save the most review, and how much.
///
/// The model (the README's "Where to draw next" says the same in prose):
/// - Review left: every pending proposal the precision target would not take needs a check, and
///   a drawn box when it is wrong, so it costs `check + (1 - p) * draw` seconds at confidence p;
///   one the target takes costs nothing. A frame between two decided boxes of an object that no
///   run reached, or whose box was rejected with nothing in its place, needs a drawn box.
/// - A box drawn on frame f of an object cuts the stretch between its decided boxes around f in
///   two; the engine recomputes both halves, with runs from f. The box on f itself needs no more
///   review, and a proposal at distance d from f becomes one the target takes with probability
///   T(d), measured on this project: the share of the boxes the engine proposed for the object at
///   about that distance from a drawn box that the target takes (pending proposals) or would take
///   (accepted boxes, by their confidence); rejected boxes count as not taken. Beyond the runs'
///   reach (`maxDistance`) and outside the stretch nothing changes.
/// - The expected saving is the review left that the box removes; the box itself costs one draw.
public enum NextDraw {
    /// What `suggest` found.
    public enum Outcome: Sendable {
        /// The box to draw, and the project's review left.
        case draw(Suggestion, ReviewLeft)
        /// Nothing left to review: what is pending the precision target takes.
        case nothingLeft(ReviewLeft)
        /// The source has no frames.
        case noFrames
        /// No object has a drawn or accepted box.
        case noSeeds
        /// There are seeds but the engine has not proposed anything yet.
        case noProposals
    }

    public struct Suggestion: Sendable, Hashable {
        public var objectID: Int64
        /// 0-based.
        public var frame: Int
        /// The decided boxes (seeds or accepted, 0-based frames) around `frame`; nil at the video's start or end.
        public var stretchStart: Int?
        public var stretchEnd: Int?
        /// Review of the stretch: proposals the target would not take, frames that need a drawn box,
        /// and the lowest confidence among the proposals.
        public var unsureInStretch: Int
        public var missingInStretch: Int
        public var lowestConfidence: Double?
        /// The pending proposal on `frame`, if any.
        public var confidenceAtFrame: Double?
        /// Proposals a person would no longer have to look at, expected.
        public var expectedChecksSaved: Double
        /// Human seconds of review saved, expected; the draw itself is not subtracted.
        public var expectedSavingSeconds: Double
        /// The saving less the draw.
        public var netSavingSeconds: Double
    }

    /// The project's review as things stand.
    public struct ReviewLeft: Sendable, Hashable {
        public var precision: Double
        /// Pending proposals, and how many of them the precision target takes.
        public var pending: Int
        public var autoAcceptable: Int
        /// The lowest confidence the target takes (nil when it takes none).
        public var threshold: Double?
        /// Pending proposals that need a look, frames between decided boxes that need a drawn box.
        public var unsure: Int
        public var missing: Int
        /// Expected human seconds to finish if nothing more were drawn.
        public var seconds: Double
    }

    /// Reads the project and suggests; see `suggest(_:precision:costs:reach:)`.
    public static func suggest(in project: Project, objectID: Int64? = nil, precision: Double = PrecisionTarget.defaultPrecision,
                               costs: ReviewCosts = ReviewCosts(), reach: Int = PropagationConfig().maxDistance) throws -> Outcome {
        suggest(try ReviewSnapshot.load(from: project, objectID: objectID), precision: precision, costs: costs, reach: reach)
    }

    /// The frame and object where one drawn box is expected to save the most review. `reach` is
    /// how far the engine's runs go from a seed.
    public static func suggest(_ snapshot: ReviewSnapshot, precision: Double = PrecisionTarget.defaultPrecision,
                               costs: ReviewCosts = ReviewCosts(), reach: Int = PropagationConfig().maxDistance) -> Outcome {
        guard snapshot.frameCount > 0 else { return .noFrames }
        guard snapshot.objects.contains(where: { !$0.seeds.isEmpty || !$0.accepted.isEmpty }) else { return .noSeeds }
        let allPending = snapshot.objects.flatMap(\.pending)
        if allPending.isEmpty && !snapshot.engineHasRun
            && !snapshot.objects.contains(where: { !$0.accepted.isEmpty || !$0.rejected.isEmpty }) {
            return .noProposals
        }
        let selection = PrecisionTarget(precision: precision).select(allPending, confidence: \.confidence)
        let trustedIDs = Set(selection.items.map(\.id))
        let threshold = selection.items.map(\.confidence).min()
        // Accepted boxes count as trusted evidence when the target would take their confidence now.
        let cut = threshold ?? precision
        let reach = max(1, reach)
        let profile = TrustProfile(snapshot, trusted: trustedIDs, cut: cut, reach: reach)

        var left = ReviewLeft(precision: precision, pending: allPending.count, autoAcceptable: trustedIDs.count,
                              threshold: threshold, unsure: 0, missing: 0, seconds: 0)
        var best: Suggestion?
        for object in snapshot.objects {
            let plan = ObjectReview(object, frameCount: snapshot.frameCount, trusted: trustedIDs, costs: costs)
            left.unsure += plan.unsure
            left.missing += plan.missing
            left.seconds += plan.total
            guard plan.total > 0 else { continue }
            let trust = profile.curve(for: object.id)
            if let candidate = plan.best(trust: trust, reach: reach, costs: costs),
               best.map({ better(candidate, than: $0) }) ?? true {
                best = candidate
            }
        }
        guard let best else { return .nothingLeft(left) }
        return .draw(best, left)
    }

    private static func better(_ a: Suggestion, than b: Suggestion) -> Bool {
        if abs(a.expectedSavingSeconds - b.expectedSavingSeconds) > 1e-9 { return a.expectedSavingSeconds > b.expectedSavingSeconds }
        return (a.objectID, a.frame) < (b.objectID, b.frame)
    }
}

/// Distance bands from a seed: 1-2, 3-4, 5-8, 9-16, ... frames, up to the runs' reach.
struct DistanceBands {
    let reach: Int

    var count: Int { band(of: reach) + 1 }

    func band(of distance: Int) -> Int {
        // For d >= 3: the number of binary digits of d - 1, less one.
        distance <= 2 ? 0 : Int.bitWidth - (distance - 1).leadingZeroBitCount - 1
    }

    /// The distances of band `k`, clipped to the reach.
    func range(_ k: Int) -> ClosedRange<Int> {
        let lo = k == 0 ? 1 : (1 << k) + 1
        return lo...min(1 << (k + 1), reach)
    }
}

/// How likely a proposal at a given distance from a drawn box is to be one the precision target
/// takes: measured per distance band on the boxes the engine proposed (pending, accepted and
/// rejected ones), per object where it has evidence, with the whole project as its prior.
/// Trust never rises with distance (a pool-adjacent-violators fit makes it so).
struct TrustProfile {
    struct Band {
        var count = 0.0
        var trusted = 0.0
        /// Probability of being right, summed over the untrusted ones.
        var untrustedRight = 0.0
    }

    /// Per band: the share trusted, and the probability that an untrusted one is right.
    struct Curve {
        var trusted: [Double]
        var untrustedRight: [Double]
    }

    let bands: DistanceBands
    private var pooled: [Band]
    private var byObject: [Int64: [Band]] = [:]
    /// How many boxes of the whole project a band's estimate for one object is worth.
    private let priorWeight = 4.0

    init(_ snapshot: ReviewSnapshot, trusted: Set<Int64>, cut: Double, reach: Int) {
        bands = DistanceBands(reach: reach)
        pooled = Array(repeating: Band(), count: bands.count)
        for object in snapshot.objects {
            let seeds = object.seeds.sorted()
            guard !seeds.isEmpty else { continue }
            var mine = Array(repeating: Band(), count: bands.count)
            func add(frame: Int, isTrusted: Bool, right: Double) {
                let d = Self.distance(from: frame, to: seeds)
                guard d >= 1, d <= reach else { return }
                let k = bands.band(of: d)
                mine[k].count += 1
                if isTrusted { mine[k].trusted += 1 } else { mine[k].untrustedRight += right }
            }
            for p in object.pending { add(frame: p.frame, isTrusted: trusted.contains(p.id), right: p.confidence) }
            // An accepted box that the target would not take was checked by a person: right.
            for a in object.accepted { add(frame: a.frame, isTrusted: a.confidence >= cut, right: 1) }
            for r in object.rejected { add(frame: r.frame, isTrusted: false, right: 0) }
            for k in 0..<bands.count {
                pooled[k].count += mine[k].count
                pooled[k].trusted += mine[k].trusted
                pooled[k].untrustedRight += mine[k].untrustedRight
            }
            byObject[object.id] = mine
        }
    }

    /// The trust curve of one object: its own bands, each pulled towards the project's.
    func curve(for objectID: Int64) -> Curve {
        // The project's own estimate starts from an even prior worth two boxes.
        let prior = pooled.map { band -> (trusted: Double, right: Double) in
            let untrusted = band.count - band.trusted
            return ((band.trusted + 1) / (band.count + 2), (band.untrustedRight + 0.5) / (untrusted + 1))
        }
        let mine = byObject[objectID] ?? Array(repeating: Band(), count: bands.count)
        var trusted: [Double] = [], right: [Double] = [], weights: [Double] = []
        for k in 0..<bands.count {
            let band = mine[k]
            let untrusted = band.count - band.trusted
            trusted.append((band.trusted + priorWeight * prior[k].trusted) / (band.count + priorWeight))
            right.append((band.untrustedRight + priorWeight * prior[k].right) / (untrusted + priorWeight))
            weights.append(band.count + priorWeight)
        }
        return Curve(trusted: Self.nonIncreasing(trusted, weights: weights), untrustedRight: right)
    }

    /// Distance from `frame` to the nearest of `sorted` frames.
    static func distance(from frame: Int, to sorted: [Int]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < frame { lo = mid + 1 } else { hi = mid }
        }
        var best = Int.max
        if lo < sorted.count { best = sorted[lo] - frame }
        if lo > 0 { best = min(best, frame - sorted[lo - 1]) }
        return best
    }

    /// The weighted least-squares non-increasing fit of `values` (pool adjacent violators).
    static func nonIncreasing(_ values: [Double], weights: [Double]) -> [Double] {
        var blocks: [(value: Double, weight: Double, size: Int)] = []
        for (v, w) in zip(values, weights) {
            blocks.append((v, w, 1))
            while blocks.count > 1, blocks[blocks.count - 2].value < blocks[blocks.count - 1].value {
                let b = blocks.removeLast(), a = blocks.removeLast()
                let weight = a.weight + b.weight
                blocks.append(((a.value * a.weight + b.value * b.weight) / weight, weight, a.size + b.size))
            }
        }
        return blocks.flatMap { Array(repeating: $0.value, count: $0.size) }
    }
}

/// One object's review laid out along its timeline: what each frame costs now, with prefix sums,
/// so the saving of a box on any frame is a handful of range sums.
private struct ObjectReview {
    let objectID: Int64
    let frameCount: Int
    /// Frames of decided boxes (seeds and accepted), sorted, unique.
    let decided: [Int]
    /// Prefix sums over frames: cost of the unsure proposals, count of them, count of frames that need a drawn box.
    private var costSum: [Double]
    private var unsureSum: [Int]
    private var missingSum: [Int]
    /// Pending proposal confidence per frame (the lowest where there are several).
    private var confidence: [Int: Double] = [:]
    private(set) var unsure = 0
    private(set) var missing = 0
    private(set) var total = 0.0

    init(_ object: ReviewSnapshot.Object, frameCount: Int, trusted: Set<Int64>, costs: ReviewCosts) {
        objectID = object.id
        self.frameCount = frameCount
        decided = Array(Set(object.seeds + object.accepted.map(\.frame)).filter { $0 >= 0 && $0 < frameCount }).sorted()
        let isDecided = Set(decided)
        var cost = [Double](repeating: 0, count: frameCount)
        var unsureAt = [Int](repeating: 0, count: frameCount)
        var proposed = Set<Int>()
        for p in object.pending where p.frame >= 0 && p.frame < frameCount && !isDecided.contains(p.frame) {
            proposed.insert(p.frame)
            confidence[p.frame] = min(confidence[p.frame] ?? 1, p.confidence)
            guard !trusted.contains(p.id) else { continue }
            let right = min(max(p.confidence, 0), 1)
            cost[p.frame] += costs.checkSeconds + (1 - right) * costs.drawSeconds
            unsureAt[p.frame] += 1
        }
        // Frames that need a drawn box: rejected with nothing in their place, and frames between
        // two decided boxes that no run reached (the object is there at both ends). Before the
        // first and after the last decided box the object may have left the picture: not counted.
        var needsBox = [Bool](repeating: false, count: frameCount)
        for r in object.rejected where r.frame >= 0 && r.frame < frameCount && !isDecided.contains(r.frame) && !proposed.contains(r.frame) {
            needsBox[r.frame] = true
        }
        for (a, b) in zip(decided, decided.dropFirst()) where b - a > 1 {
            for g in (a + 1)..<b where !proposed.contains(g) { needsBox[g] = true }
        }
        costSum = [0]
        unsureSum = [0]
        missingSum = [0]
        costSum.reserveCapacity(frameCount + 1)
        unsureSum.reserveCapacity(frameCount + 1)
        missingSum.reserveCapacity(frameCount + 1)
        for g in 0..<frameCount {
            let missingHere = needsBox[g] ? 1 : 0
            costSum.append(costSum[g] + cost[g] + Double(missingHere) * costs.drawSeconds)
            unsureSum.append(unsureSum[g] + unsureAt[g])
            missingSum.append(missingSum[g] + missingHere)
        }
        unsure = unsureSum[frameCount]
        missing = missingSum[frameCount]
        total = costSum[frameCount]
    }

    private func sum(_ prefix: [Double], _ range: ClosedRange<Int>) -> Double { prefix[range.upperBound + 1] - prefix[range.lowerBound] }
    private func sum(_ prefix: [Int], _ range: ClosedRange<Int>) -> Int { prefix[range.upperBound + 1] - prefix[range.lowerBound] }

    /// The best frame of this object to draw on, or nil when nothing of it needs review.
    func best(trust: TrustProfile.Curve, reach: Int, costs: ReviewCosts) -> NextDraw.Suggestion? {
        let bands = DistanceBands(reach: reach)
        // A frame that needs a drawn box, once a run from the new box reaches it: trusted, or
        // still to be checked and drawn when wrong.
        let missingSaved = (0..<bands.count).map { k in
            costs.drawSeconds - (1 - trust.trusted[k]) * (costs.checkSeconds + (1 - trust.untrustedRight[k]) * costs.drawSeconds)
        }
        var best: (frame: Int, rank: (saving: Double, Double, Int), checks: Double, stretch: (lo: Int, hi: Int))?
        // Stretches: the open frame ranges between decided boxes and the video's ends.
        let bounds = [-1] + decided + [frameCount]
        for (lo, hi) in zip(bounds, bounds.dropFirst()) where hi - lo > 1 {
            let inside = (lo + 1)...(hi - 1)
            guard sum(costSum, inside) > 0 else { continue }
            for f in inside {
                var saving = sum(costSum, f...f)
                var checks = Double(sum(unsureSum, f...f))
                for k in 0..<bands.count {
                    let r = bands.range(k)
                    for (from, to) in [(f - r.upperBound, f - r.lowerBound), (f + r.lowerBound, f + r.upperBound)] {
                        let first = max(from, inside.lowerBound), last = min(to, inside.upperBound)
                        guard first <= last else { continue }
                        let ring = first...last
                        let missingHere = Double(sum(missingSum, ring))
                        let unsureCost = sum(costSum, ring) - missingHere * costs.drawSeconds
                        saving += trust.trusted[k] * unsureCost + missingSaved[k] * missingHere
                        checks += trust.trusted[k] * Double(sum(unsureSum, ring))
                    }
                }
                // Ties go to the less confident proposal, then to the frame further from the stretch's ends.
                let rank = (saving, -(confidence[f] ?? 2), min(f - lo, hi - f))
                if best.map({ rank.0 > $0.rank.0 + 1e-9 || (abs(rank.0 - $0.rank.0) <= 1e-9 && (rank.1, rank.2) > ($0.rank.1, $0.rank.2)) }) ?? true {
                    best = (f, rank, checks, (lo, hi))
                }
            }
        }
        guard let best else { return nil }
        let stretch = (best.stretch.lo + 1)...(best.stretch.hi - 1)
        let lowest = confidence.filter { stretch.contains($0.key) }.values.min()
        return NextDraw.Suggestion(
            objectID: objectID, frame: best.frame,
            stretchStart: best.stretch.lo >= 0 ? best.stretch.lo : nil,
            stretchEnd: best.stretch.hi < frameCount ? best.stretch.hi : nil,
            unsureInStretch: sum(unsureSum, stretch), missingInStretch: sum(missingSum, stretch),
            lowestConfidence: lowest, confidenceAtFrame: confidence[best.frame],
            expectedChecksSaved: best.checks, expectedSavingSeconds: best.rank.saving,
            netSavingSeconds: best.rank.saving - costs.drawSeconds)
    }
}
