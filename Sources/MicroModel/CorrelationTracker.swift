import Geometry
import Foundation
import Imaging

/// Tunable constants of one micro-model. Defaults follow the literature (KCF/DSST/Staple),
/// not any one video.
public struct TrackerParameters: Sendable, Hashable, Codable {
    /// Pixels per HOG cell at working resolution.
    public var cell = 4
    /// Search window: object plus `padding` times its mean side, per dimension.
    public var padding = 1.5
    /// The search window is resampled so its area is about `templateSide`² working pixels.
    public var templateSide = 96.0
    /// Ridge regularisation of the filters.
    public var lambda: Float = 1e-3
    /// Gaussian label width as a fraction of the object's size.
    public var sigmaFactor = 1.0 / 16
    /// Model interpolation rate of the translation filter per frame.
    public var learningRate: Float = 0.015
    /// Scale filter: number of scales and the step between them (DSST's published values).
    public var scaleCount = 33
    public var scaleStep = 1.02
    public var scaleSigma = 0.25
    public var scaleLearningRate: Float = 0.025
    /// Working-pixel area of the samples the scale filter sees.
    public var scaleArea = 512.0
    /// Weight of the colour response merged into the HOG response.
    public var colorWeight: Float = 0.3
    public var colorLearningRate: Float = 0.04
    /// Weight of the features around the object, relative to those on it, in the samples the
    /// translation filter learns from (1 = plain cosine window). Lower values keep the filter
    /// from locking onto a textured background.
    public var backgroundWeight: Float = 0.5
    /// Weight of a rejected box's features relative to the seed's in the filters' denominators.
    public var negativeWeight: Float = 1
    /// How far the reported box's width and height follow the colour model's own estimate of the
    /// object's extent (0: not at all; 1: fully; geometric), and how strongly that estimate is held
    /// to the tracked size (see `ColorModel.extent`). The scale filter only scales the seed's
    /// shape; this lets the width and height change apart. It shapes the reported box only: the
    /// filters keep tracking at the scale filter's size.
    public var colorExtent = 0.5
    public var colorExtentPrior = 1.0
    /// Share of the colours of the boxes a reviewer accepted, on frames the run passed, in the
    /// colour model's object and surroundings colours (`CorrelationTracker.learnExample`).
    public var exampleColorWeight: Float = 0.35

    public init() {}
}

/// What the tracker reports for one frame.
struct TrackerStep: Sendable {
    var box: BoxRect
    /// Peak-to-sidelobe ratio of the HOG correlation response: how sharply the model fired.
    var sharpness: Double
    /// Response of the seed's own, never-updated filter at the new box, relative to the seed
    /// frame: how much the box still looks like the seed.
    var similarity: Double
}

/// One micro-model: a discriminative correlation filter on fHOG + intensity cells (translation),
/// a 1-D correlation filter over scales (DSST), and a colour-histogram model (Staple).
struct CorrelationTracker: Sendable {
    let parameters: TrackerParameters
    let imageWidth: Int
    let imageHeight: Int
    private(set) var centerX: Double
    private(set) var centerY: Double
    private(set) var scale = 1.0
    let baseWidth: Double, baseHeight: Double
    let windowWidth: Double, windowHeight: Double
    let templateWidth: Int, templateHeight: Int
    let grid: FFT2D
    let channels = FHOG.channels + 1
    private let cosine: [Float]
    /// The cosine window times the object focus (see `backgroundWeight`), for learning.
    private let trainingWindow: [Float]
    private let labelRe: [Float], labelIm: [Float]
    private var numRe: [Float], numIm: [Float], den: [Float]
    private var seedNumRe: [Float] = [], seedNumIm: [Float] = [], seedDen: [Float] = []
    private var seedPeak: Float = 1
    /// Time spent so far, by stage; `training` includes building the model from the seed.
    var times = StageTimes()
    /// Energy of the rejected boxes' features, kept apart so learning does not fade it.
    private var negativeDen: [Float] = []
    private var sizeFilter: ScaleFilter
    private var colors = ColorModel.empty

    /// Width and height factors the colour extent chooses from: 0.70...1.42, 6 % apart.
    static let extentFactors = (-6...6).map { pow(1.06, Double($0)) }

