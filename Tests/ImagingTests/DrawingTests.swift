@testable import Imaging
import XCTest

final class DrawingTests: XCTestCase {
    let grey = RGB(128, 128, 128)

    func image(_ width: Int = 60, _ height: Int = 40) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        image.fillRectangle(x: 0, y: 0, width: width, height: height, colour: grey)
        return image
    }

    func testFillIsClippedToTheImage() {
        var canvas = image(10, 10)
        canvas.fillRectangle(x: -5, y: 8, width: 8, height: 20, colour: .white)
        XCTAssertEqual(canvas[0, 9], .white)
        XCTAssertEqual(canvas[2, 8], .white)
        XCTAssertEqual(canvas[3, 8], grey)
        XCTAssertEqual(canvas[0, 7], grey)
    }

    func testStrokeHasTheGivenThicknessAndLeavesTheInside() {
        var canvas = image()
        canvas.strokeRectangle(x: 10, y: 10, width: 20, height: 15, thickness: 2, colour: .white)
        XCTAssertEqual(canvas[10, 15], .white)
        XCTAssertEqual(canvas[11, 15], .white)
        XCTAssertEqual(canvas[12, 15], grey)
        XCTAssertEqual(canvas[29, 24], .white)
        XCTAssertEqual(canvas[20, 17], grey)
        XCTAssertEqual(canvas[9, 15], grey)
    }

    func testDashedStrokeHasGaps() {
        var canvas = image()
        canvas.strokeRectangle(x: 0, y: 0, width: 40, height: 20, thickness: 1, colour: .white, dash: (on: 6, off: 4))
        XCTAssertEqual(canvas[5, 0], .white)
        XCTAssertEqual(canvas[7, 0], grey)
        XCTAssertEqual(canvas[10, 0], .white)
    }

    func testOverlayHasContrastingEdgesOnBothSides() {
        var canvas = image()
        let yellow = RGB(255, 220, 0)
        canvas.draw(Overlay(x: 10, y: 20, width: 30, height: 15, colour: yellow))
        XCTAssertEqual(canvas[9, 25], .black, "outer edge")
        XCTAssertEqual(canvas[10, 25], yellow)
        XCTAssertEqual(canvas[11, 25], yellow)
        XCTAssertEqual(canvas[12, 25], .black, "inner edge")
        XCTAssertEqual(canvas[20, 28], grey)
        XCTAssertEqual(RGB(0, 0, 150).contrasting, .white)
    }

    func testTagSitsAboveTheBoxOrInsideWhenNoRoom() {
        var canvas = image(80, 60)
        let red = RGB(220, 30, 30)
        canvas.draw(Overlay(x: 10, y: 30, width: 40, height: 20, colour: red, label: "a 1"))
        // Tag of 3 glyphs: 17 px of text + 2 px padding each side, 11 px tall, bottom row just
        // above the outer edge (y = 29).
        XCTAssertEqual(Image.tagSize(for: "a 1").width, 21)
        XCTAssertEqual(Image.tagSize(for: "a 1").height, 11)
        XCTAssertEqual(canvas[10, 28], red)
        XCTAssertEqual(canvas[10, 18], red)
        XCTAssertEqual(canvas[10, 17], grey)

        var top = image(80, 60)
        top.draw(Overlay(x: 10, y: 2, width: 40, height: 30, colour: red, label: "a 1"))
        // No room above: the tag starts inside, below the outline.
        XCTAssertEqual(top[12, 6], red)
        XCTAssertEqual(top[12, 14], red)
    }

    func testTextUsesTheFont() {
        var canvas = image(20, 10)
        canvas.drawText("1", x: 0, y: 0, colour: .white)
        // "1": ..#.. / .##.. / ..#.. ... / .###.
        XCTAssertEqual(canvas[2, 0], .white)
        XCTAssertEqual(canvas[1, 0], grey)
        XCTAssertEqual(canvas[1, 1], .white)
        XCTAssertEqual(canvas[3, 6], .white)
        XCTAssertEqual(BitmapFont.width(of: "person 0.87"), 65)
    }

    func testEveryAdvertisedCharacterHasAGlyph() {
        let advertised = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_:/%#() "
        let missing = BitmapFont.rows(of: "\u{7F}")
        for scalar in advertised.unicodeScalars where scalar != " " {
            XCTAssertNotEqual(Array(BitmapFont.rows(of: scalar)), Array(missing), "no glyph for \(scalar)")
        }
        XCTAssertEqual(Array(BitmapFont.rows(of: "é")), Array(missing))
    }

    func testOverlaysScaleAndClip() {
        var canvas = image(30, 20)
        canvas.draw([Overlay(x: 40, y: -10, width: 100, height: 30, colour: .white)], scaleX: 0.5, scaleY: 0.5)
        XCTAssertEqual(canvas[19, 3], .black)
        XCTAssertEqual(canvas[20, 3], .white)
        XCTAssertEqual(canvas[21, 3], .white)
        XCTAssertEqual(canvas[22, 3], .black)
        // A tag on a box at the image's corner stays inside the image.
        canvas.draw(Overlay(x: 25, y: 15, width: 5, height: 5, colour: .white, label: "edge"))
        XCTAssertEqual(canvas[29, 13], .white)
        XCTAssertEqual(canvas[3, 3], .white)
    }
}

private typealias Image = RGBImage
