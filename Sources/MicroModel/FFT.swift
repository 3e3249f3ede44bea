import Foundation

/// A complex FFT of one length whose prime factors are 2, 3 and 5: Stockham autosort stages
/// (radix 4, 2, 3, 5), twiddles computed once. Works on split real/imaginary buffers and on a
/// batch of interleaved transforms at once: element j of transform b sits at `j * batch + b`,
/// so the columns of a row-major matrix are transformed in one call with unit-stride inner loops.
struct FFTPlan: Sendable {
    let count: Int
    private let stages: [Stage]

    private struct Stage: Sendable {
        let radix: Int
        /// Length of the sub-transforms this stage splits (n), and the stride so far (s).
        let length: Int
        let stride: Int
        /// W_length^(p k) for p in 0..<length/radix, k in 1..<radix: index p * (radix - 1) + k - 1.
        let twiddleRe: [Float]
        let twiddleIm: [Float]
        /// W_radix^(j k), radix x radix, for the generic butterflies.
        let rootRe: [Float]
        let rootIm: [Float]
    }

    /// Lengths this FFT accepts.
    static func isSupported(_ n: Int) -> Bool {
        guard n > 0 else { return false }
        var m = n
        for p in [2, 3, 5] { while m % p == 0 { m /= p } }
        return m == 1
    }

    /// The smallest supported even length that is at least `n`.
    static func goodSize(atLeast n: Int) -> Int {
        var m = max(2, n + (n & 1))
        while !isSupported(m) { m += 2 }
        return m
    }

    init(count: Int) {
        precondition(FFTPlan.isSupported(count), "FFT length \(count) has a prime factor above 5")
        self.count = count
        var radices: [Int] = []
        var m = count
        for p in [4, 2, 3, 5] { while m % p == 0 { radices.append(p); m /= p } }
        var stages: [Stage] = []
        var n = count, s = 1
        for r in radices {
            let sub = n / r
            var tr = [Float](), ti = [Float]()
            for p in 0..<sub {
                for k in 1..<r {
                    let a = -2 * Double.pi * Double(p * k) / Double(n)
                    tr.append(Float(cos(a)))
                    ti.append(Float(sin(a)))
                }
            }
            var rr = [Float](), ri = [Float]()
            for j in 0..<r {
                for k in 0..<r {
                    let a = -2 * Double.pi * Double((j * k) % r) / Double(r)
                    rr.append(Float(cos(a)))
                    ri.append(Float(sin(a)))
                }
            }
            stages.append(Stage(radix: r, length: n, stride: s, twiddleRe: tr, twiddleIm: ti, rootRe: rr, rootIm: ri))
            n = sub
            s *= r
        }
        self.stages = stages
    }

    /// Transforms `batch` interleaved sequences in place in (re, im); (workRe, workIm) must hold
    /// `count * batch` floats each. Forward unless `inverse` (then scaled by 1/count).
    func transform(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, batch: Int,
                   workRe: UnsafeMutablePointer<Float>, workIm: UnsafeMutablePointer<Float>, inverse: Bool) {
        let total = count * batch
        if inverse { for i in 0..<total { im[i] = -im[i] } }
        var xr = re, xi = im, yr = workRe, yi = workIm
        for stage in stages {
            run(stage, xr, xi, yr, yi, batch)
            swap(&xr, &yr)
            swap(&xi, &yi)
        }
        if xr != re {
            re.update(from: xr, count: total)
            im.update(from: xi, count: total)
        }
        if inverse {
            let scale = 1 / Float(count)
            for i in 0..<total {
                re[i] *= scale
                im[i] = -im[i] * scale
            }
        }
    }

