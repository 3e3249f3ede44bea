import XCTest
@testable import Imaging

final class CropTests: XCTestCase {
    func testCropInsideCopiesThePixels() {
        let image = TestImages.pattern4x4()
        let crop = image.cropped(to: PixelRect(x: 1, y: 2, width: 2, height: 2))!
        XCTAssertEqual(crop.width, 2)
        XCTAssertEqual(crop.height, 2)
        for y in 0..<2 {
            for x in 0..<2 { XCTAssertEqual(crop[x, y], image[x + 1, y + 2]) }
        }
    }

    func testCropIsClippedToTheImage() {
        let image = TestImages.pattern4x4()
        let crop = image.cropped(to: PixelRect(x: -2, y: 3, width: 4, height: 10))!
        XCTAssertEqual(crop.width, 2)
        XCTAssertEqual(crop.height, 1)
        XCTAssertEqual(crop[0, 0], image[0, 3])
        XCTAssertEqual(crop[1, 0], image[1, 3])
        XCTAssertNil(image.cropped(to: PixelRect(x: 4, y: 0, width: 3, height: 3)))
        XCTAssertNil(image.cropped(to: PixelRect(x: 1, y: 1, width: 0, height: 3)))
        XCTAssertEqual(GrayImage(image).cropped(to: PixelRect(x: 3, y: 3, width: 5, height: 5))?.pixels,
                       [GrayImage(image)[3, 3]])
    }
}

final class ResizeTests: XCTestCase {
    private func row(_ values: [UInt8]) -> RGBImage {
        RGBImage(width: values.count, height: 1, pixels: values.flatMap { [$0, $0, $0] })
    }

    func testShrinkingByTwoAveragesPairs() {
        let image = row([10, 30, 100, 200]).resized(width: 2, height: 1)
        XCTAssertEqual(image.pixels, [20, 20, 20, 150, 150, 150])
    }

    func testShrinkingByAFractionWeightsByCoverage() {
        // 3 -> 2: output 0 covers source 0 and half of 1; output 1 half of 1 and all of 2.
        let image = row([30, 60, 90]).resized(width: 2, height: 1)
        XCTAssertEqual(image.pixels, [40, 40, 40, 80, 80, 80])
    }

    func testEnlargingIsBilinearWithClampedEdges() {
        let image = row([0, 100]).resized(width: 4, height: 1)
        XCTAssertEqual(image.pixels, [0, 0, 0, 25, 25, 25, 75, 75, 75, 100, 100, 100])
    }

    func testAxesAreIndependentAndUniformStaysUniform() {
        var image = RGBImage(width: 6, height: 2)
        for y in 0..<2 { for x in 0..<6 { image[x, y] = RGB(7, 77, 177) } }
        for (w, h) in [(3, 5), (11, 1), (1, 1), (13, 7)] {
            let resized = image.resized(width: w, height: h)
            XCTAssertEqual(resized.width, w)
            XCTAssertEqual(resized.height, h)
            XCTAssertTrue(stride(from: 0, to: resized.pixels.count, by: 3).allSatisfy {
                resized.pixels[$0] == 7 && resized.pixels[$0 + 1] == 77 && resized.pixels[$0 + 2] == 177
            })
        }
        // Vertical only: rows 0 and 1 average to the middle.
        var two = RGBImage(width: 1, height: 2)
        two[0, 0] = RGB(0, 0, 0)
        two[0, 1] = RGB(200, 100, 50)
        XCTAssertEqual(two.resized(width: 1, height: 1)[0, 0], RGB(100, 50, 25))
    }

    func testGrayResizeKeepsFractions() {
        let gray = GrayImage(width: 2, height: 1, pixels: [1, 2]).resized(width: 1, height: 1)
        XCTAssertEqual(gray.pixels, [1.5])
    }
}

final class GrayscaleTests: XCTestCase {
    func testRec601Luminance() {
        var image = RGBImage(width: 3, height: 1)
        image[0, 0] = RGB(255, 0, 0)
        image[1, 0] = RGB(10, 20, 30)
        image[2, 0] = RGB(255, 255, 255)
        let gray = image.grayscale()
        XCTAssertEqual(gray.width, 3)
        XCTAssertEqual(gray[0, 0], 0.299 * 255, accuracy: 1e-3)
        XCTAssertEqual(gray[1, 0], 0.299 * 10 + 0.587 * 20 + 0.114 * 30, accuracy: 1e-3)
        XCTAssertEqual(gray[2, 0], 255, accuracy: 1e-3)
        XCTAssertEqual(gray.rgbImage().pixels, [76, 76, 76, 18, 18, 18, 255, 255, 255])
    }
}

final class DownsampleTests: XCTestCase {
    func testBlocksAverageAndEdgeBlocksAverageWhatTheyCover() {
        // 5x3 image with value 10 * x + y in every channel, reduced by 2 -> 3x2.
        var image = RGBImage(width: 5, height: 3)
        for y in 0..<3 { for x in 0..<5 { let v = UInt8(10 * x + y); image[x, y] = RGB(v, v, 255 - v) } }
        let small = image.downsampled(by: 2)
        XCTAssertEqual(small.width, 3)
        XCTAssertEqual(small.height, 2)
        // Block (0,0): 0, 10, 1, 11 -> 5.5 rounds to 6; block (2,0): 40, 41 -> 40.5 -> 41;
        // block (1,1): 22, 32 -> 27; block (2,1): 42 alone.
        XCTAssertEqual(small[0, 0].r, 6)
        XCTAssertEqual(small[2, 0].r, 41)
        XCTAssertEqual(small[1, 1].r, 27)
        XCTAssertEqual(small[2, 1].r, 42)
        XCTAssertEqual(small[2, 1].b, 255 - 42)
        XCTAssertEqual(image.downsampled(by: 1), image)
        XCTAssertEqual(image.downsampled(by: 8).pixels.count, 3)
    }

    func testGrayDownsampleMatchesTheMean() {
        let gray = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6]).downsampled(by: 2)
        XCTAssertEqual(gray.pixels, [3, 4.5])
    }
}
