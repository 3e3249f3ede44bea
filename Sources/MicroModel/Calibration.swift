import Foundation
import Geometry

/// One piece of evidence about the engine's raw score: a box with that score was right (IoU with
/// the true box at least 0.5) or not.
public struct ScoredOutcome: Sendable, Hashable, Codable {
    public var score: Double
    public var correct: Bool
    public init(score: Double, correct: Bool) {
        self.score = score
        self.correct = correct
    }
}

/// What a proposal's raw score is computed from: the held-out evidence behind its runs, how far it
/// is from the nearest seed, whether runs from both sides vouch for it and agree, and how steady
/// the tracking looked there.
public struct ScoreFeatures: Sendable, Hashable {
    /// `checkQuality` of the runs behind the box (the lower of two), 0...1.
    public var quality: Double
    /// Frames to the nearest seed (for a box between two checked runs, their bridge distance).
    public var distance: Double
    /// Whether a run that passed its check at the far seed stands behind the box.
    public var bridged: Bool
    /// IoU of the two runs' boxes where two overlap, else 0.
    public var agreement: Double
    /// Sharpness and likeness of the kept run's response, 0...1.
    public var steadiness: Double
    /// `stitch`'s hand-made ranking of the box, 0...1: it falls with the distance to the nearest
    /// checked evidence, with the response's sharpness and likeness, and rises with agreement.
    public var heuristic: Double

    public init(quality: Double, distance: Double, bridged: Bool, agreement: Double, steadiness: Double, heuristic: Double) {
        self.quality = quality
        self.distance = distance
        self.bridged = bridged
        self.agreement = agreement
        self.steadiness = steadiness
        self.heuristic = heuristic
    }

    /// Logistic weights of the score: bias, check quality, and the logit of `heuristic`. Fitted on
    /// the dev sequences' proposals from the protocol seeds (`bench propagate --scores`, ridge 1)
    /// together with `checksWeight`, with the heuristic's weight held at 0.7: on the dev sequences
    /// alone it would fall to about 0.3, as they hold few occlusions, and then a box on an occluder
    /// would score nearly as well as one on the object.
    public static let weights: [Double] = [1.821, 1.562, 0.7]
    /// Weight of the logit of the object's held-out check pass rate, (passed + 1) / (checks + 2),
    /// added to the score's logit once the pass knows every check (`adjusted`).
    public static let checksWeight = 1.51

    /// The score shifted by the object's held-out checks: how well runs of this object landed on
    /// seeds they were not trained on speaks for all of its boxes.
    public static func adjusted(_ score: Double, checks: HeldOutChecks) -> Double {
        let rate = (Double(checks.passed) + 1) / (Double(checks.total) + 2)
        let z = logit(score) + checksWeight * log(rate / (1 - rate))
        return 1 / (1 + exp(-z))
    }

    /// The raw score: a logistic of the features, 0...1.
    public var score: Double {
        let w = Self.weights
        let z = w[0] + w[1] * quality + w[2] * logit(heuristic)
        return 1 / (1 + exp(-z))
    }

    /// The features as comma-separated numbers, in the weights' order after the bias.
    public var csv: String {
        "\(quality),\(distance / 100),\(bridged ? 1 : 0),\(agreement),\(steadiness),\(logit(heuristic))"
    }
}

/// Turns the engine's raw score (see `stitch`) into a probability that the box is right.
///
/// The score axis is cut into bins. Each bin starts from a prior, a Beta distribution fitted on the
/// dev sequences and worth `priorStrength` boxes, and adds the project's own outcomes in it; so a
/// bin with more outcomes of its own than the prior's weight is ruled by them. The bins' posterior
/// means are made non-decreasing in the score (pool-adjacent-violators, weighted by their counts),
/// and a score's probability is interpolated between the centres of the bins around it.
public struct ConfidenceCalibrator: Sendable, Hashable, Codable {
    /// Upper edges of the bins, on the logit of the score (the last bin is open above).
    public static let edges: [Double] = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, .infinity]
    /// The prior share of right boxes per bin: the score itself at the bin's centre, since the
    /// score is already a logistic fitted on the dev sequences.
    public static let devPrior: [Double] = (0..<edges.count).map { 1 / (1 + exp(-centre($0))) }

    /// Prior share of right boxes per bin.
    public var prior: [Double]
    /// How many boxes the prior weighs in each bin.
    public var priorStrength: Double
    /// The project's outcomes per bin.
    public var right: [Int]
    public var wrong: [Int]

    public init(prior: [Double] = ConfidenceCalibrator.devPrior, priorStrength: Double = 8, evidence: [ScoredOutcome] = []) {
        precondition(prior.count == Self.edges.count, "one prior share per bin")
        self.prior = prior
        self.priorStrength = priorStrength
        right = Array(repeating: 0, count: Self.edges.count)
        wrong = right
        for outcome in evidence { add(outcome) }
    }

    public mutating func add(_ outcome: ScoredOutcome) {
        guard outcome.score.isFinite else { return }
        let bin = Self.bin(of: outcome.score)
        if outcome.correct { right[bin] += 1 } else { wrong[bin] += 1 }
    }

    public static func bin(of score: Double) -> Int {
        let z = logit(score)
        return edges.firstIndex { z < $0 } ?? edges.count - 1
    }

    /// The centre of a bin, on the logit scale.
    static func centre(_ bin: Int) -> Double {
        if bin == 0 { return edges[0] - 0.5 }
        if bin == edges.count - 1 { return edges[bin - 1] + 0.5 }
        return (edges[bin - 1] + edges[bin]) / 2
    }

    /// The project's evidence in all bins.
    public var evidenceCount: Int { right.reduce(0, +) + wrong.reduce(0, +) }

    /// Posterior share of right boxes per bin, non-decreasing in the score.
    public var binProbabilities: [Double] {
        var blocks: [(sum: Double, weight: Double, bins: Int)] = []
        for k in 0..<Self.edges.count {
            let n = Double(right[k] + wrong[k])
            let weight = priorStrength + n
            let mean = (priorStrength * prior[k] + Double(right[k])) / weight
            blocks.append((mean * weight, weight, 1))
            while blocks.count > 1, blocks[blocks.count - 2].sum / blocks[blocks.count - 2].weight > blocks[blocks.count - 1].sum / blocks[blocks.count - 1].weight {
                let last = blocks.removeLast()
                blocks[blocks.count - 1].sum += last.sum
                blocks[blocks.count - 1].weight += last.weight
                blocks[blocks.count - 1].bins += last.bins
            }
        }
        return blocks.flatMap { Array(repeating: $0.sum / $0.weight, count: $0.bins) }
    }

    /// Probability that a box with raw score `score` is right. Strictly increasing by a hair in the
    /// score, so that the review order still follows the score where bins tie.
    public func probability(_ score: Double) -> Double {
        probabilities([score])[0]
    }

    /// `probability` of many scores, computing the bins once.
    public func probabilities(_ scores: [Double]) -> [Double] {
        let table = binProbabilities
        let centres = (0..<Self.edges.count).map(Self.centre)
        return scores.map { raw in
            let score = min(max(raw.isFinite ? raw : 0, 0), 1)
            let s = logit(score)
            let value: Double
            if s <= centres[0] {
                value = table[0]
            } else if s >= centres[centres.count - 1] {
                value = table[table.count - 1]
            } else {
                let k = centres.lastIndex { $0 <= s }!
                let u = (s - centres[k]) / (centres[k + 1] - centres[k])
                value = table[k] + u * (table[k + 1] - table[k])
            }
            return min(max(value * (1 - 1e-4) + 1e-4 * score, 0), 1)
        }
    }
}

