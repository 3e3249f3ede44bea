import Imaging
@testable import TerminalGraphics
import XCTest

final class SixelEncoderTests: XCTestCase {
    /// What the encoder must at least reach on the fixture crop (grass: a hard case). It measures
    /// 36.8 dB; chafa 1.12 (`-f sixel -s 30x18 --stretch`) gives 34.5 dB on the same crop.
    static let psnrFloor = 36.0

    func testRealFrameDecodesToSameSizeAndHighPSNR() throws {
        let frame = try TestImages.bunnyCrop()
        let sixel = try SixelEncoder().encode(frame)
        let decoded = try TestImages.decodeWithSixel2png(sixel)
        XCTAssertEqual(decoded.width, frame.width)
        XCTAssertEqual(decoded.height, frame.height)
        let psnr = TestImages.psnr(frame, decoded)
        XCTAssertGreaterThanOrEqual(psnr, Self.psnrFloor, "PSNR \(psnr) dB")
    }

    func testDitheredRealFrameStillDecodesWell() throws {
        let frame = try TestImages.bunnyCrop()
        let decoded = try TestImages.decodeWithSixel2png(try SixelEncoder(dither: true).encode(frame))
        XCTAssertEqual(decoded.width, frame.width)
        XCTAssertGreaterThanOrEqual(TestImages.psnr(frame, decoded), 32)
    }

    func testFewColoursAreReproducedExactlyUpToPercentRounding() throws {
        var image = RGBImage(width: 30, height: 12)
        image.fillRectangle(x: 0, y: 0, width: 10, height: 12, colour: RGB(255, 0, 0))
        image.fillRectangle(x: 10, y: 0, width: 10, height: 12, colour: RGB(0, 255, 0))
        image.fillRectangle(x: 20, y: 0, width: 10, height: 6, colour: RGB(0, 0, 255))
        let decoded = try TestImages.decodeWithSixel2png(try SixelEncoder().encode(image))
        XCTAssertEqual(decoded, image)
    }

    func testOutputStartsWithRasterAttributesAndEndsWithST() throws {
        let image = TestImages.synthetic(width: 64, height: 30)
        let text = String(decoding: try SixelEncoder().encode(image), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{1B}P0;1;0q\"1;1;64;30#0;2;"), String(text.prefix(40)))
        XCTAssertTrue(text.hasSuffix("\u{1B}\\"))
        // 30 rows = 5 bands = 4 band separators.
        XCTAssertEqual(text.filter { $0 == "-" }.count, 4)
    }

    func testPaletteRespectsColourRegisters() throws {
        let frame = try TestImages.bunnyCrop()
        let text = String(decoding: try SixelEncoder(colourRegisters: 16).encode(frame), as: UTF8.self)
        XCTAssertTrue(text.contains("#15;2;"))
        XCTAssertFalse(text.contains("#16;2;"))
        let decoded = try TestImages.decodeWithSixel2png(Array(text.utf8))
        XCTAssertGreaterThan(TestImages.psnr(frame, decoded), 24)
    }

    func testRunLengthEncodingShrinksFlatImages() throws {
        let flat = RGBImage(width: 600, height: 6, pixels: [UInt8](repeating: 128, count: 600 * 6 * 3))
        let text = String(decoding: try SixelEncoder().encode(flat), as: UTF8.self)
        XCTAssertTrue(text.contains("!600~"), text)
        XCTAssertLessThan(text.utf8.count, 60)
    }

    func testInvalidColourRegistersAreRefused() {
        XCTAssertThrowsError(try SixelEncoder(colourRegisters: 1).encode(RGBImage(width: 1, height: 1))) { error in
            XCTAssertEqual(error as? TerminalGraphicsError, .invalidColourRegisters(1))
        }
    }

    func testExtremeShapesRender() throws {
        for (width, height) in [(1, 1), (4000, 1), (1, 4000), (4000, 7)] {
            let image = TestImages.synthetic(width: width, height: height)
            let sixel = try SixelEncoder().encode(image)
            let decoded = try TestImages.decodeWithSixel2png(sixel)
            XCTAssertEqual(decoded.width, width)
            XCTAssertEqual(decoded.height, height)
            XCTAssertGreaterThan(TestImages.psnr(image, decoded), 30, "\(width)x\(height)")
        }
    }

    func testRendererFitsPadsToCellsAndDrawsOverlays() throws {
        let frame = try TestImages.bunnyCrop() // 240x144
        let overlay = Overlay(x: 60, y: 40, width: 80, height: 60, colour: RGB(255, 40, 40), label: "person 0.87")
        // 20 x 5 cells of 10x20 px = 200x100 px; the frame fits as 167x100.
        let area = CellArea(columns: 20, rows: 5, cellWidth: 10, cellHeight: 20)
        let decoded = try TestImages.decodeWithSixel2png(try SixelRenderer().render(frame, overlays: [overlay], in: area))
        XCTAssertEqual(decoded.width, 167)
        XCTAssertEqual(decoded.height, 100) // a multiple of the cell height; lcm(6, 20) = 60 would not fit
        // The outline's left edge sits at x = 60 * 167/240 ≈ 42, in the overlay colour.
        let edge = decoded[42, 50]
        XCTAssertGreaterThan(Int(edge.r), 200)
        XCTAssertLessThan(Int(edge.g), 90)
    }

    func testRendererPadsToMultipleOfSixAndCellHeightWhenItFits() throws {
        let image = TestImages.synthetic(width: 100, height: 50)
        let area = CellArea(columns: 10, rows: 10, cellWidth: 10, cellHeight: 16)
        let decoded = try TestImages.decodeWithSixel2png(try SixelRenderer().render(image, overlays: [], in: area))
        XCTAssertEqual(decoded.width, 100)
        XCTAssertEqual(decoded.height, 96) // lcm(6, 16) = 48 -> 50 px padded to 96
        XCTAssertEqual(decoded[50, 80], RGB.black)
    }

    func testZeroSizedTargetIsRefusedClearly() {
        let image = RGBImage(width: 4, height: 4)
        for renderer in GraphicsMode.allCases.map({ makeRenderer($0) }) {
            XCTAssertThrowsError(try renderer.render(image, overlays: [], in: CellArea(columns: 0, rows: 10))) { error in
                XCTAssertEqual(error as? TerminalGraphicsError, .emptyTarget(columns: 0, rows: 10))
                XCTAssertTrue("\(error)".contains("at least 1 column and 1 row"), "\(error)")
            }
        }
        XCTAssertThrowsError(try SixelRenderer().render(image, overlays: [], in: CellArea(columns: 4, rows: 4, cellWidth: 0, cellHeight: 20)))
    }

    func testTmuxPassthroughDoublesEscapes() {
        let wrapped = tmuxPassthrough(Array("\u{1B}Pq#0\u{1B}\\".utf8))
        XCTAssertEqual(String(decoding: wrapped, as: UTF8.self), "\u{1B}Ptmux;\u{1B}\u{1B}Pq#0\u{1B}\u{1B}\\\u{1B}\\")
    }
}
