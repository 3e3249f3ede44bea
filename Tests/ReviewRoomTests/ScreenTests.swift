import Foundation
import Geometry
import enum Imaging.ImageCodec
import struct Imaging.RGB
import struct Imaging.RGBImage
@testable import ReviewRoom
import TerminalGraphics
import XCTest

/// Screens drawn through the real `Painter` and renderer into a recording terminal, without
/// tmux: what a person would see, and what crossed the wire.
final class ScreenTests: XCTestCase {
    var store: FakeStore!
    var session: ReviewSession!
    var terminal: RecordingTerminal!
    var painter: Painter!
    let seedRect = BoxRect(x: 480, y: 270, width: 640, height: 360)

    /// A 1920x1080 project with a seed on the first frame, in a 120x40 kitty terminal of 10x20 px cells.
    override func setUpWithError() throws {
        store = FakeStore(frameCount: 132, frameSize: PixelSize(width: 1920, height: 1080))
        _ = try store.addSeed(frame: 0, target: .defaultLabel, rect: seedRect)
        let project = ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize)
        let state = ReviewState(project: project, columns: 120, rows: 40, graphics: .kitty, cellPixels: PixelSize(width: 10, height: 20))
        session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        terminal = RecordingTerminal()
        painter = Painter(terminal: terminal, frames: FakeFrames(), renderer: TerminalFrameRenderer(KittyRenderer()), theme: .builtIn)
    }

    func testFirstScreenShowsCounterStatusAndTheSeedBoxOnThePicture() throws {
        XCTAssertNil(painter.draw(session.state, now: 10))
        let status = terminal.line(session.state.layout.statusRow)
        XCTAssertTrue(status.hasPrefix(" 1/132  "), "status line: \(status)")
        XCTAssertTrue(status.contains("NAVIGATE"), status)
        XCTAssertTrue(status.contains("q quit"), "the hints: \(status)")

        // One picture went out, stored and placed over the frame area's cells.
        let pictures = Self.kittyPictures(terminal.written)
        XCTAssertEqual(pictures.count, 1)
        let g = session.state.geometry
        let text = String(decoding: terminal.written, as: UTF8.self)
        XCTAssertTrue(text.contains("\u{1B}[\(g.cells.row + 1);\(g.cells.column + 1)H"), "the cursor goes to the frame area")
        XCTAssertTrue(text.contains("c=\(g.cells.columns),r=\(g.cells.rows)"), "placed over the frame area's cells")

        // The picture carries the seed box, in the seed colour, where the view puts it.
        let picture = try ImageCodec.decode(Data(pictures[0]))
        XCTAssertEqual(picture.width, g.cells.columns * 10)
        let box = g.imageRect(seedRect)
        let midX = Int(box.x + box.width / 2), midY = Int(box.y + box.height / 2)
        let seed = Theme.builtIn.color(for: .seed)
        let edges = [(Int(box.x), midY), (Int(box.maxX) - 1, midY), (midX, Int(box.y)), (midX, Int(box.maxY) - 1)]
        for (x, y) in edges {
            XCTAssertTrue(Self.has(seed, near: x, y, in: picture), "no seed-coloured edge near (\(x), \(y))")
        }
        // Inside the box and outside it, the frame itself (flat grey).
        XCTAssertFalse(Self.has(seed, near: midX, midY, in: picture))
        XCTAssertEqual(picture[3, 3], RGB(40, 40, 40))
    }

    func testTheSameStateAgainSendsNothingAndAStepSendsOnlyChanges() throws {
        painter.draw(session.state, now: 10)
        _ = painter.read(wait: false)  // the terminal's answer to the query after the picture
        let mark = terminal.written.count, cells = terminal.cellsSent
        XCTAssertNil(painter.draw(session.state, now: 10.5))
        XCTAssertEqual(terminal.written.count, mark, "nothing is written for the same state")
        XCTAssertEqual(terminal.cellsSent, cells)

        session.send(.key(.right))
        painter.keysArrived(1, now: 11)
        painter.draw(session.state, now: 11)
        XCTAssertTrue(terminal.line(session.state.layout.statusRow).hasPrefix(" 2/132  "))
        let step = terminal.written(since: mark)
        XCTAssertEqual(Self.kittyPictures(step).count, 1, "the next frame's picture")
        // The text changes in a few cells (counter, timeline), not a repaint of the screen.
        let changed = terminal.cellsSent - cells
        XCTAssertGreaterThan(changed, 0)
        XCTAssertLessThan(changed, 120 * 40 / 10, "\(changed) cells sent for one step")
        // While the last picture is unanswered (the link may still carry it), the next waits, and
        // the text with it; once the answer is in, both go.
        terminal.answersDelayed = true
        _ = painter.read(wait: false)
        session.send(.key(.right))
        let before = terminal.written.count
        painter.draw(session.state, now: 11.04)
        XCTAssertEqual(Self.kittyPictures(terminal.written(since: before)).count, 0)
        XCTAssertTrue(terminal.line(session.state.layout.statusRow).hasPrefix(" 2/132  "))
        terminal.answersDelayed = false
        _ = painter.read(wait: false)
        painter.draw(session.state, now: 11.08)
        XCTAssertEqual(Self.kittyPictures(terminal.written(since: before)).count, 1)
        XCTAssertTrue(terminal.line(session.state.layout.statusRow).hasPrefix(" 3/132  "))
    }

    func testSteppingBackPlacesTheStoredPictureWithoutItsPixels() throws {
        painter.draw(session.state, now: 10)
        _ = painter.read(wait: false)
        session.send(.key(.right))
        painter.draw(session.state, now: 11)
        _ = painter.read(wait: false)
        let mark = terminal.written.count
        session.send(.key(.left))
        painter.draw(session.state, now: 12)
        XCTAssertTrue(terminal.line(session.state.layout.statusRow).hasPrefix(" 1/132  "))
        let back = terminal.written(since: mark)
        XCTAssertEqual(Self.kittyPictures(back).count, 0, "frame 1 is stored in the terminal already")
        XCTAssertTrue(String(decoding: back, as: UTF8.self).contains("a=p,"), "it is placed again")
        XCTAssertLessThan(back.count, 400)
    }

    // MARK: Helpers

    /// The PNG files of the kitty images transmitted in `bytes`, in order.
    static func kittyPictures(_ bytes: [UInt8]) -> [[UInt8]] {
        var pictures: [[UInt8]] = []
        var payload: String?
        for command in String(decoding: bytes, as: UTF8.self).components(separatedBy: "\u{1B}\\") {
            guard let start = command.range(of: "\u{1B}_G") else { continue }
            let body = command[start.upperBound...]
            let parts = body.split(separator: ";", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let keys = parts[0]
            if keys.contains("a=t") { payload = "" }
            guard payload != nil else { continue }
            payload! += parts[1]
            if !keys.contains("m=1") {
                if let data = Data(base64Encoded: payload!) { pictures.append([UInt8](data)) }
                payload = nil
            }
        }
        return pictures
    }

    /// Whether `colour` is within 2 px of (x, y).
    static func has(_ colour: RGB, near x: Int, _ y: Int, in image: RGBImage) -> Bool {
        for dy in -2...2 {
            for dx in -2...2 {
                let px = x + dx, py = y + dy
                if px >= 0, py >= 0, px < image.width, py < image.height, image[px, py] == colour { return true }
            }
        }
        return false
    }
}

/// `bench tui` measures the room's own drawing path.
final class SteppingBenchTests: XCTestCase {
    func testSteppingDrawsEveryStepThroughThePainter() throws {
        let store = FakeStore(frameCount: 30, frameSize: PixelSize(width: 640, height: 360))
        _ = try store.addSeed(frame: 3, target: .defaultLabel, rect: BoxRect(x: 100, y: 100, width: 200, height: 120))
        let frames = FakeFrames()
        let report = try ReviewRoom.measureStepping(store: store, frames: frames, renderer: TerminalFrameRenderer(KittyRenderer()),
                                                    columns: 93, rows: 24, cellPixels: PixelSize(width: 10, height: 20), steps: 10)
        XCTAssertEqual(report.frames, 10)
        // Each step fetched its frame and sent a kitty picture (a PNG is well over 100 bytes)
        // and changed the counter in the text.
        XCTAssertEqual(Set(frames.requests.map(\.frame)), Set(0...10))
        XCTAssertGreaterThan(report.bytesPerFrame, 100)
        XCTAssertGreaterThan(report.cellsPerFrame, 0)
        XCTAssertGreaterThan(report.medianMilliseconds, 0)
    }
}
