import Foundation
import Imaging

/// A one-dimensional correlation filter over resampled copies of the object (DSST): each
/// column of its sample is the object's fHOG at one scale factor.
struct ScaleFilter: Sendable {
    let factors: [Double]
    let step: Double
    let learningRate: Float
    let lambda: Float
    /// Size in working pixels of the resampled object each column is computed from.
    let sampleWidth: Int, sampleHeight: Int
    private let window: [Float]
    /// cos and sin of 2π j k / S, S x S: a direct DFT, since S is small.
    private let dftCos: [Float], dftSin: [Float]
    private let labelRe: [Float], labelIm: [Float]
    private var numRe: [Float] = [], numIm: [Float] = [], den: [Float] = []

    /// `count` factors step^-(count/2) ... step^(count/2), a Gaussian label of width
    /// sqrt(count) * sigma steps, samples of about `area` working pixels with the object's shape.
    init(count: Int, step: Double, sigma: Double, learningRate: Float, lambda: Float,
         objectWidth: Double, objectHeight: Double, area: Double) {
        self.learningRate = learningRate
        self.step = step
        self.lambda = lambda
        var factors = [Double](), label = [Float]()
        let s = Double(count).squareRoot() * sigma
        for i in 0..<count {
            let o = Double(i - count / 2)
            factors.append(pow(step, o))
            label.append(Float(exp(-0.5 * o * o / (s * s))))
        }
        self.factors = factors
        window = hann(count)
        var c = [Float](repeating: 0, count: count * count), sn = c
        for a in 0..<count {
            for b in 0..<count {
                let t = 2 * Double.pi * Double((a * b) % count) / Double(count)
                c[a * count + b] = Float(cos(t))
                sn[a * count + b] = Float(sin(t))
            }
        }
        dftCos = c
        dftSin = sn
        var lr = [Float](repeating: 0, count: count), li = lr
        for k in 0..<count {
            for j in 0..<count {
                lr[k] += label[j] * c[j * count + k]
                li[k] -= label[j] * sn[j * count + k]
            }
        }
        labelRe = lr
        labelIm = li
        let k = (area / max(objectWidth * objectHeight, 1)).squareRoot()
        sampleWidth = max(8, Int((objectWidth * k / 4).rounded()) * 4)
        sampleHeight = max(8, Int((objectHeight * k / 4).rounded()) * 4)
    }

    /// Samples of the object of size `width x height` at (`centerX`, `centerY`), one per factor,
    /// transformed over the factors: feature-major rows of `factors.count` values.
    func sample(_ image: RGBImage, centerX: Double, centerY: Double, width: Double, height: Double) -> Spectrum {
        let count = factors.count
        let cw = sampleWidth / 4, ch = sampleHeight / 4
        let dims = cw * ch * FHOG.channels
        var columns = [Float](repeating: 0, count: dims * count)
        var map = FeatureMap(width: cw, height: ch, channels: FHOG.channels)
        for s in 0..<count {
            let patch = Patch(sampling: image, centerX: centerX, centerY: centerY,
                              sourceWidth: width * factors[s], sourceHeight: height * factors[s],
                              width: sampleWidth, height: sampleHeight)
            FHOG.compute(patch, cell: 4, into: &map)
            let weight = window[s]
            map.values.withUnsafeBufferPointer { v in
                columns.withUnsafeMutableBufferPointer { out in
                    for d in 0..<dims { out[d * count + s] = v[d] * weight }
                }
            }
        }
        var re = [Float](repeating: 0, count: dims * count), im = re
        columns.withUnsafeBufferPointer { x in
            dftCos.withUnsafeBufferPointer { c in
                dftSin.withUnsafeBufferPointer { sn in
                    re.withUnsafeMutableBufferPointer { o in
                        im.withUnsafeMutableBufferPointer { oi in
                            for d in 0..<dims {
                                let row = d * count
                                for j in 0..<count {
                                    let v = x[row + j]
                                    if v == 0 { continue }
                                    let cj = j * count
                                    for k in 0..<count {
                                        o[row + k] += v * c[cj + k]
                                        oi[row + k] -= v * sn[cj + k]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Spectrum(re: re, im: im)
    }

    struct Spectrum: Sendable {
        let re: [Float], im: [Float]
    }

    /// Learns `x`: replaces the model on the first sample, blends at `learningRate` afterwards.
    mutating func learn(_ x: Spectrum) {
        let count = factors.count
        let dims = x.re.count / count
        var nr = x.re, ni = x.im
        var d = [Float](repeating: 0, count: count)
        for k in 0..<dims {
            for s in 0..<count {
                let a = x.re[k * count + s], b = x.im[k * count + s]
                let yr = labelRe[s], yi = -labelIm[s]
                nr[k * count + s] = yr * a - yi * b
                ni[k * count + s] = yr * b + yi * a
                d[s] += a * a + b * b
            }
        }
        if den.isEmpty {
            (numRe, numIm, den) = (nr, ni, d)
        } else {
            let r = learningRate
            for i in 0..<nr.count {
                numRe[i] = (1 - r) * numRe[i] + r * nr[i]
                numIm[i] = (1 - r) * numIm[i] + r * ni[i]
            }
            for s in 0..<count { den[s] = (1 - r) * den[s] + r * d[s] }
        }
    }

    /// The size change that answers `z` best: the best factor, refined between its
    /// neighbours by a parabola through the three responses (in steps, on a log scale).
    func change(_ z: Spectrum, refine: Bool = true) -> Double {
        let count = factors.count
        let dims = z.re.count / count
        var sr = [Float](repeating: 0, count: count), si = sr
        for k in 0..<dims {
            for s in 0..<count {
                let o = k * count + s
                sr[s] += numRe[o] * z.re[o] + numIm[o] * z.im[o]
                si[s] += numRe[o] * z.im[o] - numIm[o] * z.re[o]
            }
        }
        for s in 0..<count {
            let q = 1 / (den[s] + lambda)
            sr[s] *= q
            si[s] *= q
        }
        var response = [Float](repeating: 0, count: count)
        var best = 0
        for j in 0..<count {
            var v: Float = 0
            for k in 0..<count { v += sr[k] * dftCos[j * count + k] - si[k] * dftSin[j * count + k] }
            response[j] = v
            if v > response[best] { best = j }
        }
        var offset = Double(best - count / 2)
        if refine && best > 0 && best < count - 1 {
            let a = response[best - 1], b = response[best], c = response[best + 1]
            let d = a - 2 * b + c
            if d < 0 { offset += Double(0.5 * (a - c) / d) }
        }
        return pow(step, offset)
    }
}
