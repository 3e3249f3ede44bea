import Imaging

/// Coarse colour histograms (4 levels per channel) of the four quarters of a frame, sampled on
/// a 64 x 48 grid. Consecutive frames of one shot stay close (at most 0.06 apart on the dev
/// sequences and the sample film); a cut jumps (0.6-0.8 between unrelated shots). Quarters
/// rather than the whole frame, so a cut between shots of the same palette still shows.
struct FrameSignature: Sendable {
    private(set) var bins = [Float](repeating: 0, count: 4 * 64)

    init(_ image: RGBImage) {
        let stepX = max(1, image.width / 64), stepY = max(1, image.height / 48)
        var counts: (Float, Float, Float, Float) = (0, 0, 0, 0)
        let halfW = image.width / 2, halfH = image.height / 2
        image.pixels.withUnsafeBufferPointer { px in
            bins.withUnsafeMutableBufferPointer { b in
                var y = stepY / 2
                while y < image.height {
                    var x = stepX / 2
                    while x < image.width {
                        let i = (y * image.width + x) * 3
                        let k = (Int(px[i]) >> 6) << 4 | (Int(px[i + 1]) >> 6) << 2 | Int(px[i + 2]) >> 6
                        let q = (y < halfH ? 0 : 2) + (x < halfW ? 0 : 1)
                        b[q * 64 + k] += 1
                        switch q {
                        case 0: counts.0 += 1
                        case 1: counts.1 += 1
                        case 2: counts.2 += 1
                        default: counts.3 += 1
                        }
                        x += stepX
                    }
                    y += stepY
                }
            }
        }
        let n = [counts.0, counts.1, counts.2, counts.3]
        for q in 0..<4 where n[q] > 0 {
            for k in 0..<64 { bins[q * 64 + k] /= n[q] }
        }
    }

    /// Mean over the quarters of half the L1 distance: 0 for equal histograms, 1 for disjoint ones.
    func distance(to other: FrameSignature) -> Double {
        var s: Float = 0
        for k in 0..<bins.count { s += abs(bins[k] - other.bins[k]) }
        return Double(s / 8)
    }
}

/// Frames in `range` (0-based) that start a new scene: their colour signature differs from the
/// previous frame's by more than `threshold`.
public func sceneCuts(in range: ClosedRange<Int>, frames: (Int) throws -> RGBImage,
                      threshold: Double = PropagationConfig().sceneCutThreshold) throws -> [Int] {
    var cuts: [Int] = []
    var previous = FrameSignature(try frames(range.lowerBound))
    for f in range.dropFirst() {
        let s = FrameSignature(try frames(f))
        if s.distance(to: previous) > threshold { cuts.append(f) }
        previous = s
    }
    return cuts
}
