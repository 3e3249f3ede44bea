import Foundation
import XCTest
@testable import Imaging
import TestSupport

/// Small files whose headers claim huge images are refused from the header, before any pixel
/// memory is allocated, by every decoder.
final class ImageLimitTests: XCTestCase {
    private func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// A real PNG with its IHDR size rewritten (and its checksum fixed).
    func png(width: UInt32, height: UInt32) throws -> [UInt8] {
        var bytes = [UInt8](try ImageCodec.encodePNG(RGBImage(width: 4, height: 4)))
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
        bytes.replaceSubrange(16..<20, with: bigEndian(width))
        bytes.replaceSubrange(20..<24, with: bigEndian(height))
        bytes.replaceSubrange(29..<33, with: bigEndian(crc32(bytes[12..<29])))
        return bytes
    }

    /// A real JPEG with its SOF size rewritten.
    func jpeg(width: UInt16, height: UInt16) throws -> [UInt8] {
        var bytes = [UInt8](try ImageCodec.encodeJPEG(RGBImage(width: 8, height: 8)))
        let sof = try XCTUnwrap((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) })
        bytes[sof + 5] = UInt8(height >> 8); bytes[sof + 6] = UInt8(height & 0xFF)
        bytes[sof + 7] = UInt8(width >> 8); bytes[sof + 8] = UInt8(width & 0xFF)
        return bytes
    }

    private func assertTooLarge(_ bytes: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for attempt in [{ _ = try ImageCodec.info(of: Data(bytes), name: what) }, { _ = try ImageCodec.decode(Data(bytes), name: what) }] {
            do {
                try attempt()
                XCTFail("\(what) was accepted", file: file, line: line)
            } catch let error as ImagingError {
                guard case .tooLarge(what, _, _) = error else { return XCTFail("\(what): \(error)", file: file, line: line) }
                XCTAssertTrue(error.description.contains("16384 pixels a side"), error.description, file: file, line: line)
            } catch {
                XCTFail("\(what): \(error)", file: file, line: line)
            }
        }
    }

    func testHugeHeadersAreRefusedInEveryFormat() throws {
        assertTooLarge(try png(width: 1, height: 2_000_000_000), "tall.png")
        assertTooLarge(try png(width: 16_385, height: 1), "wide.png")
        assertTooLarge(try png(width: 16_384, height: 16_385), "square.png")
        assertTooLarge(try jpeg(width: 60_000, height: 60_000), "big.jpg")
        assertTooLarge(try jpeg(width: 16_384, height: 16_384 + 8), "tall.jpg")
        assertTooLarge(Array("P6\n100000 100000\n255\n".utf8) + [0, 0, 0], "big.ppm")
        assertTooLarge(Array("P2\n999999999 999999999\n255\n1 2 3".utf8), "overflow.pgm")
        assertTooLarge(Array("P5 16385 1 255 ".utf8) + [UInt8](repeating: 0, count: 16_385), "wide.pgm")
    }

    func testImagesAtTheLimitArePassedToTheDecoder() throws {
        XCTAssertTrue(ImageLimits.allows(width: 16_384, height: 16_384))
        XCTAssertFalse(ImageLimits.allows(width: 16_384, height: 16_385))
        XCTAssertTrue(ImageLimits.allows(width: 1, height: 16_384))
        // A header within the limits reaches the decoder, which then finds the data missing.
        let error = assertImagingError(try ImageCodec.decode(Data(try png(width: 4_000, height: 3_000)), name: "x.png"))
        if case .tooLarge = error { XCTFail("4000x3000 is within the limits") }
    }

    func testWildDoublesBecomePixelsWithoutTrapping() {
        XCTAssertEqual(Double.nan.clampedPixel(), 0)
        XCTAssertEqual(Double.infinity.clampedPixel(), 1 << 20)
        XCTAssertEqual((-1e300).clampedPixel(.down), -(1 << 20))
        XCTAssertEqual(12.5.clampedPixel(.down), 12)
        XCTAssertNil(1e19.exactIntegerIfSafe)
        XCTAssertNil(Double.nan.exactIntegerIfSafe)
        XCTAssertEqual(41.6.exactIntegerIfSafe, 42)
    }
}