/// log(p / (1 - p)), kept finite at 0 and 1.
func logit(_ p: Double) -> Double {
    let q = min(max(p, 1e-9), 1 - 1e-9)
    return log(q / (1 - q))
}

/// Expected calibration error and the reliability table behind it: `bins` equal-width bins of the
/// confidence, each with its count, mean confidence and share of right boxes.
public struct Reliability: Sendable, Hashable {
    public struct Bin: Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        public var meanConfidence: Double
        public var shareCorrect: Double
    }
    public var bins: [Bin]
    public var total: Int
    /// Sum over bins of |mean confidence − share right|, weighted by the bin's share of the boxes.
    public var expectedCalibrationError: Double

    public init(_ outcomes: [(confidence: Double, correct: Bool)], bins count: Int = 10) {
        var sums = Array(repeating: (n: 0, confidence: 0.0, right: 0), count: count)
        for outcome in outcomes {
            let k = min(count - 1, max(0, Int(outcome.confidence * Double(count))))
            sums[k].n += 1
            sums[k].confidence += outcome.confidence
            if outcome.correct { sums[k].right += 1 }
        }
        let total = outcomes.count
        self.total = total
        let bins = sums.enumerated().map { k, s in
            Bin(lower: Double(k) / Double(count), upper: Double(k + 1) / Double(count), count: s.n,
                meanConfidence: s.n > 0 ? s.confidence / Double(s.n) : 0, shareCorrect: s.n > 0 ? Double(s.right) / Double(s.n) : 0)
        }
        self.bins = bins
        expectedCalibrationError = total == 0 ? 0 : bins.reduce(0) { $0 + Double($1.count) / Double(total) * abs($1.meanConfidence - $1.shareCorrect) }
    }

    /// The table as text: one line per non-empty bin, then the ECE.
    public var description: String {
        var lines = ["bin          count  mean conf  share right"]
        for bin in bins where bin.count > 0 {
            lines.append(String(format: "%.1f-%.1f  %8d  %9.3f  %11.3f", bin.lower, bin.upper, bin.count, bin.meanConfidence, bin.shareCorrect))
        }
        lines.append(String(format: "ECE (%d bins) %.3f over %d boxes", bins.count, expectedCalibrationError, total))
        return lines.joined(separator: "\n")
    }
}

/// The held-out checks of one stretch's runs as scored outcomes: each run that reaches the
/// neighbouring seed (which it was not trained on) is scored there as a lone run's box would be
/// (`stitch`), and is right when its box overlaps the seed with IoU at least 0.5.
public func heldOutOutcomes(runs: [Run], seeds: [Seed], config: PropagationConfig = PropagationConfig()) -> [ScoredOutcome] {
    var out: [ScoredOutcome] = []
    for run in runs {
        guard let next = neighbour(of: run, in: seeds),
              let index = run.points.firstIndex(where: { $0.frame == next.frame }) else { continue }
        let reference = run.points.prefix(3).map(\.similarity).max() ?? 1
        var envelope = reference
        for p in run.points[..<index] { envelope = max(p.similarity, envelope * 0.97) }
        let end = run.points[index]
        let steadiness = min(1, end.sharpness / config.reliableSharpness) * min(1, max(end.similarity, 0) / (0.5 * max(envelope, 1e-6)))
        // Scored as `stitch` scores a lone run, but without this very check: only the run the other way may vouch for it.
        let quality = checkQuality(run, runs: runs, seeds: seeds, ownCheck: false)
        let distance = Double(abs(end.frame - run.seed.frame))
        let features = ScoreFeatures(quality: quality, distance: distance, bridged: false, agreement: 0, steadiness: steadiness,
                                     heuristic: 0.5 * exp(-distance / 100) * steadiness * quality)
        out.append(ScoredOutcome(score: features.score, correct: end.box.iou(next.box) >= 0.5))
    }
    return out
}
