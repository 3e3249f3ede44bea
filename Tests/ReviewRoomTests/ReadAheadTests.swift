import Dispatch
import Foundation
import Geometry
import enum Imaging.ImageCodec
import struct Imaging.RGBImage
@testable import ReviewRoom
import Synchronization
import TerminalGraphics
import XCTest

/// Pictures made ahead on the read-ahead thread: the picture the keys need uses them when the
/// guess was right, and never waits for a guess that was wrong.
final class ReadAheadTests: XCTestCase {
    /// Frames as flat grey pictures, safe to ask from two threads; asking for `gated` blocks
    /// until the test opens the gate (or 20 s pass, which counts as the room having waited).
    final class GatedFrames: FrameProvider, Sendable {
        private struct State {
            var requests: [Int] = []
            var gated: Int?
            var timedOut = false
        }
        private let state = Mutex(State())
        private let gate = DispatchSemaphore(value: 0)

        var requests: [Int] { state.withLock { $0.requests } }
        var timedOut: Bool { state.withLock { $0.timedOut } }

        func close(on frame: Int) { state.withLock { $0.gated = frame } }
        func open() { gate.signal() }

        func image(frame index: Int, region: BoxRect, size: PixelSize) throws -> RGBImage {
            let blocks = state.withLock { s in
                s.requests.append(index)
                return s.gated == index
            }
            if blocks, gate.wait(timeout: .now() + 20) == .timedOut { state.withLock { $0.timedOut = true } }
            var image = RGBImage(width: size.width, height: size.height)
            let level = UInt8(truncatingIfNeeded: index * 2 + 40)
            for i in image.pixels.indices { image.pixels[i] = level }
            return image
        }

        func prefetch(frames: [Int], region: BoxRect, size: PixelSize) {}
    }

    var session: ReviewSession!
    var terminal: RecordingTerminal!
    var frames: GatedFrames!
    var painter: Painter!

    override func setUpWithError() throws {
        let store = FakeStore(frameCount: 132, frameSize: PixelSize(width: 1280, height: 720))
        let project = ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize)
        let state = ReviewState(project: project, columns: 120, rows: 40, graphics: .kitty, cellPixels: PixelSize(width: 10, height: 20))
        session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        terminal = RecordingTerminal()
        frames = GatedFrames()
        painter = Painter(terminal: terminal, frames: frames, renderer: TerminalFrameRenderer(KittyRenderer()), theme: .builtIn)
    }

    /// Waits (a bounded number of short sleeps) for the read-ahead thread to finish its picture.
    private func waitForReadAhead() {
        for _ in 0..<2000 where painter.isPreparingAhead { usleep(5000) }
        XCTAssertFalse(painter.isPreparingAhead, "the picture made ahead never finished")
    }

    /// Steps once from frame 1 so the painter knows the direction, with the answer read.
    private func stepOnce() {
        painter.draw(session.state, now: 10)
        _ = painter.read(wait: false)
        session.send(.key(.right))
        painter.keysArrived(1, now: 11)
        painter.draw(session.state, now: 11)
        _ = painter.read(wait: false)
    }

    func testTheNextStepUsesThePictureMadeAheadInsteadOfMakingItAgain() throws {
        stepOnce()
        XCTAssertEqual(session.state.frame, 1)
        painter.prepareAhead(session.state, boxes: session.boxes(onFrame:), now: 11.01)
        waitForReadAhead()
        XCTAssertEqual(frames.requests.filter { $0 == 2 }.count, 1, "frame 3 made ahead, once")
        XCTAssertEqual(frames.requests.filter { $0 == 3 }.count, 1, "and, the key being held, frame 4 after it")

        session.send(.key(.right))
        painter.keysArrived(1, now: 11.04)
        let mark = terminal.written.count
        XCTAssertNil(painter.draw(session.state, now: 11.04))
        XCTAssertTrue(terminal.line(session.state.layout.statusRow).hasPrefix(" 3/132  "))
        let pictures = ScreenTests.kittyPictures(terminal.written(since: mark))
        XCTAssertEqual(pictures.count, 1, "the picture made ahead went out")
        XCTAssertEqual(frames.requests.filter { $0 == 2 }.count, 1, "and frame 3 was not fetched again")
        // It shows frame 3 (grey level 2 * 2 + 40) and carries the id it was stored under.
        let picture = try ImageCodec.decode(Data(pictures[0]))
        XCTAssertEqual(picture[5, 5].r, 44)
        XCTAssertFalse(String(decoding: terminal.written(since: mark), as: UTF8.self).contains("i=\(KittyShelf.placeholderID),"))
        XCTAssertEqual(painter.aheadWaits, 1)
        XCTAssertEqual(painter.aheadCancels, 0)
    }

    func testAPictureTheKeysNoLongerNeedIsCancelledAndNotWaitedFor() throws {
        stepOnce()
        // The guess (frame 3) hangs in its fetch, as a slow decode would.
        frames.close(on: 2)
        painter.prepareAhead(session.state, boxes: session.boxes(onFrame:), now: 11.01)
        for _ in 0..<2000 where !frames.requests.contains(2) { usleep(1000) }
        XCTAssertTrue(painter.isPreparingAhead)

        // Three keys came at once: the screen needs frame 5, not the guesses (frames 3 and 4).
        session.send([.key(.right), .key(.right), .key(.right)])
        painter.keysArrived(3, now: 11.04)
        let mark = terminal.written.count
        XCTAssertNil(painter.draw(session.state, now: 11.04))
        XCTAssertTrue(terminal.line(session.state.layout.statusRow).hasPrefix(" 5/132  "))
        let pictures = ScreenTests.kittyPictures(terminal.written(since: mark))
        XCTAssertEqual(pictures.count, 1)
        XCTAssertEqual(try ImageCodec.decode(Data(pictures[0]))[5, 5].r, 48, "frame 5's picture")
        XCTAssertFalse(frames.timedOut, "the picture on screen waited for the guess")
        XCTAssertEqual(painter.aheadCancels, 2)

        // Let the guesses go on: they stop after their fetch, and nothing of them is sent.
        frames.open()
        waitForReadAhead()
        let before = terminal.written.count
        // While the keys come faster than single steps, no more guesses; once they rest, the
        // next step at the last stride (three frames: frame 8) is made ahead.
        painter.prepareAhead(session.state, boxes: session.boxes(onFrame:), now: 11.05)
        XCTAssertFalse(painter.isPreparingAhead)
        XCTAssertFalse(frames.requests.contains(7))
        painter.prepareAhead(session.state, boxes: session.boxes(onFrame:), now: 12)
        waitForReadAhead()
        XCTAssertEqual(terminal.written.count, before, "making ahead writes nothing")
        XCTAssertTrue(frames.requests.contains(7), "the guess at rest follows the stride of three")
    }
}
