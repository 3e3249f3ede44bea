import Foundation
import Geometry
import Imaging

// MARK: - Finding the object again
//
// Between two seeds, the runs from each end normally meet and agree. When they do not (a run
// collapsed or stopped before the far seed, missed it, or the two disagree over most of the
// stretch), the object was probably lost on the way: hidden, out of view, or swapped for
// something that looked like it. The stretch is then recomputed as a path that is pinned to
// both seeds (VATIC's constrained dynamic programming): per frame, candidate boxes come from
// the runs, from their stitching, from straight interpolation between the seeds, and from a
// detector (the nearer seed's never-updated filter, with the object's rejected boxes as hard
// negatives) scanned over a wide window around the interpolated and tracked positions. The
// path maximises how much its boxes look like the seeds while moving smoothly; the motion
// prior is the interpolation's own velocity, so where interpolation is right and the detector
// finds nothing better, the path is the interpolation.

/// Weights of the recovered path's costs, in units of the detector's answer (1 = looks like the seed).
struct RecoveryWeights {
    /// Per (size-normalised displacement away from the interpolation's velocity)², capped at `jumpCap`.
    var motion = 1.0
    var jumpCap = 4.0
    /// Per (log of the area ratio between neighbouring frames)², capped at `resizeCap`.
    var resize = 6.0
    var resizeCap = 3.0
    /// Head start of a candidate the runs vouch for together (their stitched box), and of the interpolation.
    var stitchedBonus = 0.15
    var interpolationBonus = 0.05
}

/// Whether the runs between seeds `a` and `b` (a before b) lost the object on the way: a run is
/// missing or stopped before the far seed, did not land on it, both runs stopped seeing it over
/// the same frames (hidden: for `config.collapseFrames` frames in a row, neither response is
/// sharp and neither box looks a third as much like its seed as the run's first frames did), or
/// the two runs' drift-corrected boxes overlap with a median IoU under 0.5.
public func stretchNeedsRecovery(runs: [Run], from a: Seed, to b: Seed, config: PropagationConfig = PropagationConfig()) -> Bool {
    guard let forward = runs.first(where: { $0.seed.frame == a.frame && $0.direction == .forward }),
          let backward = runs.first(where: { $0.seed.frame == b.frame && $0.direction == .backward }) else { return true }
    var blind: [Int: Int] = [:]
    for run in [forward, backward] {
        let reference = max(run.points.prefix(3).map(\.similarity).max() ?? 1, 1e-6)
        for p in run.points where p.sharpness < config.reliableSharpness && p.similarity < reference / 3 { blind[p.frame, default: 0] += 1 }
    }
    var hidden = 0
    for frame in (a.frame + 1)..<b.frame {
        hidden = blind[frame] == 2 ? hidden + 1 : 0
        if hidden >= config.collapseFrames { return true }
    }
    guard let forwardEnd = forward.points.first(where: { $0.frame == b.frame }),
          let backwardEnd = backward.points.first(where: { $0.frame == a.frame }) else { return true }
    if !landsOn(forwardEnd.box, b.box) || !landsOn(backwardEnd.box, a.box) { return true }
    let seeds = [a, b]
    let f = anchoredBoxes(forward, seeds: seeds).boxes, g = anchoredBoxes(backward, seeds: seeds).boxes
    var byFrame: [Int: BoxRect] = [:]
    for (p, box) in zip(forward.points, f) where p.frame > a.frame && p.frame < b.frame { byFrame[p.frame] = box }
    var overlaps: [Double] = []
    for (p, box) in zip(backward.points, g) { if let other = byFrame[p.frame] { overlaps.append(other.iou(box)) } }
    guard !overlaps.isEmpty else { return false }
    overlaps.sort()
    return overlaps[overlaps.count / 2] < 0.5
}

/// `proposals` (stitched from `runs`) with every stretch between two neighbouring seeds that
/// needs recovery replaced by the path recovered there; `recovered` counts those stretches.
/// `rejected` boxes (by frame) are hard negatives of the detector and never candidates.
public func recover(_ proposals: [Proposal], runs: [Run], seeds: [Seed], rejected: [Int: [BoxRect]] = [:],
                    frames: (Int) throws -> RGBImage, imageWidth: Int, imageHeight: Int,
                    config: PropagationConfig = PropagationConfig()) throws -> (proposals: [Proposal], recovered: Int) {
    guard config.recovery else { return (proposals, 0) }
    let sorted = seeds.sorted { $0.frame < $1.frame }
    var out = proposals
    var recovered = 0
    for (a, b) in zip(sorted, sorted.dropFirst()) where b.frame - a.frame > 1 {
        guard stretchNeedsRecovery(runs: runs, from: a, to: b, config: config) else { continue }
        let inside = out.filter { $0.frame > a.frame && $0.frame < b.frame }
        guard let path = try recoveredPath(from: a, to: b, runs: runs, stitched: inside, rejected: rejected, frames: frames,
                                           imageWidth: imageWidth, imageHeight: imageHeight, config: config) else { continue }
        out = out.filter { $0.frame <= a.frame || $0.frame >= b.frame } + path
        recovered += 1
    }
    return (out.sorted { $0.frame < $1.frame }, recovered)
}

