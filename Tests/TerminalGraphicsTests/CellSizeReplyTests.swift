@testable import TerminalGraphics
import XCTest

/// Cell sizes a terminal (or the line to it) gets wrong: -1, 0, 1, absurdly large, not numbers.
/// None may become a "1x1 px" cell; the decision says the size is assumed and why.
final class CellSizeReplyTests: XCTestCase {
    private let da1 = "\u{1B}[?62;4c"

    private func decide(_ reply: String, window: WindowSize? = WindowSize(columns: 80, rows: 24)) -> GraphicsDecision {
        let replies = ProbeReplies.parse(Array((reply + da1).utf8))
        let result = ProbeResult(replies: replies, windowSize: window, tmuxPassthrough: nil,
                                 environment: TerminalEnvironment(["TERM": "xterm-256color"]))
        return decideGraphics(result, choice: .auto)
    }

    func testAGoodAnswerIsUsed() {
        let decision = decide("\u{1B}[6;20;10t")
        XCTAssertEqual(decision.cellSize, PixelSize(width: 10, height: 20))
        XCTAssertFalse(decision.cellSizeAssumed)
    }

    func testUnusableAnswersAreIgnoredAndNamed() {
        for parameters in ["6;-1;-1", "6;0;0", "6;1;1", "6;20;-5", "6;9999;9999", "6;1.5;10", "6;;"] {
            let replies = ProbeReplies.parse(Array(("\u{1B}[\(parameters)t" + da1).utf8))
            XCTAssertNil(replies.cellSize, parameters)
            XCTAssertEqual(replies.unusableCellSize, parameters)
            XCTAssertTrue(replies.complete, "the DA1 after it is still read (\(parameters))")
            let decision = decide("\u{1B}[\(parameters)t")
            XCTAssertEqual(decision.cellSize, PixelSize(width: 10, height: 20), parameters)
            XCTAssertTrue(decision.cellSizeAssumed, parameters)
            XCTAssertTrue(decision.reasons.contains { $0.contains("'\(parameters)', which is not a cell size") }, "\(decision.reasons)")
            XCTAssertFalse(decision.reasons.contains { $0.contains("1x1 px") }, "\(decision.reasons)")
        }
    }

    func testWindowPixelsThatGiveNoRealCellAreIgnoredToo() {
        // 80 columns over 40 pixels: half a pixel per cell.
        let decision = decide("", window: WindowSize(columns: 80, rows: 24, pixelWidth: 40, pixelHeight: 24))
        XCTAssertTrue(decision.cellSizeAssumed)
        XCTAssertEqual(decision.cellSize, PixelSize(width: 10, height: 20))
        XCTAssertTrue(decision.reasons.contains { $0.contains("TIOCGWINSZ gives 0x1 px per cell, which is not a cell size") }, "\(decision.reasons)")
        let good = decide("", window: WindowSize(columns: 80, rows: 24, pixelWidth: 800, pixelHeight: 480))
        XCTAssertEqual(good.cellSize, PixelSize(width: 10, height: 20))
        XCTAssertFalse(good.cellSizeAssumed)
    }

    func testControlBytesAroundRepliesAreSkipped() {
        let bytes: [UInt8] = [0x03, 0x1C] + Array("\u{1B}[6;18;9t".utf8) + [0x13, 0x1A] + Array(da1.utf8) + [0x03]
        let replies = ProbeReplies.parse(bytes)
        XCTAssertEqual(replies.cellSize, PixelSize(width: 9, height: 18))
        XCTAssertTrue(replies.sixel)
    }
}
