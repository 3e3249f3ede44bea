import Foundation
import Imaging
@testable import TerminalGraphics
import XCTest

/// What the review room sends over a thin link: light sixel pictures, kitty images stored by id,
/// and text pictures as changes only.
final class ThinLinkEncodingTests: XCTestCase {
    // MARK: Light sixel

    func testCoarseSixelIsAFractionOfTheFullOneAndStillThePicture() throws {
        let frame = try TestImages.bunnyCrop().resized(width: 480, height: 288)
        let full = try SixelEncoder().encode(frame)
        let coarse = try SixelEncoder().encodeCoarse(frame, overlays: [], coarseness: SixelCoarseness(blockWidth: 6, colours: 16))
        XCTAssertLessThan(coarse.count * 4, full.count, "light \(coarse.count) bytes against full \(full.count)")
        let decoded = try TestImages.decodeWithSixel2png(coarse)
        XCTAssertEqual(decoded.width, frame.width)
        XCTAssertGreaterThanOrEqual(decoded.height, frame.height)
        // Coarse, but the same picture: far closer to it than to a flat grey.
        let psnr = TestImages.psnr(frame, decoded)
        XCTAssertGreaterThan(psnr, 18, "PSNR \(psnr) dB")
        var grey = frame
        for i in grey.pixels.indices { grey.pixels[i] = 128 }
        XCTAssertGreaterThan(psnr, TestImages.psnr(frame, grey) + 6)
    }

    func testCoarserLevelsCostLess() throws {
        let frame = try TestImages.bunnyCrop().resized(width: 480, height: 288)
        let sizes = try SixelCoarseness.levels.map { try SixelEncoder().encodeCoarse(frame, overlays: [], coarseness: $0).count }
        XCTAssertLessThan(sizes.last!, sizes.first! / 3, "\(sizes)")
        XCTAssertEqual(sizes, sizes.sorted(by: >), "levels are ordered from fine to coarse: \(sizes)")
    }

    func testCoarseSixelDrawsOverlaysSharpInTheirOwnColour() throws {
        let frame = TestImages.synthetic(width: 240, height: 144)
        let magenta = RGB(255, 0, 255)
        let box = Overlay(x: 40, y: 30, width: 100, height: 60, colour: magenta)
        let coarse = try SixelEncoder().encodeCoarse(frame, overlays: [box], coarseness: SixelCoarseness(blockWidth: 8, colours: 8))
        let decoded = try TestImages.decodeWithSixel2png(coarse)
        var reference = RGBImage(width: 240, height: 144)
        reference.draw([box])
        var edge = 0
        for y in 0..<144 {
            for x in 0..<240 where reference[x, y] == magenta {
                edge += 1
                let p = decoded[x, y]
                XCTAssertTrue(abs(Int(p.r) - 255) <= 3 && p.g <= 3 && abs(Int(p.b) - 255) <= 3, "box pixel (\(x), \(y)) is \(p)")
            }
        }
        XCTAssertGreaterThan(edge, 300)
    }

    // MARK: Kitty

    func testKittyTransmitStoresAPNGByIDWithoutShowingIt() throws {
        let frame = try TestImages.bunnyCrop()
        let bytes = try KittyImages.transmit(frame, id: 7)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{1B}_Ga=t,f=100,i=7,q=2,m=1;"), String(text.prefix(40)))
        // Chunks of at most 4096 base64 bytes; the last one says m=0.
        let commands = text.components(separatedBy: "\u{1B}\\").filter { !$0.isEmpty }
        XCTAssertGreaterThan(commands.count, 1)
        XCTAssertTrue(commands.last!.hasPrefix("\u{1B}_Gq=2,m=0;"))
        var payload = ""
        for command in commands {
            let parts = command.split(separator: ";", maxSplits: 1)
            XCTAssertLessThanOrEqual(parts[1].count, KittyEncoder.chunkSize)
            payload += parts[1]
        }
        let png = try XCTUnwrap(Data(base64Encoded: payload))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(try ImageCodec.decode(png), frame)
    }

    func testKittyPNGIsSmallerThanRawDeflateOnARealFrame() throws {
        let frame = try TestImages.bunnyCrop().resized(width: 480, height: 288)
        let png = try KittyImages.transmit(frame, id: 1, payload: .png).count
        let zlib = try KittyImages.transmit(frame, id: 1, payload: .zlib).count
        XCTAssertLessThan(png, zlib, "PNG \(png) bytes, zlib \(zlib) bytes")
    }

    func testKittyPlacementCommands() {
        XCTAssertEqual(String(decoding: KittyImages.place(id: 12, columns: 80, rows: 30), as: UTF8.self),
                       "\u{1B}_Ga=p,i=12,p=1,c=80,r=30,C=1,q=2\u{1B}\\")
        XCTAssertEqual(String(decoding: KittyImages.unplace(id: 12), as: UTF8.self), "\u{1B}_Ga=d,d=i,i=12,p=1,q=2\u{1B}\\")
        XCTAssertEqual(String(decoding: KittyImages.free(id: 12), as: UTF8.self), "\u{1B}_Ga=d,d=I,i=12,q=2\u{1B}\\")
    }

    // MARK: Text pictures as changes

