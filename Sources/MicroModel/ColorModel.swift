import Foundation

/// Foreground/background colour histograms (Staple-style): how likely each colour is to
/// belong to the object rather than to its surroundings, and from that a response map
/// over translations. It complements HOG where the object's shape is blurred or tiny.
struct ColorModel: Sendable {
    static let bins = 16
    private static let shift = 4  // 256 / bins = 16 = 2^4
    var foreground: [Float]
    var background: [Float]
    /// The mean foreground and background histograms of the boxes a reviewer accepted (empty
    /// without any), kept apart so that learning frame by frame does not fade them, and their
    /// share in the likelihood.
    private var exampleForeground: [Float] = []
    private var exampleBackground: [Float] = []
    private var exampleCount = 0
    private var exampleWeight: Float = 0

    static let empty = ColorModel(foreground: [], background: [])
    private init(foreground: [Float], background: [Float]) {
        self.foreground = foreground
        self.background = background
    }

    /// Histograms from a patch whose object occupies `objectWidth x objectHeight` pixels at its centre.
    init(patch: Patch, objectWidth: Double, objectHeight: Double) {
        (foreground, background) = ColorModel.histograms(patch, objectWidth: objectWidth, objectHeight: objectHeight)
    }

    mutating func update(patch: Patch, objectWidth: Double, objectHeight: Double, rate: Float) {
        let (f, b) = ColorModel.histograms(patch, objectWidth: objectWidth, objectHeight: objectHeight)
        for i in 0..<foreground.count {
            foreground[i] = (1 - rate) * foreground[i] + rate * f[i]
            background[i] = (1 - rate) * background[i] + rate * b[i]
        }
    }

    /// Takes in an accepted box's colours (its object `objectWidth x objectHeight` at the patch's
    /// centre, the rest its surroundings): from now on the object's and the surroundings' colours
    /// are those learnt frame by frame and, with share `weight`, those of the accepted boxes so far.
    /// Frame by frame the model learns the object at the tracked box, whose shape is the seed's;
    /// an accepted box of another shape tells which colours around it are the object's after all.
    mutating func addExample(patch: Patch, objectWidth: Double, objectHeight: Double, weight: Float) {
        guard !foreground.isEmpty, weight > 0 else { return }
        let (f, b) = ColorModel.histograms(patch, objectWidth: objectWidth, objectHeight: objectHeight)
        if exampleForeground.isEmpty {
            exampleForeground = [Float](repeating: 0, count: f.count)
            exampleBackground = [Float](repeating: 0, count: b.count)
        }
        exampleCount += 1
        let k = 1 / Float(exampleCount)
        for i in 0..<f.count {
            exampleForeground[i] += k * (f[i] - exampleForeground[i])
            exampleBackground[i] += k * (b[i] - exampleBackground[i])
        }
        exampleWeight = min(weight, 1)
    }

    /// The object's and the surroundings' colour histograms the likelihood uses: those learnt
    /// mixed with the accepted boxes'.
    private var mixedHistograms: (foreground: [Float], background: [Float]) {
        guard !exampleForeground.isEmpty else { return (foreground, background) }
        var f = foreground, b = background
        let w = exampleWeight
        for i in 0..<f.count {
            f[i] = (1 - w) * f[i] + w * exampleForeground[i]
            b[i] = (1 - w) * b[i] + w * exampleBackground[i]
        }
        return (f, b)
    }

    @inline(__always)
    private static func bin(_ px: UnsafeBufferPointer<Float>, _ i: Int, _ plane: Int) -> Int {
        let r = min(Int(px[i] * 255), 255) >> shift
        let g = min(Int(px[plane + i] * 255), 255) >> shift
        let b = min(Int(px[2 * plane + i] * 255), 255) >> shift
        return (r * bins + g) * bins + b
    }

    private static func objectRect(_ patch: Patch, _ ow: Double, _ oh: Double) -> (Int, Int, Int, Int) {
        let w = Double(patch.width), h = Double(patch.height)
        let x0 = Int((w / 2 - ow / 2).rounded()), x1 = Int((w / 2 + ow / 2).rounded())
        let y0 = Int((h / 2 - oh / 2).rounded()), y1 = Int((h / 2 + oh / 2).rounded())
        return (max(0, x0), max(0, y0), min(patch.width, x1), min(patch.height, y1))
    }

    private static func histograms(_ patch: Patch, objectWidth: Double, objectHeight: Double) -> ([Float], [Float]) {
        let n = bins * bins * bins
        var f = [Float](repeating: 0, count: n), b = [Float](repeating: 0, count: n)
        let (x0, y0, x1, y1) = objectRect(patch, objectWidth, objectHeight)
        let w = patch.width, plane = patch.width * patch.height
        var nf: Float = 0, nb: Float = 0
        patch.values.withUnsafeBufferPointer { px in
            for y in 0..<patch.height {
                let inRows = y >= y0 && y < y1
                for x in 0..<w {
                    let k = bin(px, y * w + x, plane)
                    if inRows && x >= x0 && x < x1 { f[k] += 1; nf += 1 } else { b[k] += 1; nb += 1 }
                }
            }
        }
        let sf = 1 / max(nf, 1), sb = 1 / max(nb, 1)
        for i in 0..<n { f[i] *= sf; b[i] *= sb }
        return (f, b)
    }

