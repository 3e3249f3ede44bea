import Foundation
import XCTest
@testable import Imaging
import TestSupport

final class JPEGDecodeTests: XCTestCase {
    func testColorFixtureMatchesDjpegAtEveryScale() throws {
        for scale in [1, 2, 4, 8] {
            let ours = try ImageCodec.decode(contentsOf: TestImages.fixture("color-20x12.jpg"), scale: scale)
            let djpeg = try ImageCodec.decode(contentsOf: TestImages.fixture("color-20x12.djpeg-scale\(scale).ppm"))
            XCTAssertEqual(ours.width, (20 + scale - 1) / scale, "scale \(scale)")
            XCTAssertEqual(ours.height, (12 + scale - 1) / scale, "scale \(scale)")
            XCTAssertEqual(ours, djpeg, "scale \(scale)")
        }
    }

    func testColorFixtureIsCloseToTheFormulaItWasMadeFrom() throws {
        let image = try ImageCodec.decode(contentsOf: TestImages.fixture("color-20x12.jpg"))
        // Away from chroma edges a quality-3 mjpeg stays within a few levels of R = 12x, G = 20y.
        let pixel = image[10, 6]
        XCTAssertLessThan(abs(Int(pixel.r) - 120), 12)
        XCTAssertLessThan(abs(Int(pixel.g) - 120), 12)
        XCTAssertLessThan(abs(Int(pixel.b) - 96), 12)
    }

    func testGrayscaleJPEGBecomesRGBWithEqualChannels() throws {
        let image = try ImageCodec.decode(contentsOf: TestImages.fixture("gray-20x12.jpg"))
        let djpeg = try Data(contentsOf: TestImages.fixture("gray-20x12.djpeg.pgm"))
        let gray = Array(djpeg.suffix(20 * 12))
        XCTAssertEqual(image.width, 20)
        XCTAssertEqual(image.height, 12)
        for i in 0..<(20 * 12) {
            XCTAssertEqual(image.pixels[3 * i], gray[i])
            XCTAssertEqual(image.pixels[3 * i + 1], gray[i])
            XCTAssertEqual(image.pixels[3 * i + 2], gray[i])
        }
    }

    func testScaledDecodeSizesOfASampleFrame() throws {
        let url = TestImages.sampleFrames.appendingPathComponent("000001.jpg")
        let expected = [1: (640, 360), 2: (320, 180), 4: (160, 90), 8: (80, 45)]
        for (scale, size) in expected {
            let image = try ImageCodec.decode(contentsOf: url, scale: scale)
            XCTAssertEqual(image.width, size.0, "scale \(scale)")
            XCTAssertEqual(image.height, size.1, "scale \(scale)")
        }
        XCTAssertEqual(assertImagingError(try ImageCodec.decode(contentsOf: url, scale: 3)), .invalidScale(3))
    }

    func testEncodeThenDecodeKeepsASmoothImageClose() throws {
        let image = TestImages.ramp(width: 64, height: 48)
        let data = try ImageCodec.encodeJPEG(image, quality: 95)
        XCTAssertEqual(Array(data.prefix(3)), [0xFF, 0xD8, 0xFF])
        let decoded = try ImageCodec.decode(data)
        XCTAssertEqual(decoded.width, 64)
        XCTAssertEqual(decoded.height, 48)
        XCTAssertLessThanOrEqual(TestImages.maxDifference(image, decoded), 6)
        // Lower quality gives a smaller file.
        XCTAssertLessThan(try ImageCodec.encodeJPEG(TestImages.noise(width: 64, height: 48), quality: 30).count,
                          try ImageCodec.encodeJPEG(TestImages.noise(width: 64, height: 48), quality: 95).count)
    }