    var box: BoxRect {
        let w = baseWidth * scale, h = baseHeight * scale
        return BoxRect(x: centerX - w / 2, y: centerY - h / 2, width: w, height: h)
    }

    /// A model of the object in `box` on `image`. `negatives` are boxes a reviewer rejected, on
    /// their frames: their appearance is added to the filters' denominators (context-aware
    /// correlation filters), so the filters learn to answer them with zero.
    init(image: RGBImage, box: BoxRect, negatives: [(image: RGBImage, box: BoxRect)] = [],
         parameters p: TrackerParameters = TrackerParameters()) {
        parameters = p
        imageWidth = image.width
        imageHeight = image.height
        centerX = box.x + box.width / 2
        centerY = box.y + box.height / 2
        baseWidth = max(box.width, 1)
        baseHeight = max(box.height, 1)
        let mean = (baseWidth + baseHeight) / 2
        windowWidth = baseWidth + p.padding * mean
        windowHeight = baseHeight + p.padding * mean
        let k = p.templateSide / (windowWidth * windowHeight).squareRoot()
        let cellsWide = FFTPlan.goodSize(atLeast: max(16, Int((windowWidth * k / Double(p.cell)).rounded())))
        let cellsHigh = FFTPlan.goodSize(atLeast: max(16, Int((windowHeight * k / Double(p.cell)).rounded())))
        templateWidth = cellsWide * p.cell
        templateHeight = cellsHigh * p.cell
        grid = FFT2D(width: cellsWide, height: cellsHigh)
        let plane = cellsWide * cellsHigh

        let hx = hann(cellsWide), hy = hann(cellsHigh)
        var cosine = [Float](repeating: 0, count: plane)
        for y in 0..<cellsHigh { for x in 0..<cellsWide { cosine[y * cellsWide + x] = hy[y] * hx[x] } }
        self.cosine = cosine
        // Object extent in cells, centred; weight 1 inside, backgroundWeight outside.
        let objW = baseWidth * Double(cellsWide) / windowWidth, objH = baseHeight * Double(cellsHigh) / windowHeight
        var training = cosine
        for y in 0..<cellsHigh {
            let dy = abs(Double(y) + 0.5 - Double(cellsHigh) / 2) - objH / 2
            for x in 0..<cellsWide {
                let dx = abs(Double(x) + 0.5 - Double(cellsWide) / 2) - objW / 2
                let inside = min(1, max(0, 0.5 - max(dx, dy)))  // soft edge one cell wide
                training[y * cellsWide + x] *= p.backgroundWeight + (1 - p.backgroundWeight) * Float(inside)
            }
        }
        trainingWindow = training

        // Gaussian label centred at offset 0 (wrapped).
        let sigma = max(0.5, (baseWidth * baseHeight).squareRoot() * Double(templateWidth) / windowWidth
            / Double(p.cell) * p.sigmaFactor)
        var lre = [Float](repeating: 0, count: plane), lim = [Float](repeating: 0, count: plane)
        for y in 0..<cellsHigh {
            let dy = Double(y <= cellsHigh / 2 ? y : y - cellsHigh)
            for x in 0..<cellsWide {
                let dx = Double(x <= cellsWide / 2 ? x : x - cellsWide)
                lre[y * cellsWide + x] = Float(exp(-0.5 * (dx * dx + dy * dy) / (sigma * sigma)))
            }
        }
        var scratch = [Float](repeating: 0, count: 2 * plane)
        let g = grid
        lre.withUnsafeMutableBufferPointer { r in
            lim.withUnsafeMutableBufferPointer { i in
                scratch.withUnsafeMutableBufferPointer { s in
                    g.forward(re: r.baseAddress!, im: i.baseAddress!, scratch: s.baseAddress!)
                }
            }
        }
        labelRe = lre
        labelIm = lim

        sizeFilter = ScaleFilter(count: p.scaleCount, step: p.scaleStep, sigma: p.scaleSigma,
                                 learningRate: p.scaleLearningRate, lambda: p.lambda,
                                 objectWidth: baseWidth, objectHeight: baseHeight, area: p.scaleArea)

        var clock = StageClock()
        numRe = []; numIm = []; den = []
        let patch = window(image, centerX: centerX, centerY: centerY, scale: 1)
        colors = ColorModel(patch: patch, objectWidth: baseWidth * Double(templateWidth) / windowWidth,
                            objectHeight: baseHeight * Double(templateHeight) / windowHeight)
        let (xr, xi) = translationSpectrum(patch, learning: true)
        (numRe, numIm, den) = filterTerms(xr, xi)
        negativeDen = [Float](repeating: 0, count: plane)
        for negative in negatives {
            // The rejected box's surroundings at the model's resolution, sized like the seed's window.
            let k = (negative.box.area / max(box.area, 1)).squareRoot()
            let np = window(negative.image, centerX: negative.box.centerX, centerY: negative.box.centerY, scale: k)
            let (nr, ni) = translationSpectrum(np, learning: true)
            let (_, _, nd) = filterTerms(nr, ni)
            for j in 0..<plane { negativeDen[j] += p.negativeWeight * nd[j] }
        }
        seedNumRe = numRe; seedNumIm = numIm; seedDen = den
        seedPeak = 1
        seedPeak = max(seedSimilarity(xr, xi), 1e-6)
        sizeFilter.learn(sizeFilter.sample(image, centerX: centerX, centerY: centerY, width: baseWidth, height: baseHeight))
        times.training = clock.lap()
    }