    /// Mean object likelihood over an object-sized box displaced by whole cells, laid out like a
    /// correlation response (offset 0 at index 0, negative offsets wrapped).
    func response(patch: Patch, objectWidth: Double, objectHeight: Double, cell: Int,
                  gridWidth: Int, gridHeight: Int) -> [Float] {
        let w = patch.width, h = patch.height
        let integral = likelihoodIntegral(patch, less: 0)
        let ow = max(1.0, objectWidth.rounded()), oh = max(1.0, objectHeight.rounded())
        var out = [Float](repeating: 0, count: gridWidth * gridHeight)
        for gy in 0..<gridHeight {
            let dy = Double((gy <= gridHeight / 2 ? gy : gy - gridHeight) * cell)
            let cy = Double(h) / 2 + dy
            let y0 = min(max(Int((cy - oh / 2).rounded()), 0), h), y1 = min(max(Int((cy + oh / 2).rounded()), 0), h)
            for gx in 0..<gridWidth {
                let dx = Double((gx <= gridWidth / 2 ? gx : gx - gridWidth) * cell)
                let cx = Double(w) / 2 + dx
                let x0 = min(max(Int((cx - ow / 2).rounded()), 0), w), x1 = min(max(Int((cx + ow / 2).rounded()), 0), w)
                let area = (y1 - y0) * (x1 - x0)
                if area > 0 {
                    out[gy * gridWidth + gx] = Float(Self.sum(integral, width: w, x0, y0, x1, y1) / Double(area))
                }
            }
        }
        return out
    }

    /// The width and height factors (each in `factors`) by which an object-sized box centred on
    /// `patch` best covers the pixels whose colour is more likely the object's than its
    /// surroundings': the box maximises the summed likelihood minus one half over its pixels,
    /// per object area, less `prior` times the squared log factors.
    func extent(patch: Patch, objectWidth: Double, objectHeight: Double, factors: [Double],
                prior: Double) -> (width: Double, height: Double) {
        guard !foreground.isEmpty else { return (1, 1) }
        let w = patch.width, h = patch.height
        let integral = likelihoodIntegral(patch, less: 0.5)
        let area = max(objectWidth * objectHeight, 1)
        var best = (width: 1.0, height: 1.0), bestValue = -Double.infinity
        for fw in factors {
            let x0 = min(max(Int((Double(w) / 2 - objectWidth * fw / 2).rounded()), 0), w)
            let x1 = min(max(Int((Double(w) / 2 + objectWidth * fw / 2).rounded()), 0), w)
            for fh in factors {
                let y0 = min(max(Int((Double(h) / 2 - objectHeight * fh / 2).rounded()), 0), h)
                let y1 = min(max(Int((Double(h) / 2 + objectHeight * fh / 2).rounded()), 0), h)
                let s = Self.sum(integral, width: w, x0, y0, x1, y1)
                let lw = log(fw), lh = log(fh)
                let value = s / area - prior * (lw * lw + lh * lh)
                if value > bestValue { bestValue = value; best = (fw, fh) }
            }
        }
        return best
    }

    /// Integral image, (w+1) x (h+1), of each pixel's object likelihood less `offset`.
    private func likelihoodIntegral(_ patch: Patch, less offset: Double) -> [Double] {
        let w = patch.width, h = patch.height, plane = w * h
        var integral = [Double](repeating: 0, count: (w + 1) * (h + 1))
        let (objectColors, surroundings) = mixedHistograms
        patch.values.withUnsafeBufferPointer { px in
            objectColors.withUnsafeBufferPointer { fg in
                surroundings.withUnsafeBufferPointer { bg in
                    integral.withUnsafeMutableBufferPointer { ii in
                        for y in 0..<h {
                            var row: Double = 0
                            for x in 0..<w {
                                let k = ColorModel.bin(px, y * w + x, plane)
                                row += Double(fg[k] / (fg[k] + bg[k] + 1e-6)) - offset
                                ii[(y + 1) * (w + 1) + x + 1] = ii[y * (w + 1) + x + 1] + row
                            }
                        }
                    }
                }
            }
        }
        return integral
    }

    /// The sum over pixels [x0, x1) x [y0, y1) from an integral image `width` + 1 wide.
    private static func sum(_ integral: [Double], width w: Int, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Double {
        integral[y1 * (w + 1) + x1] - integral[y0 * (w + 1) + x1] - integral[y1 * (w + 1) + x0] + integral[y0 * (w + 1) + x0]
    }
}
