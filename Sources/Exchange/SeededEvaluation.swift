import Geometry
import Foundation

/// A predicted box with its confidence, for scoring.
public struct ScoredBox: Sendable, Hashable {
    /// 0-based frame index.
    public var frame: Int
    public var rect: BoxRect
    public var confidence: Double

    public init(frame: Int, rect: BoxRect, confidence: Double) {
        self.frame = frame
        self.rect = rect
        self.confidence = confidence
    }
}

/// The numbers of the seeded-propagation protocol (shared/data/README.md), over the non-seed frames.
public struct EvaluationScores: Sendable, Equatable, CustomStringConvertible {
    /// Scored frames: all ground-truth frames but the seed frames.
    public var frames: Int
    /// The protocol's seed frames, 0-based.
    public var seedFrames: [Int]
    /// Mean IoU of each frame's answer (a frame without a box counts 0).
    public var ao: Double
    /// Area under the OTB success plot: 21 IoU thresholds 0, 0.05, ... 1, success when IoU > t.
    public var auc: Double
    /// Share of frames with IoU > 0.5.
    public var sr50: Double
    /// Share of frames whose centre error is at most 20 px.
    public var p20: Double
    /// All-point average precision of all boxes ranked by confidence, a hit when IoU > 0.5 with its frame's unmatched truth.
    public var ap50: Double
    /// Frames with IoU > 0.5 per seed frame.
    public var gain: Double

    /// The numbers as seedeval.py prints them.
    public var description: String {
        String(format: "frames=%d AO=%.3f AUC=%.3f SR50=%.3f P20=%.3f AP50=%.3f GAIN=%.1f",
               frames, ao, auc, sr50, p20, ap50, gain)
    }
}

/// Scores predicted boxes against single-object ground truth exactly as `shared/tools/seedeval.py score` does:
/// the same seed frames, the same answer per frame (its highest-confidence box, the first one on ties),
/// the same arithmetic in the same order.
public enum SeededEvaluation {
    /// K = ceil(N/100) seed frames at 0-based index floor((i + 0.5) * N / K).
    public static func seedFrames(frameCount: Int) -> [Int] {
        let count = max(1, Int((Double(frameCount) / 100).rounded(.up)))
        return (0..<count).map { Int(((Double($0) + 0.5) * Double(frameCount) / Double(count)).rounded(.down)) }
    }

    /// Reads ground truth: one `x,y,w,h` line per frame, separated by commas, tabs or spaces; blank lines skipped.
    public static func groundTruth(contentsOf url: URL) throws -> [BoxRect] {
        try groundTruth(parsing: readText(url), path: url.path)
    }

    public static func groundTruth(parsing text: String, path: String) throws -> [BoxRect] {
        var boxes: [BoxRect] = []
        for (number, line) in lines(of: text) {
            let values = numbers(in: line)
            guard values.count >= 4, values.allSatisfy({ $0 != nil }) else {
                throw ExchangeError.malformed(path: path, location: "line \(number)", reason: "expected x,y,w,h, found '\(line)'")
            }
            boxes.append(BoxRect(x: values[0]!, y: values[1]!, width: values[2]!, height: values[3]!))
        }
        guard !boxes.isEmpty else { throw ExchangeError.invalidGroundTruth(path: path, reason: "no x,y,w,h lines") }
        return boxes
    }