    /// Tracks into the next frame and learns from it; adds the time of each stage to `times`.
    mutating func update(_ image: RGBImage) -> TrackerStep {
        let p = parameters
        let cw = grid.width, chh = grid.height, plane = cw * chh
        let searchW = windowWidth * scale, searchH = windowHeight * scale
        var clock = StageClock()
        let patch = window(image, centerX: centerX, centerY: centerY, scale: scale)
        let (zr, zi) = translationSpectrum(patch, learning: false)
        times.features += clock.lap()
        let hogResponse = correlate(numRe, numIm, den, zr, zi)
        var response = hogResponse
        if p.colorWeight > 0 {
            let color = colors.response(patch: patch, objectWidth: baseWidth * Double(templateWidth) / windowWidth,
                                        objectHeight: baseHeight * Double(templateHeight) / windowHeight,
                                        cell: p.cell, gridWidth: cw, gridHeight: chh)
            for i in 0..<plane { response[i] = (1 - p.colorWeight) * response[i] + p.colorWeight * color[i] }
        }
        var best = 0
        for i in 1..<plane where response[i] > response[best] { best = i }
        let py = best / cw, px = best % cw
        func parabola(_ a: Float, _ b: Float, _ c: Float) -> Double {
            let d = a - 2 * b + c
            return d < 0 ? Double(0.5 * (a - c) / d) : 0
        }
        var dy = Double(py) + parabola(response[((py - 1 + chh) % chh) * cw + px], response[best],
                                       response[((py + 1) % chh) * cw + px])
        var dx = Double(px) + parabola(response[py * cw + (px - 1 + cw) % cw], response[best],
                                       response[py * cw + (px + 1) % cw])
        if dy > Double(chh) / 2 { dy -= Double(chh) }
        if dx > Double(cw) / 2 { dx -= Double(cw) }
        centerX += dx * searchW / Double(templateWidth) * Double(p.cell)
        centerY += dy * searchH / Double(templateHeight) * Double(p.cell)
        centerX = min(max(centerX, 0), Double(imageWidth - 1))
        centerY = min(max(centerY, 0), Double(imageHeight - 1))
        let sharpness = peakToSidelobe(hogResponse, width: cw, height: chh)
        times.search += clock.lap()

        // Size.
        let sizeSample = sizeFilter.sample(image, centerX: centerX, centerY: centerY, width: box.width, height: box.height)
        times.features += clock.lap()
        // Between-step refinement only where one step moves the box's sides by a pixel or
        // more: below that the scale response is flat and refining only adds a random walk.
        let sizeChange = sizeFilter.change(sizeSample, refine: box.area.squareRoot() * (sizeFilter.step - 1) >= 1)
        scale = min(max(scale * sizeChange, 0.1), 10)
        times.search += clock.lap()

        // Learn at the new box. The learning samples equal the detection samples when the size did not change.
        let learnPatch = window(image, centerX: centerX, centerY: centerY, scale: scale)
        let (xr, xi) = translationSpectrum(learnPatch, learning: true)
        let sizeLearn = sizeChange == 1 ? sizeSample
            : sizeFilter.sample(image, centerX: centerX, centerY: centerY, width: box.width, height: box.height)
        times.features += clock.lap()
        let similarity = seedSimilarity(xr, xi)
        times.search += clock.lap()
        let (nr, ni, nd) = filterTerms(xr, xi)
        blend(&numRe, nr, p.learningRate)
        blend(&numIm, ni, p.learningRate)
        blend(&den, nd, p.learningRate)
        sizeFilter.learn(sizeLearn)
        if p.colorWeight > 0 {
            colors.update(patch: learnPatch, objectWidth: baseWidth * Double(templateWidth) / windowWidth,
                          objectHeight: baseHeight * Double(templateHeight) / windowHeight, rate: p.colorLearningRate)
        }
        var reported = box
        if p.colorExtent > 0 && p.colorWeight > 0 {
            let e = colors.extent(patch: learnPatch, objectWidth: baseWidth * Double(templateWidth) / windowWidth,
                                  objectHeight: baseHeight * Double(templateHeight) / windowHeight,
                                  factors: Self.extentFactors, prior: p.colorExtentPrior)
            let w = reported.width * pow(e.width, p.colorExtent), h = reported.height * pow(e.height, p.colorExtent)
            reported = BoxRect(centerX: reported.centerX, centerY: reported.centerY, width: w, height: h)
        }
        times.training += clock.lap()
        return TrackerStep(box: reported, sharpness: Double(sharpness), similarity: Double(similarity))
    }

