extension RGBImage {
    /// The image scaled to `width` x `height`, each axis on its own: area-average where
    /// it shrinks (every source pixel weighted by how much of it an output pixel covers),
    /// bilinear where it grows (pixel centres aligned, edges clamped).
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "image size must be positive")
        if newWidth == width && newHeight == height { return self }
        return RGBImage(width: newWidth, height: newHeight,
                        pixels: resample(pixels, width: width, height: height, channels: 3, to: newWidth, newHeight))
    }
}

extension GrayImage {
    /// The image scaled to `width` x `height`; see `RGBImage.resized(width:height:)`.
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(newWidth > 0 && newHeight > 0, "image size must be positive")
        if newWidth == width && newHeight == height { return self }
        return GrayImage(width: newWidth, height: newHeight,
                         pixels: resample(pixels, width: width, height: height, channels: 1, to: newWidth, newHeight))
    }

    /// Box-filter reduction: each `factor`x`factor` block becomes its mean; the result is
    /// `ceil(width / factor)` x `ceil(height / factor)`, edge blocks average what they cover.
    public func downsampled(by factor: Int) -> GrayImage {
        precondition(factor >= 1, "downsampling factor must be at least 1")
        if factor == 1 { return self }
        let outWidth = (width + factor - 1) / factor, outHeight = (height + factor - 1) / factor
        let width = self.width, height = self.height
        var sums = [Float](repeating: 0, count: outWidth * outHeight)
        pixels.withUnsafeBufferPointer { source in
            sums.withUnsafeMutableBufferPointer { sums in
                for y in 0..<height {
                    let outRow = (y / factor) &* outWidth
                    let row = y &* width
                    for x in 0..<width { sums[outRow &+ x / factor] += source[row &+ x] }
                }
                for outY in 0..<outHeight {
                    let rows = Swift.min(factor, height &- outY &* factor)
                    for outX in 0..<outWidth {
                        let count = rows &* Swift.min(factor, width &- outX &* factor)
                        sums[outY &* outWidth &+ outX] /= Float(count)
                    }
                }
            }
        }
        return GrayImage(width: outWidth, height: outHeight, pixels: sums)
    }
}

/// A pixel sample the resampler reads as Float and writes back.
protocol ResampledSample {
    var resampleValue: Float { get }
    init(resampled value: Float)
}

extension UInt8: ResampledSample {
    @inline(__always) var resampleValue: Float { Float(self) }
    /// The nearest byte (halves up), exactly as `UInt8(min(255, max(0, value + 0.5)))` gives it, but
    /// without that conversion's range check, so the loop vectorizes: adding 1.5 * 2^23 rounds to
    /// the nearest whole number and leaves it in the low bits; one less where that rounded up.
    @inline(__always) init(resampled value: Float) {
        let x = Swift.min(255, Swift.max(0, value + 0.5))
        let shifted = x + 12_582_912
        let nearest = UInt8(truncatingIfNeeded: shifted.bitPattern)
        self = shifted - 12_582_912 > x ? nearest &- 1 : nearest
    }
}

extension Float: ResampledSample {
    @inline(__always) var resampleValue: Float { self }
    @inline(__always) init(resampled value: Float) { self = value }
}

/// One axis of a resampling: output sample `i` is the sum over `k < taps` of
/// `weights[i * taps + k]` times source sample `starts[i] + k`.
struct ResampleAxis {
    let taps: Int
    let starts: [Int]
    let weights: [Float]

