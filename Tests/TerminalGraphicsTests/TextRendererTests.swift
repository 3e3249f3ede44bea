import Foundation
import Imaging
@testable import TerminalGraphics
import XCTest

final class TextRendererTests: XCTestCase {
    /// A 40x20 frame with two boxes, the input of every golden file.
    static func scene() -> (RGBImage, [Overlay]) {
        let image = TestImages.synthetic(width: 40, height: 20)
        let overlays = [
            Overlay(x: 4, y: 6, width: 14, height: 10, colour: RGB(255, 200, 0), label: "cat 0.9"),
            Overlay(x: 24, y: 0, width: 12, height: 8, colour: RGB(0, 120, 255), label: "dog", style: .dashed),
        ]
        return (image, overlays)
    }

    /// Compares with Tests/TerminalGraphicsTests/Golden/NAME; MICROLABEL_UPDATE_GOLDEN=1 rewrites it.
    func assertGolden(_ bytes: [UInt8], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = TestImages.directory.appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["MICROLABEL_UPDATE_GOLDEN"] == "1" {
            try Data(bytes).write(to: url)
        }
        let expected = try [UInt8](Data(contentsOf: url))
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), String(decoding: expected, as: UTF8.self),
                       "differs from Golden/\(name)", file: file, line: line)
    }

    let area = CellArea(columns: 20, rows: 10, cellWidth: 10, cellHeight: 20)

    func testBlocksTrueColourMatchesGolden() throws {
        let (image, overlays) = Self.scene()
        let output = try BlockRenderer(colourDepth: .trueColour).render(image, overlays: overlays, in: area)
        try assertGolden(output, "blocks-truecolour.txt")
    }

    func testBlocks256MatchesGolden() throws {
        let (image, overlays) = Self.scene()
        let output = try BlockRenderer(colourDepth: .palette256).render(image, overlays: overlays, in: area)
        try assertGolden(output, "blocks-256.txt")
        XCTAssertFalse(String(decoding: output, as: UTF8.self).contains("38;2;"))
    }

    func testAsciiPlainMatchesGolden() throws {
        let (image, overlays) = Self.scene()
        let output = try AsciiRenderer(colourDepth: .none).render(image, overlays: overlays, in: area)
        try assertGolden(output, "ascii-plain.txt")
        XCTAssertFalse(output.contains(0x1B), "no escape sequences without colour")
    }

    func testAsciiColourMatchesGolden() throws {
        let (image, overlays) = Self.scene()
        let output = try AsciiRenderer(colourDepth: .trueColour).render(image, overlays: overlays, in: area)
        try assertGolden(output, "ascii-colour.txt")
    }

    func testBlocksShowTwoPixelsPerCell() throws {
        // Top row red, bottom row blue: one cell of U+2580, fg red, bg blue.
        let image = RGBImage(width: 1, height: 2, pixels: [255, 0, 0, 0, 0, 255])
        let output = try BlockRenderer().render(image, overlays: [], in: CellArea(columns: 1, rows: 1, cellWidth: 10, cellHeight: 20))
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "\u{1B}[38;2;255;0;0;48;2;0;0;255m\u{2580}\u{1B}[0m\n")
    }

    func testBlocksSendOnlyColourChanges() throws {
        // A flat image: one colour for the whole row, sent once.
        let image = RGBImage(width: 8, height: 2, pixels: [UInt8](repeating: 90, count: 8 * 2 * 3))
        let output = try BlockRenderer().render(image, overlays: [], in: CellArea(columns: 8, rows: 1, cellWidth: 10, cellHeight: 20))
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "\u{1B}[48;2;90;90;90m        \u{1B}[0m\n")
    }

    func testXterm256Mapping() {
        XCTAssertEqual(xterm256Index(RGB(0, 0, 0)), 16)
        XCTAssertEqual(xterm256Index(RGB(255, 255, 255)), 231)
        XCTAssertEqual(xterm256Index(RGB(255, 0, 0)), 196)
        XCTAssertEqual(xterm256Index(RGB(128, 128, 128)), 244) // grey ramp: 8 + 10 * 12
        XCTAssertEqual(xterm256Index(RGB(95, 135, 175)), 16 + 36 * 1 + 6 * 2 + 3)
    }

    func testLabelsAreWrittenAsText() throws {
        let (image, overlays) = Self.scene()
        let plain = String(decoding: try AsciiRenderer(colourDepth: .none).render(image, overlays: overlays, in: area), as: UTF8.self)
        XCTAssertTrue(plain.contains("cat 0.9"))
        XCTAssertTrue(plain.contains("dog"))
        let blocks = String(decoding: try BlockRenderer().render(image, overlays: overlays, in: area), as: UTF8.self)
        XCTAssertTrue(blocks.contains("cat 0.9"))
    }

    func testExtremeShapesRender() throws {
        for (width, height) in [(1, 1), (4000, 1), (1, 4000)] {
            let image = TestImages.synthetic(width: width, height: height)
            let area = CellArea(columns: 80, rows: 24)
            let blocks = String(decoding: try BlockRenderer().render(image, overlays: [], in: area), as: UTF8.self)
            let ascii = String(decoding: try AsciiRenderer().render(image, overlays: [], in: area), as: UTF8.self)
            XCTAssertFalse(blocks.isEmpty)
            XCTAssertLessThanOrEqual(blocks.split(separator: "\n").count, 24)
            XCTAssertLessThanOrEqual(ascii.split(separator: "\n").map(\.count).max() ?? 0, 80)
        }
    }
}
