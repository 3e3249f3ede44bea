import Imaging

// TODO(merge): replace with Imaging's `resized(width:height:)` (area-average down, bilinear up)
// once the Imaging branch lands; this minimal copy only exists so the renderers can fit images.

/// For one axis: which source samples feed each output sample, with which weights.
private struct AxisWeights {
    var start: [Int] = []     // first source index per output index
    var count: [Int] = []     // number of source samples per output index
    var weights: [Float] = [] // flattened, `maxTaps` per output index
    var maxTaps = 0

    init(source: Int, target: Int) {
        let scale = Double(source) / Double(target)
        maxTaps = scale > 1 ? Int(scale.rounded(.up)) + 1 : 2
        weights = [Float](repeating: 0, count: target * maxTaps)
        for i in 0..<target {
            if scale > 1 {
                // Area average: each source sample weighs its overlap with [i*scale, (i+1)*scale).
                let lo = Double(i) * scale, hi = lo + scale
                let first = Int(lo), last = min(source - 1, Int((hi - 1e-9).rounded(.down)))
                start.append(first)
                count.append(last - first + 1)
                for s in first...last {
                    let overlap = min(hi, Double(s + 1)) - max(lo, Double(s))
                    weights[i * maxTaps + s - first] = Float(overlap / scale)
                }
            } else {
                // Bilinear between the two nearest source samples.
                let centre = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
                let first = min(Int(centre), max(0, source - 2))
                let t = centre - Double(first)
                start.append(first)
                count.append(source > 1 ? 2 : 1)
                weights[i * maxTaps] = Float(1 - t)
                if source > 1 { weights[i * maxTaps + 1] = Float(t) }
            }
        }
    }
}

extension RGBImage {
    /// This image scaled to `width` x `height`: area average when shrinking, bilinear when growing.
    func displayResized(width: Int, height: Int) -> RGBImage {
        if width == self.width && height == self.height { return self }
        let xw = AxisWeights(source: self.width, target: width)
        let yw = AxisWeights(source: self.height, target: height)
        let sourceWidth = self.width, sourceHeight = self.height
        // Horizontal pass into floats, then vertical pass into bytes.
        var rows = [Float](repeating: 0, count: width * sourceHeight * 3)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { dst in
                for y in 0..<sourceHeight {
                    let srcRow = y * sourceWidth * 3, dstRow = y * width * 3
                    for x in 0..<width {
                        var r: Float = 0, g: Float = 0, b: Float = 0
                        let first = xw.start[x], taps = xw.count[x]
                        for k in 0..<taps {
                            let w = xw.weights[x * xw.maxTaps + k]
                            let i = srcRow + (first + k) * 3
                            r += w * Float(src[i]); g += w * Float(src[i + 1]); b += w * Float(src[i + 2])
                        }
                        dst[dstRow + x * 3] = r; dst[dstRow + x * 3 + 1] = g; dst[dstRow + x * 3 + 2] = b
                    }
                }
            }
        }
        var out = RGBImage(width: width, height: height)
        rows.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                let rowLength = width * 3
                var accumulator = [Float](repeating: 0, count: rowLength)
                for y in 0..<height {
                    for i in 0..<rowLength { accumulator[i] = 0 }
                    let first = yw.start[y], taps = yw.count[y]
                    for k in 0..<taps {
                        let w = yw.weights[y * yw.maxTaps + k]
                        let base = (first + k) * rowLength
                        for i in 0..<rowLength { accumulator[i] += w * src[base + i] }
                    }
                    let base = y * rowLength
                    for i in 0..<rowLength { dst[base + i] = UInt8(min(255, max(0, accumulator[i] + 0.5))) }
                }
            }
        }
        return out
    }
}