    func testTruncatedJPEGIsReportedAsTruncatedNamingTheFile() throws {
        let data = try Data(contentsOf: TestImages.sampleFrames.appendingPathComponent("000050.jpg"))
        let error = assertImagingError(try ImageCodec.decode(data.prefix(data.count / 2), name: "cut.jpg"))
        guard case let .truncated(path, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(path, "cut.jpg")
        XCTAssertTrue(error!.description.contains("cut.jpg is truncated"), error!.description)
    }

    func testDamagedEntropyDataIsCorrupt() throws {
        var data = try Data(contentsOf: TestImages.sampleFrames.appendingPathComponent("000050.jpg"))
        let middle = data.count / 2
        data.replaceSubrange(middle..<(middle + 512), with: [UInt8](repeating: 0, count: 512))
        let error = assertImagingError(try ImageCodec.decode(data, name: "damaged.jpg"))
        guard case let .corrupt(path, detail)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(path, "damaged.jpg")
        XCTAssertTrue(detail.contains("Corrupt JPEG data"), detail)
    }
}

final class PNGCodecTests: XCTestCase {
    func testFixturesFromFFmpegDecodeToTheirPixels() throws {
        let pattern = TestImages.pattern4x4()
        XCTAssertEqual(try ImageCodec.decode(contentsOf: TestImages.fixture("rgb-4x4.png")), pattern)
        XCTAssertEqual(try ImageCodec.decode(contentsOf: TestImages.fixture("rgb16-4x4.png")), pattern)
        XCTAssertEqual(try ImageCodec.decode(contentsOf: TestImages.fixture("gray-4x4.png")),
                       try ImageCodec.decode(contentsOf: TestImages.fixture("gray-4x4.ffmpeg.ppm")))
        XCTAssertEqual(try ImageCodec.decode(contentsOf: TestImages.fixture("palette-4x4.png")),
                       try ImageCodec.decode(contentsOf: TestImages.fixture("palette-4x4.ffmpeg.ppm")))
    }

    func testAlphaIsCompositedOntoBlack() throws {
        let image = try ImageCodec.decode(contentsOf: TestImages.fixture("rgba-4x4.png"))
        let alphas = [0, 85, 170, 255]
        for y in 0..<4 {
            for x in 0..<4 {
                let a = alphas[x]
                let expected = [(x * 60 + 10) % 256, (y * 70 + 5) % 256, 200].map { UInt8((($0 * a) + 127) / 255) }
                let pixel = image[x, y]
                XCTAssertEqual([pixel.r, pixel.g, pixel.b], expected, "pixel \(x),\(y)")
            }
        }
    }

    func testEncodeDecodeRoundTripIsExactAtEveryLevel() throws {
        let image = TestImages.noise(width: 37, height: 23)
        for level in [0, 1, 6, 9] {
            let data = try ImageCodec.encodePNG(image, compressionLevel: level)
            XCTAssertEqual(try ImageCodec.decode(data), image, "level \(level)")
            XCTAssertEqual(try ImageCodec.info(of: data), ImageInfo(format: .png, width: 37, height: 23))
        }
    }

    func testScaleAveragesBlocks() throws {
        var image = RGBImage(width: 4, height: 2)
        image[0, 0] = RGB(10, 20, 30); image[1, 0] = RGB(30, 40, 50)
        image[0, 1] = RGB(50, 60, 70); image[1, 1] = RGB(70, 80, 90)
        let decoded = try ImageCodec.decode(try ImageCodec.encodePNG(image), scale: 2)
        XCTAssertEqual(decoded.width, 2)
        XCTAssertEqual(decoded.height, 1)
        XCTAssertEqual(decoded[0, 0], RGB(40, 50, 60))
        XCTAssertEqual(decoded[1, 0], RGB(0, 0, 0))
    }

    func testTruncatedAndDamagedPNG() throws {
        let data = try ImageCodec.encodePNG(TestImages.noise(width: 40, height: 30))
        guard case .truncated(path: "cut.png", _)? = assertImagingError(try ImageCodec.decode(data.prefix(data.count - 200), name: "cut.png")) else {
            return XCTFail("a cut PNG must be truncated")
        }
        var damaged = data
        damaged[damaged.count / 2] ^= 0x40  // inside IDAT: the CRC no longer matches
        guard case .corrupt(path: "bad.png", _)? = assertImagingError(try ImageCodec.decode(damaged, name: "bad.png")) else {
            return XCTFail("a damaged PNG must be corrupt")
        }
    }
}

final class PNMCodecTests: XCTestCase {
    func testBinaryPPMAndPGM() throws {
        let ppm = Data("P6\n# comment\n2 1\n255\n".utf8) + Data([1, 2, 3, 250, 251, 252])
        let image = try ImageCodec.decode(ppm)
        XCTAssertEqual(image.pixels, [1, 2, 3, 250, 251, 252])
        let pgm = Data("P5 3 1 255 ".utf8) + Data([0, 128, 255])
        XCTAssertEqual(try ImageCodec.decode(pgm).pixels, [0, 0, 0, 128, 128, 128, 255, 255, 255])
    }

    func testASCIIPPMAndPGM() throws {
        let ppm = Data("P3\n2 1\n255\n1 2 3\n# between\n 4 5 6\n".utf8)
        XCTAssertEqual(try ImageCodec.decode(ppm).pixels, [1, 2, 3, 4, 5, 6])
        let pgm = Data("P2 2 2 15 0 15 5 10".utf8)
        XCTAssertEqual(try ImageCodec.decode(pgm).pixels, [0, 0, 0, 255, 255, 255, 85, 85, 85, 170, 170, 170])
    }