    /// Learns the object's colours from `box` on `image`, a box a reviewer accepted: the colour
    /// model takes in the colours inside it as the object's and those around it as the
    /// surroundings', with the box's own width and height (`ColorModel.addExample`). Appearance
    /// only: where the run is and how big it tracks the object stay its own, so an accepted near
    /// miss does not reset the run. (Adding the accepted box to the translation filter too, at
    /// the filter's learning rate, made wakeboard10's review longer; see the README.)
    mutating func learnExample(_ image: RGBImage, box: BoxRect) {
        let p = parameters
        guard p.colorWeight > 0, p.exampleColorWeight > 0, box.width >= 1, box.height >= 1 else { return }
        var clock = StageClock()
        let k = (box.area / max(baseWidth * baseHeight, 1)).squareRoot()
        let sw = windowWidth * k, sh = windowHeight * k
        let patch = window(image, centerX: box.centerX, centerY: box.centerY, scale: k)
        colors.addExample(patch: patch, objectWidth: box.width / sw * Double(templateWidth),
                          objectHeight: box.height / sh * Double(templateHeight), weight: p.exampleColorWeight)
        times.training += clock.lap()
    }

    /// The model's window centred at (`centerX`, `centerY`) in `image`, `scale` times the seed
    /// window's size, sampled at the template's resolution.
    private func window(_ image: RGBImage, centerX: Double, centerY: Double, scale: Double) -> Patch {
        Patch(sampling: image, centerX: centerX, centerY: centerY, sourceWidth: windowWidth * scale,
              sourceHeight: windowHeight * scale, width: templateWidth, height: templateHeight)
    }

    /// The translation filter's answer to a window centred on `box` in `image` (no search).
    func response(at box: BoxRect, in image: RGBImage) -> Float {
        let k = (box.area / max(baseWidth * baseHeight, 1)).squareRoot()
        let patch = window(image, centerX: box.centerX, centerY: box.centerY, scale: k)
        let (zr, zi) = translationSpectrum(patch, learning: false)
        return correlate(numRe, numIm, den, zr, zi)[0]
    }

