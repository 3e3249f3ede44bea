import XCTest
@testable import MicroModel

final class FFTTests: XCTestCase {
    /// Each supported length agrees with a direct DFT.
    func testMatchesDirectDFT() {
        for n in [2, 3, 4, 5, 6, 8, 12, 15, 16, 20, 30, 32, 48, 60] {
            let plan = FFTPlan(count: n)
            let re = (0..<n).map { Float(sin(Double($0) * 1.3) + Double($0 % 3)) }
            let im = (0..<n).map { Float(cos(Double($0) * 0.7)) }
            var outRe = [Float](repeating: 0, count: n), outIm = [Float](repeating: 0, count: n)
            re.withUnsafeBufferPointer { r in
                im.withUnsafeBufferPointer { i in
                    plan.forward(inRe: r.baseAddress!, inIm: i.baseAddress!, stride: 1,
                                 outRe: &outRe, outIm: &outIm)
                }
            }
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
        var scratch = [Float](repeating: 0, count: 80)
        fft.transform(re: &re, im: &im, inverse: false, scratch: &scratch)
        XCTAssertNotEqual(re, input)
        fft.transform(re: &re, im: &im, inverse: true, scratch: &scratch)
        for i in 0..<240 {
            XCTAssertEqual(re[i], input[i], accuracy: 1e-4)
            XCTAssertEqual(im[i], 0, accuracy: 1e-4)
        }
    }

    func testGoodSizes() {
        XCTAssertEqual(FFTPlan.goodSize(atLeast: 31), 32)
        XCTAssertEqual(FFTPlan.goodSize(atLeast: 17), 18)
        XCTAssertEqual(FFTPlan.goodSize(atLeast: 44), 48)
        XCTAssertFalse(FFTPlan.isSupported(14))
    }
}
