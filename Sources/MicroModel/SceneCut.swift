import Imaging

/// A coarse colour histogram of a frame (4 levels per channel, sampled on a grid):
/// consecutive frames of one shot stay close, a cut jumps.
struct FrameSignature: Sendable {
    private(set) var bins = [Float](repeating: 0, count: 64)

    init(_ image: RGBImage) {
        let stepX = max(1, image.width / 64), stepY = max(1, image.height / 48)
        var n: Float = 0
        image.pixels.withUnsafeBufferPointer { px in
            bins.withUnsafeMutableBufferPointer { b in
                var y = stepY / 2
                while y < image.height {
                    var x = stepX / 2
                    while x < image.width {
                        let i = (y * image.width + x) * 3
                        let k = (Int(px[i]) >> 6) << 4 | (Int(px[i + 1]) >> 6) << 2 | Int(px[i + 2]) >> 6
                        b[k] += 1
                        n += 1
                        x += stepX
                    }
                    y += stepY
                }
            }
        }
        for k in 0..<64 { bins[k] /= n }
    }

    /// Half the L1 distance: 0 for equal histograms, 1 for disjoint ones.
    func distance(to other: FrameSignature) -> Double {
        var s: Float = 0
        for k in 0..<64 { s += abs(bins[k] - other.bins[k]) }
        return Double(s / 2)
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