    /// The seed's never-updated filter (with the rejected boxes as hard negatives) scanned over a
    /// window centred at (`centerX`, `centerY`) in which the object is `scale` times the seed's
    /// size: a detector. Values are relative to the seed frame's own answer (1: looks like the
    /// seed), one per cell offset, laid out like a correlation response (offset 0 at index 0,
    /// negative offsets wrapped); `cellWidth` and `cellHeight` are a cell's size in source pixels.
    func seedResponse(in image: RGBImage, centerX: Double, centerY: Double, scale: Double)
        -> (values: [Float], gridWidth: Int, gridHeight: Int, cellWidth: Double, cellHeight: Double) {
        let sw = windowWidth * scale, sh = windowHeight * scale
        let patch = window(image, centerX: centerX, centerY: centerY, scale: scale)
        let (zr, zi) = translationSpectrum(patch, learning: false)
        var r = correlate(seedNumRe, seedNumIm, seedDen, zr, zi)
        let inverse = 1 / seedPeak
        r.withUnsafeMutableBufferPointer { v in
            for i in 0..<v.count { v[i] *= inverse }
        }
        return (r, grid.width, grid.height, sw / Double(templateWidth) * Double(parameters.cell),
                sh / Double(templateHeight) * Double(parameters.cell))
    }

    /// The seed box's size in source pixels, and the search window's.
    var seedSize: (width: Double, height: Double) { (baseWidth, baseHeight) }
    var windowSize: (width: Double, height: Double) { (windowWidth, windowHeight) }

    // MARK: - Translation filter

    /// Windowed features of a patch and their 2-D spectra, channel-major.
    private func translationSpectrum(_ patch: Patch, learning: Bool) -> ([Float], [Float]) {
        let cw = grid.width, chh = grid.height, plane = cw * chh
        var map = FeatureMap(width: cw, height: chh, channels: channels)
        FHOG.compute(patch, cell: parameters.cell, into: &map)
        FHOG.grayCells(patch, cell: parameters.cell, into: &map, channel: FHOG.channels)
        var re = map.values
        var im = [Float](repeating: 0, count: re.count)
        var scratch = [Float](repeating: 0, count: grid.scratchCount)
        let g = grid
        // Two real channels per complex transform: a in the real part, b in the imaginary part,
        // separated afterwards with the conjugate symmetry of real signals' spectra.
        precondition(channels % 2 == 0)
        (learning ? trainingWindow : cosine).withUnsafeBufferPointer { cos in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in
                    scratch.withUnsafeMutableBufferPointer { s in
                        for c in stride(from: 0, to: channels, by: 2) {
                            let a = r.baseAddress! + c * plane, b = r.baseAddress! + (c + 1) * plane
                            let ai = i.baseAddress! + c * plane, bi = i.baseAddress! + (c + 1) * plane
                            for j in 0..<plane {
                                a[j] *= cos[j]
                                ai[j] = b[j] * cos[j]
                            }
                            g.forward(re: a, im: ai, scratch: s.baseAddress!)
                            for kx in 0..<cw {
                                let nx = kx == 0 ? 0 : cw - kx
                                for ky in 0..<chh {
                                    let ny = ky == 0 ? 0 : chh - ky
                                    let k = g.spectrumIndex(kx, ky), n = g.spectrumIndex(nx, ny)
                                    if n < k { continue }
                                    let zr = a[k], zi = ai[k], nr = a[n], ni = ai[n]
                                    a[k] = 0.5 * (zr + nr); ai[k] = 0.5 * (zi - ni)
                                    b[k] = 0.5 * (zi + ni); bi[k] = -0.5 * (zr - nr)
                                    a[n] = a[k]; ai[n] = -ai[k]
                                    b[n] = b[k]; bi[n] = -bi[k]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (re, im)
    }

    /// Numerator conj(Y) X per channel and the shared denominator sum |X|^2.
    private func filterTerms(_ xr: [Float], _ xi: [Float]) -> ([Float], [Float], [Float]) {
        let plane = grid.width * grid.height
        var nr = [Float](repeating: 0, count: xr.count), ni = [Float](repeating: 0, count: xr.count)
        var d = [Float](repeating: 0, count: plane)
        for c in 0..<channels {
            for j in 0..<plane {
                let a = xr[c * plane + j], b = xi[c * plane + j]
                let yr = labelRe[j], yi = -labelIm[j]
                nr[c * plane + j] = yr * a - yi * b
                ni[c * plane + j] = yr * b + yi * a
                d[j] += a * a + b * b
            }
        }
        return (nr, ni, d)
    }

    /// Real spatial response of filter (num, den) to spectra z.
    private func correlate(_ nr: [Float], _ ni: [Float], _ d: [Float], _ zr: [Float], _ zi: [Float]) -> [Float] {
        let cw = grid.width, chh = grid.height, plane = cw * chh
        var sr = [Float](repeating: 0, count: plane), si = [Float](repeating: 0, count: plane)
        nr.withUnsafeBufferPointer { nr in
            ni.withUnsafeBufferPointer { ni in
                zr.withUnsafeBufferPointer { zr in
                    zi.withUnsafeBufferPointer { zi in
                        for c in 0..<channels {
                            let o = c * plane
                            for j in 0..<plane {
                                // conj(n) * z
                                sr[j] += nr[o + j] * zr[o + j] + ni[o + j] * zi[o + j]
                                si[j] += nr[o + j] * zi[o + j] - ni[o + j] * zr[o + j]
                            }
                        }
                    }
                }
            }
        }
        let lambda = parameters.lambda
        for j in 0..<plane {
            let s = 1 / (d[j] + negativeDen[j] + lambda)
            sr[j] *= s
            si[j] *= s
        }
        var scratch = [Float](repeating: 0, count: grid.scratchCount)
        let g = grid
        sr.withUnsafeMutableBufferPointer { r in
            si.withUnsafeMutableBufferPointer { i in
                scratch.withUnsafeMutableBufferPointer { s in
                    g.inverse(re: r.baseAddress!, im: i.baseAddress!, scratch: s.baseAddress!)
                }
            }
        }
        return sr
    }

    /// The seed filter's response at zero offset (and its four neighbours), relative to the seed frame.
    private func seedSimilarity(_ xr: [Float], _ xi: [Float]) -> Float {
        let r = correlate(seedNumRe, seedNumIm, seedDen, xr, xi)
        let cw = grid.width, chh = grid.height
        let peak = max(r[0], r[1], r[cw], r[cw - 1], r[(chh - 1) * cw])
        return peak / seedPeak
    }
}

// MARK: - Helpers

/// Seconds spent in each stage of propagation.
public struct StageTimes: Sendable, Hashable {
    /// Waiting for frames from the provider (decoding, when it decodes).
    public var frames = 0.0
    /// Colour signatures for scene cuts.
    public var sceneCuts = 0.0
    /// Sampling windows, fHOG, spectra.
    public var features = 0.0
    /// Building models from seeds and updating them.
    public var training = 0.0
    /// Correlation, colour response, peak and scale search.
    public var search = 0.0

    public init() {}

    public static func + (a: StageTimes, b: StageTimes) -> StageTimes {
        var t = a
        t.frames += b.frames
        t.sceneCuts += b.sceneCuts
        t.features += b.features
        t.training += b.training
        t.search += b.search
        return t
    }
}

/// A monotonic stopwatch: `lap()` returns the seconds since the previous lap.
struct StageClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now &- last) / 1e9
    }
}

func hann(_ n: Int) -> [Float] {
    guard n > 1 else { return [1] }
    return (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n - 1))) }
}