    func testSixteenBitSamplesScaleDown() throws {
        let ppm = Data("P6 1 1 65535\n".utf8) + Data([0xFF, 0xFF, 0x80, 0x00, 0x00, 0x80])
        XCTAssertEqual(try ImageCodec.decode(ppm).pixels, [255, 128, 0])
        let pgm = Data("P5 2 1 1000\n".utf8) + Data([0x01, 0xF4, 0x03, 0xE8])  // 500, 1000
        XCTAssertEqual(try ImageCodec.decode(pgm).pixels, [128, 128, 128, 255, 255, 255])
    }

    func testEncodedPPMDecodesToTheSameImage() throws {
        let image = TestImages.noise(width: 5, height: 3)
        XCTAssertEqual(try ImageCodec.decode(ImageCodec.encodePPM(image)), image)
    }

    func testErrorsNameTheFile() throws {
        let short = Data("P6 4 4 255\n".utf8) + Data([1, 2, 3])
        guard case .truncated(path: "a.ppm", _)? = assertImagingError(try ImageCodec.decode(short, name: "a.ppm")) else {
            return XCTFail("short pixel data must be truncated")
        }
        guard case .corrupt(path: "b.pgm", _)? = assertImagingError(try ImageCodec.decode(Data("P2 1 1 10 11".utf8), name: "b.pgm")) else {
            return XCTFail("a sample above maxval must be corrupt")
        }
        guard case .unsupportedFormat(path: "c.pbm", _)? = assertImagingError(try ImageCodec.decode(Data("P4 1 1\n\0".utf8), name: "c.pbm")) else {
            return XCTFail("PBM is not supported")
        }
    }
}

final class ImageCodecTests: XCTestCase {
    func testHeaderProbeOfEveryFormat() throws {
        let directory = try temporaryFolder()
        let image = TestImages.noise(width: 33, height: 17)
        for name in ["a.jpg", "a.png", "a.ppm"] {
            let url = directory.appendingPathComponent(name)
            try ImageCodec.write(image, to: url)
            let info = try ImageCodec.info(contentsOf: url)
            XCTAssertEqual(info.width, 33, name)
            XCTAssertEqual(info.height, 17, name)
            XCTAssertEqual(info.format, ImageFormat(pathExtension: url.pathExtension), name)
            XCTAssertEqual(info.size(atScale: 4).width, 9)
            XCTAssertEqual(try ImageCodec.decode(contentsOf: url, scale: 4).width, 9, name)
            XCTAssertEqual(try ImageCodec.decode(contentsOf: url, scale: 4).height, 5, name)
        }
    }

    func testJPEGHeaderBehindLargeMetadataIsStillFound() throws {
        // Two maximal APP1 segments push the frame header past the first 64 KiB read.
        let jpeg = try ImageCodec.encodeJPEG(TestImages.ramp(width: 24, height: 16))
        var padded = Data(jpeg.prefix(2))
        for _ in 0..<2 {
            padded += Data([0xFF, 0xE1, 0xFF, 0xFF]) + Data(repeating: 0x41, count: 0xFFFF - 2)
        }
        padded += jpeg.dropFirst(2)
        let url = try temporaryFolder().appendingPathComponent("exif.jpg")
        try padded.write(to: url)
        XCTAssertEqual(try ImageCodec.info(contentsOf: url), ImageInfo(format: .jpeg, width: 24, height: 16))
        XCTAssertEqual(try ImageCodec.decode(contentsOf: url), try ImageCodec.decode(jpeg))
    }

    func testUnreadableEmptyAndUnknownFiles() throws {
        let directory = try temporaryFolder()
        let missing = directory.appendingPathComponent("missing.jpg")
        guard case .unreadableFile(path: missing.path, _)? = assertImagingError(try ImageCodec.decode(contentsOf: missing)) else {
            return XCTFail("a missing file must be unreadable")
        }
        let empty = directory.appendingPathComponent("empty.jpg")
        try Data().write(to: empty)
        guard case .truncated(path: empty.path, _)? = assertImagingError(try ImageCodec.info(contentsOf: empty)) else {
            return XCTFail("an empty file must be truncated")
        }
        let text = directory.appendingPathComponent("notes.png")
        try Data("hello".utf8).write(to: text)
        let error = assertImagingError(try ImageCodec.decode(contentsOf: text))
        guard case .unsupportedFormat(path: text.path, _)? = error else { return XCTFail("text is not an image") }
        XCTAssertTrue(error!.description.hasPrefix(text.path), error!.description)
    }
}