    private func canvas(_ seed: Int) -> TextCanvas {
        var canvas = TextCanvas(columns: 40, rows: 10)
        for y in 0..<10 {
            for x in 0..<40 {
                let v = UInt8((x * 5 + y * 17 + seed) % 256)
                canvas[x, y] = TextCell("\u{2580}", foreground: RGB(v, 255 - v, 40), background: RGB(v / 2, 90, v))
            }
        }
        return canvas
    }

    func testUnchangedCellsAreNotSentAgain() {
        let picture = canvas(0)
        XCTAssertEqual(picture.encodeChanges(from: picture, column: 3, row: 2, colourDepth: .trueColour), [])
        var changed = picture
        changed[10, 4] = TextCell("x", foreground: RGB(1, 2, 3), background: RGB(4, 5, 6))
        let bytes = changed.encodeChanges(from: picture, column: 3, row: 2, colourDepth: .trueColour)
        // One cursor move to the cell (1-based: row 2+4+1, column 3+10+1), its colours, the character.
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "\u{1B}[7;14H\u{1B}[38;2;1;2;3;48;2;4;5;6mx\u{1B}[0m")
    }

    func testChangesAfterNothingRedrawEveryCellAndAreFarSmallerWhenLittleMoves() {
        let before = canvas(0)
        let all = before.encodeChanges(from: nil, column: 0, row: 0, colourDepth: .trueColour)
        XCTAssertEqual(String(decoding: all, as: UTF8.self).filter { $0 == "\u{2580}" }.count, 400)
        var after = before
        for x in 12..<20 { after[x, 3] = TextCell("\u{2580}", foreground: RGB(9, 9, 9), background: RGB(200, 9, 9)) }
        let changes = after.encodeChanges(from: before, column: 0, row: 0, colourDepth: .trueColour)
        XCTAssertEqual(String(decoding: changes, as: UTF8.self).filter { $0 == "\u{2580}" }.count, 8)
        XCTAssertLessThan(changes.count * 20, all.count)
    }

    func testNearbyChangesShareOneCursorMove() {
        let before = canvas(0)
        var after = before
        after[5, 1] = TextCell("a")
        after[8, 1] = TextCell("b")
        after[30, 1] = TextCell("c")
        let text = String(decoding: after.encodeChanges(from: before, column: 0, row: 0, colourDepth: .none), as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "H").count - 1, 2, text.debugDescription)
        XCTAssertTrue(text.hasPrefix("\u{1B}[2;6Ha"))
        XCTAssertTrue(text.hasSuffix("\u{1B}[2;31Hc"))
    }

    func testPaletteSnappingHidesChangesA256ColourTerminalCannotShow() {
        var before = TextCanvas(columns: 4, rows: 1)
        before[0, 0] = TextCell(" ", background: RGB(100, 100, 100))
        var after = before
        after[0, 0] = TextCell(" ", background: RGB(101, 99, 100))
        let a = before.snapped(to: .palette256), b = after.snapped(to: .palette256)
        XCTAssertEqual(b.encodeChanges(from: a, column: 0, row: 0, colourDepth: .palette256), [])
        XCTAssertNotEqual(after.encodeChanges(from: before, column: 0, row: 0, colourDepth: .trueColour), [])
        for c in [RGB(0, 0, 0), RGB(255, 255, 255), RGB(12, 200, 77), RGB(128, 128, 128), RGB(95, 135, 175)] {
            let shown = xterm256Colour(c)
            XCTAssertEqual(xterm256Index(shown), xterm256Index(c))
            XCTAssertEqual(xterm256Colour(shown), shown)
        }
        XCTAssertEqual(xterm256Colour(RGB(95, 135, 175)), RGB(95, 135, 175))
    }

    func testTruecolourCellsThatBarelyMoveKeepWhatShows() {
        var shown = TextCanvas(columns: 3, rows: 1)
        shown[0, 0] = TextCell("\u{2580}", foreground: RGB(100, 100, 100), background: RGB(10, 10, 10))
        shown[1, 0] = TextCell(" ", foreground: RGB(1, 1, 1), background: RGB(50, 50, 50))
        shown[2, 0] = TextCell(" ", background: RGB(50, 50, 50))
        var next = shown
        next[0, 0] = TextCell("\u{2580}", foreground: RGB(108, 95, 100), background: RGB(14, 10, 6))  // within 10
        next[1, 0] = TextCell(" ", foreground: RGB(200, 1, 1), background: RGB(55, 50, 50))     // a space's foreground never shows
        next[2, 0] = TextCell(" ", background: RGB(50, 70, 50))                                  // 20 off: sent
        let kept = next.keepingClose(to: shown, tolerance: 10)
        XCTAssertEqual(kept[0, 0], shown[0, 0])
        XCTAssertEqual(kept[1, 0], shown[1, 0])
        XCTAssertEqual(kept[2, 0], next[2, 0])
        let text = String(decoding: kept.encodeChanges(from: shown, column: 0, row: 0, colourDepth: .trueColour), as: UTF8.self)
        XCTAssertEqual(text, "\u{1B}[1;3H\u{1B}[48;2;50;70;50m \u{1B}[0m")
        XCTAssertEqual(next.keepingClose(to: shown, tolerance: 0), next)
    }
}