@inline(__always)
private func blend(_ model: inout [Float], _ sample: [Float], _ rate: Float) {
    model.withUnsafeMutableBufferPointer { m in
        sample.withUnsafeBufferPointer { s in
            for i in 0..<m.count { m[i] = (1 - rate) * m[i] + rate * s[i] }
        }
    }
}

/// Peak-to-sidelobe ratio: (peak - mean of the rest) / deviation of the rest, excluding a
/// square around the peak of a tenth of the grid.
func peakToSidelobe(_ r: [Float], width: Int, height: Int) -> Float {
    var best = 0
    for i in 1..<r.count where r[i] > r[best] { best = i }
    let py = best / width, px = best % width
    let ex = max(1, min(width, height) / 10)
    var sum: Double = 0, sum2: Double = 0, n = 0
    for y in 0..<height {
        var ddy = abs(y - py); ddy = min(ddy, height - ddy)
        for x in 0..<width {
            var ddx = abs(x - px); ddx = min(ddx, width - ddx)
            if ddy <= ex && ddx <= ex { continue }
            let v = Double(r[y * width + x])
            sum += v; sum2 += v * v; n += 1
        }
    }
    guard n > 1 else { return 0 }
    let mean = sum / Double(n)
    let sd = max(sum2 / Double(n) - mean * mean, 0).squareRoot()
    return Float((Double(r[best]) - mean) / (sd + 1e-6))
}
