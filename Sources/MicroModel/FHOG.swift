import Foundation

/// Felzenszwalb-style HOG ("fHOG"): per cell 18 contrast-sensitive and 9 contrast-insensitive
/// orientation channels, each normalised by the four surrounding 2x2-cell blocks and truncated
/// at 0.2, plus 4 texture-energy channels: 31 channels. Gradients take, per pixel, the colour
/// channel with the largest magnitude; orientations are split linearly between the two
/// nearest of 18 bins; each pixel falls in one cell.
enum FHOG {
    static let channels = 31

    /// Features of `patch` (sides multiples of `cell`), written into `out` starting at channel
    /// `firstChannel`. `out` must be `patch.width / cell` by `patch.height / cell`.
    static func compute(_ patch: Patch, cell: Int, into out: inout FeatureMap, firstChannel: Int = 0) {
        let w = patch.width, h = patch.height
        let cw = w / cell, chh = h / cell
        precondition(out.width == cw && out.height == chh && out.channels >= firstChannel + channels)
        var hist = [Float](repeating: 0, count: cw * chh * 18)
        let plane = w * h
        let binScale = Float(18 / (2 * Double.pi))
        patch.values.withUnsafeBufferPointer { px in
            hist.withUnsafeMutableBufferPointer { hs in
                for y in 0..<h {
                    let yu = y > 0 ? y - 1 : 0, yd = y < h - 1 ? y + 1 : h - 1
                    let cellRow = (y / cell) * cw
                    for x in 0..<w {
                        let xl = x > 0 ? x - 1 : 0, xr = x < w - 1 ? x + 1 : w - 1
                        var bestM: Float = -1, gx: Float = 0, gy: Float = 0
                        for c in 0..<3 {
                            let base = c * plane
                            let dx = px[base + y * w + xr] - px[base + y * w + xl]
                            let dy = px[base + yd * w + x] - px[base + yu * w + x]
                            let m = dx * dx + dy * dy
                            if m > bestM { bestM = m; gx = dx; gy = dy }
                        }
                        if bestM <= 0 { continue }
                        let mag = bestM.squareRoot()
                        var a = angle(gy, gx)
                        if a < 0 { a += Float(2 * Double.pi) }
                        let b = a * binScale
                        var b0 = Int(b)
                        let w1 = b - Float(b0)
                        if b0 >= 18 { b0 -= 18 }
                        let b1 = b0 == 17 ? 0 : b0 + 1
                        let ci = (cellRow + x / cell) * 18
                        hs[ci + b0] += mag * (1 - w1)
                        hs[ci + b1] += mag * w1
                    }
                }
            }
        }
        normalise(hist: hist, cellsWide: cw, cellsHigh: chh, cell: cell, into: &out, firstChannel: firstChannel)
    }

