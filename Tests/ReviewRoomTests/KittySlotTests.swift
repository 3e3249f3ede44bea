import struct Imaging.RGBImage
@testable import ReviewRoom
import TerminalGraphics
import XCTest

final class KittySlotTests: XCTestCase {
    /// Kitty replaces a picture with any later one of the same image id, so the gallery's tiles
    /// must each get their own id or only the last would stay on screen.
    func testGalleryTilesGetTheirOwnKittyImageIDs() throws {
        let renderer = TerminalFrameRenderer(TerminalGraphics.makeRenderer(TerminalGraphics.GraphicsMode.kitty))
        let image = RGBImage(width: 8, height: 8)
        func imageID(_ slot: Int) throws -> String? {
            let bytes = try renderer.render(image, overlays: [], columns: 8, rows: 8, slot: slot).lines.joined()
            let text = String(decoding: bytes, as: UTF8.self)
            guard let range = text.range(of: #"i=\d+"#, options: .regularExpression) else { return nil }
            return String(text[range])
        }
        let ids = try (0..<4).map(imageID)
        XCTAssertEqual(Set(ids.compactMap { $0 }).count, 4, "ids: \(ids)")
        XCTAssertEqual(try imageID(2), ids[2], "a slot keeps its id from frame to frame")
    }
}