/// The linear interpolation between two seeds' boxes at `frame`.
func interpolated(_ a: Seed, _ b: Seed, at frame: Int) -> BoxRect {
    let u = Double(frame - a.frame) / Double(b.frame - a.frame)
    return BoxRect(x: a.box.x + u * (b.box.x - a.box.x), y: a.box.y + u * (b.box.y - a.box.y),
                   width: a.box.width + u * (b.box.width - a.box.width), height: a.box.height + u * (b.box.height - a.box.height))
}

/// The path between seeds `a` and `b` through the candidates of every frame between them, or
/// nil when a seed frame cannot be read.
func recoveredPath(from a: Seed, to b: Seed, runs: [Run], stitched: [Proposal], rejected: [Int: [BoxRect]],
                   frames: (Int) throws -> RGBImage, imageWidth: Int, imageHeight: Int,
                   config: PropagationConfig, weights: RecoveryWeights = RecoveryWeights()) throws -> [Proposal]? {
    enum Source { case stitched, run, interpolation, detection }
    struct Candidate {
        var box: BoxRect
        var source: Source
        var look: Double
    }
    guard let imageA = try? frames(a.frame), let imageB = try? frames(b.frame) else { return nil }
    func negatives(near seed: Seed) -> [(image: RGBImage, box: BoxRect)] {
        rejected.filter { abs($0.key - seed.frame) <= config.maxDistance }.sorted { $0.key < $1.key }
            .flatMap { frame, boxes in (try? frames(frame)).map { image in boxes.map { (image: image, box: $0) } } ?? [] }
    }
    let detectors = [CorrelationTracker(image: imageA, box: a.box, negatives: negatives(near: a), parameters: config.tracker),
                     CorrelationTracker(image: imageB, box: b.box, negatives: negatives(near: b), parameters: config.tracker)]
    let seeds = [a, b]
    var runBoxes: [Int: [BoxRect]] = [:]
    for run in runs where run.seed.frame == a.frame || run.seed.frame == b.frame {
        for (p, box) in zip(run.points, anchoredBoxes(run, seeds: seeds).boxes) where p.frame > a.frame && p.frame < b.frame {
            runBoxes[p.frame, default: []].append(box)
        }
    }
    let stitchedByFrame = Dictionary(stitched.map { ($0.frame, $0) }, uniquingKeysWith: { first, _ in first })

    var layers: [[Candidate]] = [[Candidate(box: a.box, source: .stitched, look: 1)]]
    for frame in (a.frame + 1)..<b.frame {
        let image: RGBImage
        do { image = try frames(frame) } catch { return nil }
        let guess = interpolated(a, b, at: frame)
        let u = Double(frame - a.frame) / Double(b.frame - a.frame)
        let detector = detectors[u < 0.5 ? 0 : 1]
        let seedSide = (detector.seedSize.width * detector.seedSize.height).squareRoot()
        let scale = max(guess.area, 1).squareRoot() / seedSide
        let window = (width: detector.windowSize.width * scale, height: detector.windowSize.height * scale)

        var boxes: [(BoxRect, Source)] = [(guess, .interpolation)]
        if let s = stitchedByFrame[frame] { boxes.append((s.box, .stitched)) }
        for box in runBoxes[frame] ?? [] { boxes.append((box, .run)) }
        // Windows: a 3x3 grid around the interpolated box, half a window apart, and one on each
        // tracked box the grid does not reach.
        var centres: [(Double, Double)] = []
        for j in -1...1 { for i in -1...1 { centres.append((guess.centerX + Double(i) * window.width / 2, guess.centerY + Double(j) * window.height / 2)) } }
        for (box, source) in boxes where source != .interpolation {
            if abs(box.centerX - guess.centerX) > 0.75 * window.width || abs(box.centerY - guess.centerY) > 0.75 * window.height {
                centres.append((box.centerX, box.centerY))
            }
        }
        var maps: [(cx: Double, cy: Double, values: [Float], gw: Int, gh: Int, cellW: Double, cellH: Double)] = []
        var candidates: [Candidate] = []
        for (cx, cy) in centres {
            let r = detector.seedResponse(in: image, centerX: cx, centerY: cy, scale: scale)
            maps.append((cx, cy, r.values, r.gridWidth, r.gridHeight, r.cellWidth, r.cellHeight))
            // The window's strongest answer in its central half: a detection.
            var best = -Float.infinity, bx = 0, by = 0
            for y in 0..<r.gridHeight {
                let dy = y <= r.gridHeight / 2 ? y : y - r.gridHeight
                guard abs(dy) <= r.gridHeight / 4 else { continue }
                for x in 0..<r.gridWidth {
                    let dx = x <= r.gridWidth / 2 ? x : x - r.gridWidth
                    guard abs(dx) <= r.gridWidth / 4 else { continue }
                    let v = r.values[y * r.gridWidth + x]
                    if v > best { best = v; bx = dx; by = dy }
                }
            }
            let box = BoxRect(centerX: cx + Double(bx) * r.cellWidth, centerY: cy + Double(by) * r.cellHeight,
                              width: guess.width, height: guess.height)
            if !candidates.contains(where: { $0.box.iou(box) > 0.7 }) {
                candidates.append(Candidate(box: box, source: .detection, look: Double(best)))
            }
        }
        // The detector's answer at a box: read from the window whose centre is nearest to it.
        func look(at box: BoxRect) -> Double {
            var answer = 0.0, nearest = Double.infinity
            for m in maps {
                let ox = box.centerX - m.cx, oy = box.centerY - m.cy
                let dx = Int((ox / m.cellW).rounded()), dy = Int((oy / m.cellH).rounded())
                guard abs(dx) <= m.gw / 2 - 1, abs(dy) <= m.gh / 2 - 1 else { continue }
                let d = ox * ox + oy * oy
                if d < nearest {
                    nearest = d
                    answer = Double(m.values[((dy + m.gh) % m.gh) * m.gw + (dx + m.gw) % m.gw])
                }
            }
            return answer
        }
        for (box, source) in boxes { candidates.append(Candidate(box: box, source: source, look: look(at: box))) }
        let bad = rejected[frame] ?? []
        candidates.removeAll { c in bad.contains { $0.iou(c.box) > 0.5 } || c.box.width < 1 || c.box.height < 1 }
        if candidates.isEmpty { candidates.append(Candidate(box: guess, source: .interpolation, look: 0)) }
        layers.append(candidates)
    }
    layers.append([Candidate(box: b.box, source: .stitched, look: 1)])

    // Viterbi over the layers, pinned at both seeds.
    let span = Double(b.frame - a.frame)
    let velocity = ((b.box.centerX - a.box.centerX) / span, (b.box.centerY - a.box.centerY) / span)
    func gain(_ c: Candidate) -> Double {
        min(max(c.look, -0.5), 1.5) + (c.source == .stitched ? weights.stitchedBonus : 0)
            + (c.source == .interpolation ? weights.interpolationBonus : 0)
    }
    func step(_ p: Candidate, _ q: Candidate) -> Double {
        let size = pow(max(p.box.area, 1) * max(q.box.area, 1), 0.25)
        let dx = (q.box.centerX - p.box.centerX - velocity.0) / size, dy = (q.box.centerY - p.box.centerY - velocity.1) / size
        let resize = log(max(q.box.area, 1) / max(p.box.area, 1))
        return weights.motion * min(dx * dx + dy * dy, weights.jumpCap) + weights.resize * min(resize * resize, weights.resizeCap)
    }
    var cost = layers[0].map { _ in 0.0 }
    var back: [[Int]] = [[]]
    for k in 1..<layers.count {
        var next: [Double] = [], from: [Int] = []
        for q in layers[k] {
            var best = Double.infinity, arg = 0
            for (i, p) in layers[k - 1].enumerated() {
                let c = cost[i] + step(p, q)
                if c < best { best = c; arg = i }
            }
            next.append(best - gain(q))
            from.append(arg)
        }
        cost = next
        back.append(from)
    }
    var chosen = Array(repeating: 0, count: layers.count)
    for k in stride(from: layers.count - 1, to: 0, by: -1) { chosen[k - 1] = back[k][chosen[k]] }

    // Boxes are scored as bridged boxes whose steadiness is the detector's answer and whose
    // agreement is with the stitched box; a stitched box the path kept keeps its own score where
    // that is higher, unless the detector does not see the object there (an answer under a sixth
    // of its answer next to the seeds: the object is hidden, and the runs followed something else).
    // The runs' failed checks say nothing of a path pinned at both seeds: its check quality is
    // the neutral one of a box without a check.
    let quality = 0.8
    // What the detector answers on the object near the seeds: the yardstick of "not seen".
    let inner = (1..<(layers.count - 1)).map { layers[$0][chosen[$0]].look }
    let reference = max((inner.prefix(3) + inner.suffix(3)).max() ?? 1, 1e-6)
    var out: [Proposal] = []
    for k in 1..<(layers.count - 1) {
        let frame = a.frame + k
        let c = layers[k][chosen[k]]
        let box = c.box.clamped(width: imageWidth, height: imageHeight)
        guard box.width >= 1, box.height >= 1 else { continue }
        let da = Double(frame - a.frame), db = Double(b.frame - frame)
        let distance = da * db / (da + db)
        let seen = c.look >= reference / 6
        // Where the detector does not see the object, the box is the motion prior's guess: scored
        // as a collapsed run's would be, lowest.
        let steadiness = seen ? min(max(c.look, 0), 1) : 0
        let agreement = stitchedByFrame[frame].map { $0.box.iou(box) } ?? 0
        let heuristic = 0.5 * exp(-distance / 100) * steadiness * quality
        let features = ScoreFeatures(quality: quality, distance: distance, bridged: true, agreement: agreement,
                                     steadiness: steadiness, heuristic: heuristic)
        if c.source == .stitched, let kept = stitchedByFrame[frame], kept.confidence >= features.score, seen {
            out.append(kept)
        } else {
            out.append(Proposal(frame: frame, box: box, confidence: features.score, evidence: features))
        }
    }
    return out
}