    private static func normalise(hist: [Float], cellsWide cw: Int, cellsHigh chh: Int, cell: Int,
                                  into out: inout FeatureMap, firstChannel: Int) {
        let n = cw * chh
        let area = Float(cell * cell)
        var energy = [Float](repeating: 0, count: n)
        hist.withUnsafeBufferPointer { hs in
            for i in 0..<n {
                var e: Float = 0
                for o in 0..<9 {
                    let u = (hs[i * 18 + o] + hs[i * 18 + o + 9]) / area
                    e += u * u
                }
                energy[i] = e
            }
        }
        // Block energy at cell corners (cw+1 x chh+1), energies replicated at the borders.
        let bw = cw + 1
        var block = [Float](repeating: 0, count: bw * (chh + 1))
        @inline(__always) func en(_ x: Int, _ y: Int) -> Float {
            energy[min(max(y, 0), chh - 1) * cw + min(max(x, 0), cw - 1)]
        }
        for y in 0...chh {
            for x in 0...cw {
                block[y * bw + x] = en(x - 1, y - 1) + en(x, y - 1) + en(x - 1, y) + en(x, y)
            }
        }
        let plane = out.plane
        hist.withUnsafeBufferPointer { hs in
            block.withUnsafeBufferPointer { bl in
                out.values.withUnsafeMutableBufferPointer { o in
                    for y in 0..<chh {
                        for x in 0..<cw {
                            let i = y * cw + x
                            let norms = (
                                1 / (bl[y * bw + x] + 1e-4).squareRoot(),
                                1 / (bl[y * bw + x + 1] + 1e-4).squareRoot(),
                                1 / (bl[(y + 1) * bw + x] + 1e-4).squareRoot(),
                                1 / (bl[(y + 1) * bw + x + 1] + 1e-4).squareRoot()
                            )
                            var texture: (Float, Float, Float, Float) = (0, 0, 0, 0)
                            for ori in 0..<18 {
                                let v = hs[i * 18 + ori] / area
                                let s = min(v * norms.0, 0.2) + min(v * norms.1, 0.2)
                                    + min(v * norms.2, 0.2) + min(v * norms.3, 0.2)
                                o[(firstChannel + ori) * plane + i] = 0.5 * s
                            }
                            for ori in 0..<9 {
                                let u = (hs[i * 18 + ori] + hs[i * 18 + ori + 9]) / area
                                let t0 = min(u * norms.0, 0.2), t1 = min(u * norms.1, 0.2)
                                let t2 = min(u * norms.2, 0.2), t3 = min(u * norms.3, 0.2)
                                o[(firstChannel + 18 + ori) * plane + i] = 0.5 * (t0 + t1 + t2 + t3)
                                texture.0 += t0; texture.1 += t1; texture.2 += t2; texture.3 += t3
                            }
                            o[(firstChannel + 27) * plane + i] = 0.2357 * texture.0
                            o[(firstChannel + 28) * plane + i] = 0.2357 * texture.1
                            o[(firstChannel + 29) * plane + i] = 0.2357 * texture.2
                            o[(firstChannel + 30) * plane + i] = 0.2357 * texture.3
                        }
                    }
                }
            }
        }
    }

    /// atan2 to within about 1e-5 rad (an odd polynomial for atan on [0, 1] and the usual
    /// octant reflections); libm's atan2f was a tenth of the tracker's time.
    @inline(__always)
    static func angle(_ y: Float, _ x: Float) -> Float {
        let ax = abs(x), ay = abs(y)
        let big = max(ax, ay), small = min(ax, ay)
        if big == 0 { return 0 }
        let z = small / big
        let z2 = z * z
        var t: Float = -0.011_721_20
        t = t * z2 + 0.052_653_32
        t = t * z2 - 0.116_432_87
        t = t * z2 + 0.193_543_46
        t = t * z2 - 0.332_623_47
        t = t * z2 + 0.999_977_26
        var a = t * z
        if ay > ax { a = Float.pi / 2 - a }
        if x < 0 { a = Float.pi - a }
        return y < 0 ? -a : a
    }

    /// Mean intensity per cell, minus 0.5, into one channel.
    static func grayCells(_ patch: Patch, cell: Int, into out: inout FeatureMap, channel: Int) {
        let w = patch.width
        let cw = out.width, chh = out.height
        let plane = patch.width * patch.height
        let scale = 1 / Float(3 * cell * cell)
        let op = out.plane
        patch.values.withUnsafeBufferPointer { px in
            out.values.withUnsafeMutableBufferPointer { o in
                for cy in 0..<chh {
                    for cx in 0..<cw {
                        var s: Float = 0
                        for y in cy * cell..<(cy + 1) * cell {
                            for x in cx * cell..<(cx + 1) * cell {
                                let i = y * w + x
                                s += px[i] + px[plane + i] + px[2 * plane + i]
                            }
                        }
                        o[channel * op + cy * cw + cx] = s * scale - 0.5
                    }
                }
            }
        }
    }
}
