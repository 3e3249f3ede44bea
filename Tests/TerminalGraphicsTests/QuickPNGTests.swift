import Foundation
import Imaging
@testable import TerminalGraphics
import XCTest

/// The fast PNG kitty pictures use on fast links: every decoder must read back the exact pixels.
final class QuickPNGTests: XCTestCase {
    func testVideoFrameDecodesBackExactlyWithLibpngAndOurReader() throws {
        let frame = try TestImages.bunnyCrop()
        let png = QuickPNG.encode(frame)
        XCTAssertEqual(try ImageCodec.decode(Data(png)), frame)
        XCTAssertEqual(try TestImages.readPNG(Data(png)), frame)
        // A video frame shrinks: far under the raw pixels.
        XCTAssertLessThan(png.count, frame.pixels.count * 3 / 4, "\(png.count) bytes for \(frame.pixels.count) raw")
    }

    func testImagesSpanningManyBlocksAndLongRunsRoundTrip() throws {
        // 700x400x3 is several deflate blocks; flat areas make runs longer than a match can be
        // and runs that cross block ends; noise makes literals of every value.
        var image = TestImages.synthetic(width: 700, height: 400)
        var seed: UInt32 = 12345
        for y in 200..<260 {
            for x in 0..<700 {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                image[x, y] = RGB(UInt8(truncatingIfNeeded: seed >> 24), UInt8(truncatingIfNeeded: seed >> 16), UInt8(truncatingIfNeeded: seed >> 8))
            }
        }
        let png = QuickPNG.encode(image)
        XCTAssertEqual(try ImageCodec.decode(Data(png)), image)
        let flat = RGBImage(width: 900, height: 300)
        let flatPNG = QuickPNG.encode(flat)
        XCTAssertEqual(try ImageCodec.decode(Data(flatPNG)), flat)
        XCTAssertLessThan(flatPNG.count, 10_000, "a black picture is nearly all runs")
    }

    func testTinyAndOneColourImagesRoundTrip() throws {
        for (w, h) in [(1, 1), (2, 1), (1, 3), (5, 5)] {
            var image = RGBImage(width: w, height: h)
            if w * h > 1 { image[0, 0] = RGB(9, 200, 31) }
            XCTAssertEqual(try ImageCodec.decode(Data(QuickPNG.encode(image))), image, "\(w)x\(h)")
        }
    }

    func testDeflateStreamInflatesWithZlib() throws {
        var bytes: [UInt8] = []
        for i in 0..<300_000 { bytes.append(i % 1000 < 400 ? 7 : UInt8(truncatingIfNeeded: i &* 31 ^ i >> 3)) }
        let stream = QuickPNG.zlibStream(bytes)
        XCTAssertEqual(try TestImages.inflate(stream, expected: bytes.count), bytes)
    }

    func testHuffmanLengthsRespectTheLimitAndFormACompleteCode() {
        // Fibonacci weights make the deepest possible tree.
        var weights = [1, 1]
        while weights.count < 40 { weights.append(weights[weights.count - 1] + weights[weights.count - 2]) }
        let code = HuffmanCode(frequencies: weights, limit: 15)
        XCTAssertLessThanOrEqual(code.lengths.max()!, 15)
        let kraft = code.lengths.filter { $0 > 0 }.reduce(0.0) { $0 + pow(2, -Double($1)) }
        XCTAssertEqual(kraft, 1, accuracy: 1e-12)
        let lone = HuffmanCode(frequencies: [0, 0, 5, 0], limit: 7)
        XCTAssertEqual(lone.lengths.filter { $0 > 0 }.count, 2)
    }

    func testKittyQuickPayloadIsAPNGTheTerminalReads() throws {
        let frame = try TestImages.bunnyCrop()
        let bytes = try KittyImages.transmit(frame, id: 3, payload: .quickPNG)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{1B}_Ga=t,f=100,i=3,q=2"), String(text.prefix(30)))
        let payload = text.components(separatedBy: "\u{1B}\\").compactMap { $0.split(separator: ";", maxSplits: 1).dropFirst().first }.joined()
        XCTAssertEqual(try ImageCodec.decode(Data(base64Encoded: payload)!), frame)
    }
}