    /// One Stockham stage: y[(s (r p + k) + q)] = (sum_j x[s (p + j m) + q] W_r^(j k)) W_n^(p k).
    private func run(_ st: Stage, _ xr: UnsafeMutablePointer<Float>, _ xi: UnsafeMutablePointer<Float>,
                     _ yr: UnsafeMutablePointer<Float>, _ yi: UnsafeMutablePointer<Float>, _ batch: Int) {
        let r = st.radix, m = st.length / r, s = st.stride
        let inner = s * batch  // contiguous run of (q, b) pairs
        st.twiddleRe.withUnsafeBufferPointer { twr in
            st.twiddleIm.withUnsafeBufferPointer { twi in
                for p in 0..<m {
                    let tw = p * (r - 1)
                    switch r {
                    case 2:
                        let w1r = twr[tw], w1i = twi[tw]
                        let a = xr + p * inner, ai = xi + p * inner
                        let b = xr + (p + m) * inner, bi = xi + (p + m) * inner
                        let o0 = yr + (2 * p) * inner, o0i = yi + (2 * p) * inner
                        let o1 = yr + (2 * p + 1) * inner, o1i = yi + (2 * p + 1) * inner
                        for e in 0..<inner {
                            let dr = a[e] - b[e], di = ai[e] - bi[e]
                            o0[e] = a[e] + b[e]
                            o0i[e] = ai[e] + bi[e]
                            o1[e] = dr * w1r - di * w1i
                            o1i[e] = dr * w1i + di * w1r
                        }
                    case 4:
                        let w1r = twr[tw], w1i = twi[tw], w2r = twr[tw + 1], w2i = twi[tw + 1]
                        let w3r = twr[tw + 2], w3i = twi[tw + 2]
                        let x0 = xr + p * inner, x0i = xi + p * inner
                        let x1 = xr + (p + m) * inner, x1i = xi + (p + m) * inner
                        let x2 = xr + (p + 2 * m) * inner, x2i = xi + (p + 2 * m) * inner
                        let x3 = xr + (p + 3 * m) * inner, x3i = xi + (p + 3 * m) * inner
                        let y0 = yr + (4 * p) * inner, y0i = yi + (4 * p) * inner
                        let y1 = yr + (4 * p + 1) * inner, y1i = yi + (4 * p + 1) * inner
                        let y2 = yr + (4 * p + 2) * inner, y2i = yi + (4 * p + 2) * inner
                        let y3 = yr + (4 * p + 3) * inner, y3i = yi + (4 * p + 3) * inner
                        for e in 0..<inner {
                            let ar = x0[e] + x2[e], ai = x0i[e] + x2i[e]
                            let br = x0[e] - x2[e], bi = x0i[e] - x2i[e]
                            let cr = x1[e] + x3[e], ci = x1i[e] + x3i[e]
                            let dr = x1[e] - x3[e], di = x1i[e] - x3i[e]
                            y0[e] = ar + cr
                            y0i[e] = ai + ci
                            // k = 1: b - i d
                            let t1r = br + di, t1i = bi - dr
                            y1[e] = t1r * w1r - t1i * w1i
                            y1i[e] = t1r * w1i + t1i * w1r
                            let t2r = ar - cr, t2i = ai - ci
                            y2[e] = t2r * w2r - t2i * w2i
                            y2i[e] = t2r * w2i + t2i * w2r
                            // k = 3: b + i d
                            let t3r = br - di, t3i = bi + dr
                            y3[e] = t3r * w3r - t3i * w3i
                            y3i[e] = t3r * w3i + t3i * w3r
                        }
                    case 3:
                        let w1r = twr[tw], w1i = twi[tw], w2r = twr[tw + 1], w2i = twi[tw + 1]
                        let sn: Float = 0.866_025_4  // sin(2π/3)
                        let x0 = xr + p * inner, x0i = xi + p * inner
                        let x1 = xr + (p + m) * inner, x1i = xi + (p + m) * inner
                        let x2 = xr + (p + 2 * m) * inner, x2i = xi + (p + 2 * m) * inner
                        let y0 = yr + (3 * p) * inner, y0i = yi + (3 * p) * inner
                        let y1 = yr + (3 * p + 1) * inner, y1i = yi + (3 * p + 1) * inner
                        let y2 = yr + (3 * p + 2) * inner, y2i = yi + (3 * p + 2) * inner
                        for e in 0..<inner {
                            let tr = x1[e] + x2[e], ti = x1i[e] + x2i[e]
                            let br = x0[e] - 0.5 * tr, bi = x0i[e] - 0.5 * ti
                            let dr = sn * (x1[e] - x2[e]), di = sn * (x1i[e] - x2i[e])
                            y0[e] = x0[e] + tr
                            y0i[e] = x0i[e] + ti
                            let u1r = br + di, u1i = bi - dr
                            y1[e] = u1r * w1r - u1i * w1i
                            y1i[e] = u1r * w1i + u1i * w1r
                            let u2r = br - di, u2i = bi + dr
                            y2[e] = u2r * w2r - u2i * w2i
                            y2i[e] = u2r * w2i + u2i * w2r
                        }
                    case 5:
                        let c1: Float = 0.309_017, c2: Float = -0.809_017  // cos(2π/5), cos(4π/5)
                        let s1: Float = 0.951_056_5, s2: Float = 0.587_785_3  // sin(2π/5), sin(4π/5)
                        let w1r = twr[tw], w1i = twi[tw], w2r = twr[tw + 1], w2i = twi[tw + 1]
                        let w3r = twr[tw + 2], w3i = twi[tw + 2], w4r = twr[tw + 3], w4i = twi[tw + 3]
                        let x0 = xr + p * inner, x0i = xi + p * inner
                        let x1 = xr + (p + m) * inner, x1i = xi + (p + m) * inner
                        let x2 = xr + (p + 2 * m) * inner, x2i = xi + (p + 2 * m) * inner
                        let x3 = xr + (p + 3 * m) * inner, x3i = xi + (p + 3 * m) * inner
                        let x4 = xr + (p + 4 * m) * inner, x4i = xi + (p + 4 * m) * inner
                        let y0 = yr + (5 * p) * inner, y0i = yi + (5 * p) * inner
                        let y1 = yr + (5 * p + 1) * inner, y1i = yi + (5 * p + 1) * inner
                        let y2 = yr + (5 * p + 2) * inner, y2i = yi + (5 * p + 2) * inner
                        let y3 = yr + (5 * p + 3) * inner, y3i = yi + (5 * p + 3) * inner
                        let y4 = yr + (5 * p + 4) * inner, y4i = yi + (5 * p + 4) * inner
                        for e in 0..<inner {
                            let t1r = x1[e] + x4[e], t1i = x1i[e] + x4i[e]
                            let t2r = x2[e] + x3[e], t2i = x2i[e] + x3i[e]
                            let t3r = x1[e] - x4[e], t3i = x1i[e] - x4i[e]
                            let t4r = x2[e] - x3[e], t4i = x2i[e] - x3i[e]
                            y0[e] = x0[e] + t1r + t2r
                            y0i[e] = x0i[e] + t1i + t2i
                            let b1r = x0[e] + c1 * t1r + c2 * t2r, b1i = x0i[e] + c1 * t1i + c2 * t2i
                            let b2r = x0[e] + c2 * t1r + c1 * t2r, b2i = x0i[e] + c2 * t1i + c1 * t2i
                            let d1r = s1 * t3r + s2 * t4r, d1i = s1 * t3i + s2 * t4i
                            let d2r = s2 * t3r - s1 * t4r, d2i = s2 * t3i - s1 * t4i
                            // y1 = b1 - i d1, y4 = b1 + i d1, y2 = b2 - i d2, y3 = b2 + i d2
                            let u1r = b1r + d1i, u1i = b1i - d1r
                            let u4r = b1r - d1i, u4i = b1i + d1r
                            let u2r = b2r + d2i, u2i = b2i - d2r
                            let u3r = b2r - d2i, u3i = b2i + d2r
                            y1[e] = u1r * w1r - u1i * w1i
                            y1i[e] = u1r * w1i + u1i * w1r
                            y2[e] = u2r * w2r - u2i * w2i
                            y2i[e] = u2r * w2i + u2i * w2r
                            y3[e] = u3r * w3r - u3i * w3i
                            y3i[e] = u3r * w3i + u3i * w3r
                            y4[e] = u4r * w4r - u4i * w4i
                            y4i[e] = u4r * w4i + u4i * w4r
                        }
                    default:
                        st.rootRe.withUnsafeBufferPointer { rr in
                            st.rootIm.withUnsafeBufferPointer { ri in
                                for k in 0..<r {
                                    let wr: Float = k == 0 ? 1 : twr[tw + k - 1]
                                    let wi: Float = k == 0 ? 0 : twi[tw + k - 1]
                                    let out = yr + (r * p + k) * inner, outi = yi + (r * p + k) * inner
                                    for e in 0..<inner {
                                        var sr: Float = 0, si: Float = 0
                                        for j in 0..<r {
                                            let v = xr[(p + j * m) * inner + e], vi = xi[(p + j * m) * inner + e]
                                            let cr = rr[j * r + k], ci = ri[j * r + k]
                                            sr += v * cr - vi * ci
                                            si += v * ci + vi * cr
                                        }
                                        out[e] = sr * wr - si * wi
                                        outi[e] = sr * wi + si * wr
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A 2-D FFT over `height` rows of `width` complex values, row-major split buffers.
/// Both passes run as batched column transforms; in between the plane is transposed, so the
/// spectrum is stored transposed (frequency (kx, ky) at `kx * height + ky`). Everything that
/// multiplies spectra element-wise is indifferent to that, and `inverse` undoes it.
struct FFT2D: Sendable {
    let width: Int
    let height: Int
    let rows: FFTPlan
    let columns: FFTPlan

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rows = FFTPlan(count: width)
        columns = height == width ? rows : FFTPlan(count: height)
    }

    /// Floats of scratch `forward` and `inverse` need.
    var scratchCount: Int { 2 * width * height }

    /// Index of the spectrum element of frequency (kx, ky).
    @inline(__always) func spectrumIndex(_ kx: Int, _ ky: Int) -> Int { kx * height + ky }

    /// Spatial plane (row-major) to transposed spectrum, in place.
    func forward(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let n = width * height
        let wr = scratch, wi = scratch + n
        columns.transform(re: re, im: im, batch: width, workRe: wr, workIm: wi, inverse: false)
        transpose(re, im, rows: height, columns: width, wr, wi)
        rows.transform(re: re, im: im, batch: height, workRe: wr, workIm: wi, inverse: false)
    }

    /// Transposed spectrum to spatial plane (row-major), in place, scaled by 1/(w h).
    func inverse(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let n = width * height
        let wr = scratch, wi = scratch + n
        rows.transform(re: re, im: im, batch: height, workRe: wr, workIm: wi, inverse: true)
        transpose(re, im, rows: width, columns: height, wr, wi)
        columns.transform(re: re, im: im, batch: width, workRe: wr, workIm: wi, inverse: true)
    }

    private func transpose(_ re: UnsafeMutablePointer<Float>, _ im: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                           _ wr: UnsafeMutablePointer<Float>, _ wi: UnsafeMutablePointer<Float>) {
        for y in 0..<rows {
            for x in 0..<columns {
                wr[x * rows + y] = re[y * columns + x]
                wi[x * rows + y] = im[y * columns + x]
            }
        }
        re.update(from: wr, count: rows * columns)
        im.update(from: wi, count: rows * columns)
    }
}
