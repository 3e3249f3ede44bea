import XCTest
@testable import MicroModel

final class FFTTests: XCTestCase {
    /// Each supported length agrees with a direct DFT.
    func testMatchesDirectDFT() {
        for n in [2, 3, 4, 5, 6, 8, 12, 15, 16, 20, 30, 32, 48, 60] {
            let plan = FFTPlan(count: n)
            let re = (0..<n).map { Float(sin(Double($0) * 1.3) + Double($0 % 3)) }
            let im = (0..<n).map { Float(cos(Double($0) * 0.7)) }
            var outRe = re, outIm = im
            var workRe = re, workIm = im
            plan.transform(re: &outRe, im: &outIm, batch: 1, workRe: &workRe, workIm: &workIm, inverse: false)
            for k in 0..<n {
                var sr = 0.0, si = 0.0
                for j in 0..<n {
                    let a = -2 * Double.pi * Double(j * k) / Double(n)
                    sr += Double(re[j]) * cos(a) - Double(im[j]) * sin(a)
                    si += Double(re[j]) * sin(a) + Double(im[j]) * cos(a)
                }
                XCTAssertEqual(Double(outRe[k]), sr, accuracy: 1e-3, "n=\(n) k=\(k)")
                XCTAssertEqual(Double(outIm[k]), si, accuracy: 1e-3, "n=\(n) k=\(k)")
            }
        }
    }

    /// Forward then inverse 2-D transform gives the input back.
    func testTwoDimensionalRoundTrip() {
        let fft = FFT2D(width: 20, height: 12)
        let input = (0..<240).map { Float(($0 * 37) % 11) - 5 }
        var re = input, im = [Float](repeating: 0, count: 240)
        var scratch = [Float](repeating: 0, count: fft.scratchCount)
        fft.forward(re: &re, im: &im, scratch: &scratch)
        XCTAssertNotEqual(re, input)
        fft.inverse(re: &re, im: &im, scratch: &scratch)
        for i in 0..<240 {
            XCTAssertEqual(re[i], input[i], accuracy: 1e-4)
            XCTAssertEqual(im[i], 0, accuracy: 1e-4)
        }
    }

    /// The transposed 2-D spectrum matches a direct 2-D DFT.
    func testTwoDimensionalMatchesDirectDFT() {
        let w = 6, h = 4
        let fft = FFT2D(width: w, height: h)
        let input = (0..<(w * h)).map { Float(sin(Double($0) * 0.9)) }
        var re = input, im = [Float](repeating: 0, count: w * h)
        var scratch = [Float](repeating: 0, count: fft.scratchCount)
        fft.forward(re: &re, im: &im, scratch: &scratch)
        for ky in 0..<h {
            for kx in 0..<w {
                var sr = 0.0, si = 0.0
                for y in 0..<h {
                    for x in 0..<w {
                        let a = -2 * Double.pi * (Double(kx * x) / Double(w) + Double(ky * y) / Double(h))
                        sr += Double(input[y * w + x]) * cos(a)
                        si += Double(input[y * w + x]) * sin(a)
                    }
                }
                XCTAssertEqual(Double(re[fft.spectrumIndex(kx, ky)]), sr, accuracy: 1e-3)
                XCTAssertEqual(Double(im[fft.spectrumIndex(kx, ky)]), si, accuracy: 1e-3)
            }
        }
    }

    func testGoodSizes() {
        XCTAssertEqual(FFTPlan.goodSize(atLeast: 31), 32)
        XCTAssertEqual(FFTPlan.goodSize(atLeast: 17), 18)
        XCTAssertEqual(FFTPlan.goodSize(atLeast: 44), 48)
        XCTAssertFalse(FFTPlan.isSupported(14))
    }
}

final class FHOGTests: XCTestCase {
    func testAngleMatchesAtan2() {
        for i in 0..<720 {
            let t = Double(i) * Double.pi / 360 - Double.pi + 0.001
            let (y, x) = (Float(sin(t) * 3), Float(cos(t) * 3))
            XCTAssertEqual(FHOG.angle(y, x), atan2f(y, x), accuracy: 1e-4)
        }
        XCTAssertEqual(FHOG.angle(0, 0), 0)
    }
}
