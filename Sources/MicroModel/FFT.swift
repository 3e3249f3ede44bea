import Foundation

/// A complex FFT of one length whose prime factors are 2, 3 and 5 (mixed radix,
/// decimation in time). Twiddles are computed once; transforms work on split
/// real/imaginary buffers so feature channels can be transformed in place.
struct FFTPlan: Sendable {
    let count: Int
    let radices: [Int]
    /// cos and -sin of 2πj/count for j in 0..<count.
    let cosTable: [Float]
    let sinTable: [Float]

    /// Lengths this FFT accepts.
    static func isSupported(_ n: Int) -> Bool {
        guard n > 0 else { return false }
        var m = n
        for p in [2, 3, 5] { while m % p == 0 { m /= p } }
        return m == 1
    }

    /// The smallest supported length that is at least `n`, and even.
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
        self.radices = radices
        var c = [Float](repeating: 0, count: count)
        var s = [Float](repeating: 0, count: count)
        for j in 0..<count {
            let a = 2 * Double.pi * Double(j) / Double(count)
            c[j] = Float(cos(a))
            s[j] = Float(-sin(a))
        }
        cosTable = c
        sinTable = s
    }

    /// Forward transform of `count` values read with `stride` from `inRe/inIm`, written
    /// contiguously to `outRe/outIm` (which must not alias the input).
    func forward(inRe: UnsafePointer<Float>, inIm: UnsafePointer<Float>, stride: Int,
                 outRe: UnsafeMutablePointer<Float>, outIm: UnsafeMutablePointer<Float>) {
        cosTable.withUnsafeBufferPointer { ct in
            sinTable.withUnsafeBufferPointer { st in
                transform(level: 0, n: count, inRe: inRe, inIm: inIm, stride: stride,
                          outRe: outRe, outIm: outIm, ct: ct.baseAddress!, st: st.baseAddress!)
            }
        }
    }

    private func transform(level: Int, n: Int, inRe: UnsafePointer<Float>, inIm: UnsafePointer<Float>, stride: Int,
                           outRe: UnsafeMutablePointer<Float>, outIm: UnsafeMutablePointer<Float>,
                           ct: UnsafePointer<Float>, st: UnsafePointer<Float>) {
        if n == 1 {
            outRe[0] = inRe[0]
            outIm[0] = inIm[0]
            return
        }
        let p = radices[level]
        let m = n / p
        for q in 0..<p {
            transform(level: level + 1, n: m, inRe: inRe + q * stride, inIm: inIm + q * stride, stride: stride * p,
                      outRe: outRe + q * m, outIm: outIm + q * m, ct: ct, st: st)
        }
        // Twiddle step of this level: W_n^x = W_count^(x * count / n).
        let scale = count / n
        let full = count
        var tr = (Float(0), Float(0), Float(0), Float(0), Float(0))
        var ti = (Float(0), Float(0), Float(0), Float(0), Float(0))
        for k in 0..<m {
            // t_q = W_n^(q k) * Y_q[k]
            for q in 0..<p {
                let yr = outRe[q * m + k], yi = outIm[q * m + k]
                let idx = (q * k * scale) % full
                let wr = ct[idx], wi = st[idx]
                let r = yr * wr - yi * wi
                let i = yr * wi + yi * wr
                switch q {
                case 0: tr.0 = r; ti.0 = i
                case 1: tr.1 = r; ti.1 = i
                case 2: tr.2 = r; ti.2 = i
                case 3: tr.3 = r; ti.3 = i
                default: tr.4 = r; ti.4 = i
                }
            }
            switch p {
            case 2:
                outRe[k] = tr.0 + tr.1; outIm[k] = ti.0 + ti.1
                outRe[k + m] = tr.0 - tr.1; outIm[k + m] = ti.0 - ti.1
            case 4:
                // Butterfly with W_4 = -i.
                let ar = tr.0 + tr.2, ai = ti.0 + ti.2
                let br = tr.0 - tr.2, bi = ti.0 - ti.2
                let cr = tr.1 + tr.3, ci = ti.1 + ti.3
                let dr = tr.1 - tr.3, di = ti.1 - ti.3
                outRe[k] = ar + cr; outIm[k] = ai + ci
                outRe[k + m] = br + di; outIm[k + m] = bi - dr
                outRe[k + 2 * m] = ar - cr; outIm[k + 2 * m] = ai - ci
                outRe[k + 3 * m] = br - di; outIm[k + 3 * m] = bi + dr
            default:
                // Generic small radix: X[k + m r] = sum_q t_q W_p^(q r).
                let step = count / p
                for r in 0..<p {
                    var sr: Float = 0, si: Float = 0
                    for q in 0..<p {
                        let idx = ((q * r) % p) * step
                        let wr = ct[idx], wi = st[idx]
                        let xr: Float, xi: Float
                        switch q {
                        case 0: xr = tr.0; xi = ti.0
                        case 1: xr = tr.1; xi = ti.1
                        case 2: xr = tr.2; xi = ti.2
                        case 3: xr = tr.3; xi = ti.3
                        default: xr = tr.4; xi = ti.4
                        }
                        sr += xr * wr - xi * wi
                        si += xr * wi + xi * wr
                    }
                    outRe[k + m * r] = sr
                    outIm[k + m * r] = si
                }
            }
        }
    }
}

/// A 2-D FFT over `height` rows of `width` complex values, row-major split buffers.
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

    /// In-place forward (or inverse, scaled by 1/(w h)) transform of one plane.
    /// `scratch` must hold at least 4 * max(width, height) floats.
    func transform(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, inverse: Bool,
                   scratch: UnsafeMutablePointer<Float>) {
        let n = width * height
        if inverse { for i in 0..<n { im[i] = -im[i] } }
        let longest = max(width, height)
        let aRe = scratch, aIm = scratch + longest, bRe = scratch + 2 * longest, bIm = scratch + 3 * longest
        for y in 0..<height {
            let r = re + y * width, i = im + y * width
            rows.forward(inRe: r, inIm: i, stride: 1, outRe: bRe, outIm: bIm)
            r.update(from: bRe, count: width)
            i.update(from: bIm, count: width)
        }
        for x in 0..<width {
            columns.forward(inRe: re + x, inIm: im + x, stride: width, outRe: aRe, outIm: aIm)
            for y in 0..<height {
                re[y * width + x] = aRe[y]
                im[y * width + x] = aIm[y]
            }
        }
        if inverse {
            let s = 1 / Float(n)
            for i in 0..<n {
                re[i] *= s
                im[i] = -im[i] * s
            }
        }
    }
}

/// A 1-D transform over a contiguous buffer (used by the scale filter).
extension FFTPlan {
    func transformInPlace(re: UnsafeMutablePointer<Float>, im: UnsafeMutablePointer<Float>, inverse: Bool,
                          scratch: UnsafeMutablePointer<Float>) {
        let n = count
        if inverse { for i in 0..<n { im[i] = -im[i] } }
        forward(inRe: re, inIm: im, stride: 1, outRe: scratch, outIm: scratch + n)
        re.update(from: scratch, count: n)
        im.update(from: scratch + n, count: n)
        if inverse {
            let s = 1 / Float(n)
            for i in 0..<n {
                re[i] *= s
                im[i] = -im[i] * s
            }
        }
    }
}