    init(source: Int, target: Int) {
        var contributions: [[(index: Int, weight: Double)]] = []
        contributions.reserveCapacity(target)
        let ratio = Double(source) / Double(target)
        for i in 0..<target {
            if target == source {
                contributions.append([(i, 1)])
            } else if target < source {
                // Area average over [lo, hi) in source coordinates.
                let lo = Double(i) * ratio, hi = Double(i + 1) * ratio
                let first = Int(lo.rounded(.down)), end = Swift.min(source, Int(hi.rounded(.up)))
                contributions.append((first..<end).map { j in
                    (j, (Swift.min(hi, Double(j + 1)) - Swift.max(lo, Double(j))) / ratio)
                })
            } else {
                let position = Swift.min(Double(source - 1), Swift.max(0, (Double(i) + 0.5) * ratio - 0.5))
                let left = Int(position.rounded(.down))
                let fraction = position - Double(left)
                contributions.append(left + 1 < source ? [(left, 1 - fraction), (left + 1, fraction)] : [(left, 1)])
            }
        }
        let taps = contributions.map { $0.last!.index - $0.first!.index + 1 }.max()!
        var starts = [Int](repeating: 0, count: target)
        var weights = [Float](repeating: 0, count: target * taps)
        for (i, list) in contributions.enumerated() {
            let start = Swift.min(list.first!.index, source - taps)
            starts[i] = start
            for (index, weight) in list { weights[i * taps + index - start] = Float(weight) }
        }
        self.taps = taps
        self.starts = starts
        self.weights = weights
    }
}

/// Separable resampling: rows first into a Float buffer, then columns.
func resample<Sample: ResampledSample>(_ source: [Sample], width: Int, height: Int, channels: Int,
                                       to newWidth: Int, _ newHeight: Int) -> [Sample] {
    let horizontal = ResampleAxis(source: width, target: newWidth)
    let vertical = ResampleAxis(source: height, target: newHeight)
    let rowLength = newWidth * channels
    // Every element is written below: no need to clear it first (9 MB for a 720p frame).
    let between = [Float](unsafeUninitializedCapacity: height * rowLength) { between, initialized in
        source.withUnsafeBufferPointer { source in
            horizontal.starts.withUnsafeBufferPointer { starts in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    let taps = horizontal.taps
                    for y in 0..<height {
                        let inRow = y &* width &* channels
                        let outRow = y &* rowLength
                        if channels == 3 {
                            // RGB (the room's pictures): the three sums side by side, same order of terms.
                            for x in 0..<newWidth {
                                let base = inRow &+ starts[x] &* 3, w = x &* taps
                                var r: Float = 0, g: Float = 0, b: Float = 0
                                for k in 0..<taps {
                                    let weight = weights[w &+ k], p = base &+ k &* 3
                                    r += weight * source[p].resampleValue
                                    g += weight * source[p &+ 1].resampleValue
                                    b += weight * source[p &+ 2].resampleValue
                                }
                                let o = outRow &+ x &* 3
                                between[o] = r
                                between[o &+ 1] = g
                                between[o &+ 2] = b
                            }
                            continue
                        }
                        for x in 0..<newWidth {
                            let base = inRow &+ starts[x] &* channels
                            for c in 0..<channels {
                                var sum: Float = 0
                                for k in 0..<taps {
                                    sum += weights[x &* taps &+ k] * source[base &+ k &* channels &+ c].resampleValue
                                }
                                between[outRow &+ x &* channels &+ c] = sum
                            }
                        }
                    }
                }
            }
        }
        initialized = height * rowLength
    }
    var accumulator = [Float](repeating: 0, count: rowLength)
    return [Sample](unsafeUninitializedCapacity: newHeight * rowLength) { out, initialized in
        between.withUnsafeBufferPointer { between in
            accumulator.withUnsafeMutableBufferPointer { accumulator in
                let taps = vertical.taps
                for y in 0..<newHeight {
                    for i in 0..<rowLength { accumulator[i] = 0 }
                    for k in 0..<taps {
                        let weight = vertical.weights[y &* taps &+ k]
                        if weight == 0 { continue }
                        let row = (vertical.starts[y] &+ k) &* rowLength
                        for i in 0..<rowLength { accumulator[i] += weight * between[row &+ i] }
                    }
                    let outRow = y &* rowLength
                    for i in 0..<rowLength { out[outRow &+ i] = Sample(resampled: accumulator[i]) }
                }
            }
        }
        initialized = newHeight * rowLength
    }
}