    /// Reads predictions from MOT-style lines `frame,id,x,y,w,h[,conf,...]` (1-based frames) as seedeval.py does:
    /// lines with fewer than six fields are skipped, a missing conf is 1.
    public static func predictions(parsingMOT text: String, path: String) throws -> [ScoredBox] {
        var boxes: [ScoredBox] = []
        for (number, rawLine) in lines(of: text) {
            let fields = rawLine.replacingOccurrences(of: " ", with: "").split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 6 else { continue }
            let values = fields.prefix(7).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0 != nil }), let frame = values[0], frame.isFinite, abs(frame) < 1e9 else {
                throw ExchangeError.malformed(path: path, location: "line \(number)", reason: "expected frame,id,x,y,w,h,conf numbers")
            }
            boxes.append(ScoredBox(frame: Int(frame) - 1,
                                   rect: BoxRect(x: values[2]!, y: values[3]!, width: values[4]!, height: values[5]!),
                                   confidence: values.count > 6 ? values[6]! : 1))
        }
        return boxes
    }

    /// The boxes `export --format mot --include-pending` writes for `dataset`, in the same order:
    /// every box that is not rejected, clipped to its image.
    public static func predictions(from dataset: Dataset) throws -> [ScoredBox] {
        let plan = try ExportPlan(dataset: dataset, options: ExportOptions(includePending: true))
        var boxes: [ScoredBox] = []
        boxes.reserveCapacity(plan.boxCount)
        for frame in plan.frames {
            for box in frame.boxes { boxes.append(ScoredBox(frame: frame.index, rect: box.rect, confidence: box.confidence)) }
        }
        return boxes
    }

    /// Scores `predictions` against `groundTruth` (one box per frame, 0-based frame order).
    public static func score(groundTruth: [BoxRect], predictions: [ScoredBox]) throws -> EvaluationScores {
        let seeds = seedFrames(frameCount: groundTruth.count)
        let seedSet = Set(seeds)
        let scored = groundTruth.count - seedSet.count
        guard scored > 0 else {
            throw ExchangeError.invalidGroundTruth(path: "ground truth",
                                                   reason: "\(groundTruth.count) frame(s) leave no frame to score besides the seed frames")
        }

        // Group by frame in order of first appearance, as seedeval's dict does.
        var frameOrder: [Int] = []
        var byFrame: [Int: [ScoredBox]] = [:]
        for box in predictions {
            if byFrame[box.frame] == nil { frameOrder.append(box.frame) }
            byFrame[box.frame, default: []].append(box)
        }
        var answer: [Int: BoxRect] = [:]
        for (frame, boxes) in byFrame {
            var best = boxes[0]
            for box in boxes.dropFirst() where box.confidence > best.confidence { best = box }
            answer[frame] = best.rect
        }

        var ious: [Double] = []
        var centreErrors: [Double] = []
        ious.reserveCapacity(scored)
        centreErrors.reserveCapacity(scored)
        for (index, truth) in groundTruth.enumerated() where !seedSet.contains(index) {
            let predicted = answer[index]
            ious.append(predicted.map { iou($0, truth) } ?? 0)
            centreErrors.append(predicted.map { centreError($0, truth) } ?? .infinity)
        }
        let n = Double(ious.count)
        var auc = 0.0
        for step in 0...20 {
            let threshold = Double(step) / 20
            auc += Double(ious.reduce(0) { $0 + ($1 > threshold ? 1 : 0) }) / n
        }
        auc /= 21
        let sr50 = Double(ious.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }) / n
        let p20 = Double(centreErrors.reduce(0) { $0 + ($1 <= 20 ? 1 : 0) }) / n
        let ao = ious.reduce(0, +) / n

        var ranked: [ScoredBox] = []
        for frame in frameOrder where !seedSet.contains(frame) { ranked.append(contentsOf: byFrame[frame]!) }
        let ap50 = averagePrecision(ranked: ranked, groundTruth: groundTruth, positives: scored)

        return EvaluationScores(frames: ious.count, seedFrames: seeds, ao: ao, auc: auc, sr50: sr50, p20: p20,
                                ap50: ap50, gain: sr50 * n / Double(seeds.count))
    }

    /// VOC all-point AP: boxes ranked by confidence (stable), a hit when IoU > 0.5 with its frame's still unmatched truth.
    static func averagePrecision(ranked unsorted: [ScoredBox], groundTruth: [BoxRect], positives: Int) -> Double {
        let ranked = unsorted.enumerated().sorted { a, b in
            a.element.confidence != b.element.confidence ? a.element.confidence > b.element.confidence : a.offset < b.offset
        }.map(\.element)
        var matched = Set<Int>()
        var truePositives = 0, falsePositives = 0
        var precision: [Double] = [], recall: [Double] = []
        precision.reserveCapacity(ranked.count)
        recall.reserveCapacity(ranked.count)
        for box in ranked {
            if box.frame >= 0, box.frame < groundTruth.count, !matched.contains(box.frame),
               iou(box.rect, groundTruth[box.frame]) > 0.5 {
                matched.insert(box.frame)
                truePositives += 1
            } else {
                falsePositives += 1
            }
            precision.append(Double(truePositives) / Double(truePositives + falsePositives))
            recall.append(Double(truePositives) / Double(positives))
        }
        // max(prec[i:]) for every i, from the back.
        var suffixMax = precision
        if suffixMax.count > 1 {
            for index in stride(from: suffixMax.count - 2, through: 0, by: -1) {
                suffixMax[index] = max(suffixMax[index], suffixMax[index + 1])
            }
        }
        var ap = 0.0, previousRecall = 0.0
        for index in precision.indices {
            ap += (recall[index] - previousRecall) * suffixMax[index]
            previousRecall = recall[index]
        }
        return ap
    }

    static func iou(_ a: BoxRect, _ b: BoxRect) -> Double {
        let ax2 = a.x + a.width, ay2 = a.y + a.height
        let bx2 = b.x + b.width, by2 = b.y + b.height
        let iw = pyMax(0, pyMin(ax2, bx2) - pyMax(a.x, b.x))
        let ih = pyMax(0, pyMin(ay2, by2) - pyMax(a.y, b.y))
        let inter = iw * ih
        let union = a.width * a.height + b.width * b.height - inter
        return union > 0 ? inter / union : 0
    }

    static func centreError(_ a: BoxRect, _ b: BoxRect) -> Double {
        hypot(a.x + a.width / 2 - b.x - b.width / 2, a.y + a.height / 2 - b.y - b.height / 2)
    }

    // Python's min/max: the first argument unless the second compares strictly smaller/greater.
    private static func pyMax(_ a: Double, _ b: Double) -> Double { b > a ? b : a }
    private static func pyMin(_ a: Double, _ b: Double) -> Double { b < a ? b : a }
}
