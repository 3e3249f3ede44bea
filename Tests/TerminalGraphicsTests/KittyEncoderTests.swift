import Foundation
import Imaging
@testable import TerminalGraphics
import XCTest

final class KittyEncoderTests: XCTestCase {
    /// One kitty escape: its control keys and payload.
    struct Command {
        var keys: [String: String]
        var payload: String
    }

    func parse(_ bytes: [UInt8]) throws -> [Command] {
        let text = String(decoding: bytes, as: UTF8.self)
        var commands: [Command] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard rest.hasPrefix("\u{1B}_G"), let end = rest.range(of: "\u{1B}\\") else {
                throw TestImageError.malformed("not a kitty command: \(rest.prefix(20))")
            }
            let body = rest[rest.index(rest.startIndex, offsetBy: 3)..<end.lowerBound]
            let parts = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            var keys: [String: String] = [:]
            for pair in parts[0].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                keys[String(kv[0])] = String(kv[1])
            }
            commands.append(Command(keys: keys, payload: parts.count > 1 ? String(parts[1]) : ""))
            rest = rest[end.upperBound...]
        }
        return commands
    }

    func decodePixels(_ commands: [Command], width: Int, height: Int) throws -> [UInt8] {
        let base64 = commands.map(\.payload).joined()
        let compressed = try XCTUnwrap(Data(base64Encoded: base64))
        return try TestImages.inflate([UInt8](compressed), expected: width * height * 3)
    }

    func testOutputParsesBackToTheSamePixels() throws {
        let frame = try TestImages.bunnyCrop()
        let commands = try parse(try KittyEncoder(imageID: 7, placementID: 3).encode(frame))
        XCTAssertGreaterThan(commands.count, 1, "a real frame needs several chunks")
        let first = commands[0].keys
        XCTAssertEqual(first["a"], "T")
        XCTAssertEqual(first["f"], "24")
        XCTAssertEqual(first["o"], "z")
        XCTAssertEqual(first["s"], "240")
        XCTAssertEqual(first["v"], "144")
        XCTAssertEqual(first["i"], "7")
        XCTAssertEqual(first["p"], "3")
        XCTAssertEqual(first["C"], "1")
        XCTAssertEqual(first["q"], "2")
        for (index, command) in commands.enumerated() {
            XCTAssertLessThanOrEqual(command.payload.utf8.count, KittyEncoder.chunkSize)
            XCTAssertEqual(command.keys["m"], index == commands.count - 1 ? "0" : "1", "chunk \(index)")
        }
        XCTAssertEqual(try decodePixels(commands, width: 240, height: 144), frame.pixels)
    }

    func testSingleChunkHasNoMoreFlag() throws {
        let image = RGBImage(width: 2, height: 2, pixels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        let commands = try parse(try KittyEncoder().encode(image))
        XCTAssertEqual(commands.count, 1)
        XCTAssertNil(commands[0].keys["m"])
        XCTAssertEqual(try decodePixels(commands, width: 2, height: 2), image.pixels)
    }

    func testRendererFitsAndDrawsOverlays() throws {
        let image = TestImages.synthetic(width: 400, height: 200)
        let overlay = Overlay(x: 100, y: 50, width: 100, height: 80, colour: RGB(0, 255, 0))
        let area = CellArea(columns: 10, rows: 10, cellWidth: 10, cellHeight: 20)
        let commands = try parse(try KittyRenderer().render(image, overlays: [overlay], in: area))
        XCTAssertEqual(commands[0].keys["s"], "100")
        XCTAssertEqual(commands[0].keys["v"], "50")
        let pixels = try decodePixels(commands, width: 100, height: 50)
        // Left outline at x = 25 (100 * 100/400), y = 20.
        let i = (20 * 100 + 25) * 3
        XCTAssertEqual(Array(pixels[i..<(i + 3)]), [0, 255, 0])
    }

    func testExtremeShapesRender() throws {
        for (width, height) in [(1, 1), (4000, 1), (1, 4000)] {
            let image = TestImages.synthetic(width: width, height: height)
            let commands = try parse(try KittyEncoder().encode(image))
            XCTAssertEqual(try decodePixels(commands, width: width, height: height), image.pixels)
        }
    }

    func testDeleteCommandNamesTheImage() {
        XCTAssertEqual(String(decoding: KittyEncoder(imageID: 9).deleteCommand(), as: UTF8.self), "\u{1B}_Ga=d,d=I,i=9,q=2\u{1B}\\")
    }

    func testBase64MatchesFoundation() {
        for length in 0..<8 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 5) }
            XCTAssertEqual(String(decoding: base64(bytes), as: UTF8.self), Data(bytes).base64EncodedString())
        }
    }
}
