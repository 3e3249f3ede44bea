import Foundation
import Imaging

/// A one-dimensional correlation filter over resampled copies of the object (DSST): a sample is
/// the object's fHOG at every scale factor, and the filter answers which factor fits best.
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
    /// transformed over the factors. Frequency-major: frequency k's features are the contiguous
    /// row k; only frequencies 0...count/2 are kept, the rest being their conjugates (the
    /// samples are real).
    func sample(_ image: RGBImage, centerX: Double, centerY: Double, width: Double, height: Double) -> Spectrum {
        let count = factors.count, half = count / 2 + 1
        let cw = sampleWidth / 4, ch = sampleHeight / 4
        let dims = cw * ch * FHOG.channels
        var rows = [Float](repeating: 0, count: dims * count)
        var map = FeatureMap(width: cw, height: ch, channels: FHOG.channels)
        for s in 0..<count {
            let patch = Patch(sampling: image, centerX: centerX, centerY: centerY,
                              sourceWidth: width * factors[s], sourceHeight: height * factors[s],
                              width: sampleWidth, height: sampleHeight)
            FHOG.compute(patch, cell: 4, into: &map)
            let weight = window[s]
            map.values.withUnsafeBufferPointer { v in
                rows.withUnsafeMutableBufferPointer { out in
                    for d in 0..<dims { out[s * dims + d] = v[d] * weight }
                }
            }
        }
        var re = [Float](repeating: 0, count: dims * half), im = re
        rows.withUnsafeBufferPointer { x in
            re.withUnsafeMutableBufferPointer { o in
                im.withUnsafeMutableBufferPointer { oi in
                    for k in 0..<half {
                        let outRe = o.baseAddress! + k * dims, outIm = oi.baseAddress! + k * dims
                        for j in 0..<count {
                            let c = dftCos[j * count + k], sn = dftSin[j * count + k]
                            let row = x.baseAddress! + j * dims
                            for d in 0..<dims {
                                outRe[d] += row[d] * c
                                outIm[d] -= row[d] * sn
                            }
                        }
                    }
                }
            }
        }
        return Spectrum(re: re, im: im, dims: dims)
    }

    struct Spectrum: Sendable {
        let re: [Float], im: [Float]
        let dims: Int
    }

    /// Learns `x`: replaces the model on the first sample, blends at `learningRate` afterwards.
    mutating func learn(_ x: Spectrum) {
        let half = factors.count / 2 + 1, dims = x.dims
        var nr = x.re, ni = x.im
        var d = [Float](repeating: 0, count: half)
        x.re.withUnsafeBufferPointer { a in
            x.im.withUnsafeBufferPointer { b in
                nr.withUnsafeMutableBufferPointer { nr in
                    ni.withUnsafeMutableBufferPointer { ni in
                        for k in 0..<half {
                            let yr = labelRe[k], yi = -labelIm[k]
                            var energy: Float = 0
                            let o = k * dims
                            let ar = a.baseAddress! + o, bi = b.baseAddress! + o
                            let outRe = nr.baseAddress! + o, outIm = ni.baseAddress! + o
                            for j in 0..<dims {
                                outRe[j] = yr * ar[j] - yi * bi[j]
                                outIm[j] = yr * bi[j] + yi * ar[j]
                                energy += ar[j] * ar[j] + bi[j] * bi[j]
                            }
                            d[k] = energy
                        }
                    }
                }
            }
        }
        if den.isEmpty {
            (numRe, numIm, den) = (nr, ni, d)
        } else {
            let r = learningRate
            numRe.withUnsafeMutableBufferPointer { m in
                numIm.withUnsafeMutableBufferPointer { mi in
                    for i in 0..<m.count {
                        m[i] = (1 - r) * m[i] + r * nr[i]
                        mi[i] = (1 - r) * mi[i] + r * ni[i]
                    }
                }
            }
            for k in 0..<half { den[k] = (1 - r) * den[k] + r * d[k] }
        }
    }

    /// The size change that answers `z` best: the best factor, refined between its
    /// neighbours by a parabola through the three responses (in steps, on a log scale).
    func change(_ z: Spectrum, refine: Bool = true) -> Double {
        let count = factors.count, half = count / 2 + 1, dims = z.dims
        // The response's spectrum on frequencies 0...count/2; the others are their conjugates.
        var sr = [Float](repeating: 0, count: count), si = sr
        numRe.withUnsafeBufferPointer { nr in
            numIm.withUnsafeBufferPointer { ni in
                z.re.withUnsafeBufferPointer { zr in
                    z.im.withUnsafeBufferPointer { zi in
                        for k in 0..<half {
                            var a: Float = 0, b: Float = 0
                            let o = k * dims
                            let hr = nr.baseAddress! + o, hi = ni.baseAddress! + o
                            let xr = zr.baseAddress! + o, xi = zi.baseAddress! + o
                            for j in 0..<dims {
                                a += hr[j] * xr[j] + hi[j] * xi[j]
                                b += hr[j] * xi[j] - hi[j] * xr[j]
                            }
                            let q = 1 / (den[k] + lambda)
                            sr[k] = a * q
                            si[k] = b * q
                        }
                    }
                }
            }
        }
        for k in half..<count {
            sr[k] = sr[count - k]
            si[k] = -si[count - k]
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
