@testable import TerminalGraphics
import XCTest

/// Replies recorded by sending `TerminalProbe.queries` to real terminals (xterm 379 and
/// tmux 3.3a on Debian 12); kitty's are the replies its protocol documentation specifies.
enum RecordedReplies {
    /// `xterm -ti vt340` with 256 colour registers and window ops allowed (../shared/tools/xterm-shot).
    static let xtermVT340 = Array("\u{1B}[?1;0;256S\u{1B}[?2;0;1200;800S\u{1B}[6;20;10t\u{1B}[4;800;1200t\u{1B}[?63;1;2;4;6;9;15;16;22;28c".utf8)
    /// Plain `xterm`: XTSMGRAPHICS refused (status 3), window ops off, no 4 in DA1.
    static let xtermDefault = Array("\u{1B}[?1;3S\u{1B}[?2;3S\u{1B}[?64;1;2;6;9;15;16;17;18;21;22;28c".utf8)
    /// kitty: OK to the graphics query, cell and text-area sizes, DA1.
    static let kitty = Array("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[6;21;10t\u{1B}[4;1050;1200t\u{1B}[?62;c".utf8)
    /// tmux 3.3a inside xterm: only its own DA1.
    static let tmux = Array("\u{1B}[?1;2c".utf8)
    /// tmux 3.3a with allow-passthrough on, inside the VT340 xterm, sent `TerminalProbe.tmuxQueries`
    /// (recorded with XTSMGRAPHICS colours, CSI 16 t and DA1 wrapped): tmux's DA1, then xterm's answers.
    static let tmuxPassthroughVT340 = Array("\u{1B}[?1;2c\u{1B}[?1;0;256S\u{1B}[6;20;10t\u{1B}[?63;1;2;4;6;9;15;16;22;28c".utf8)
    /// A terminal that never answers.
    static let silent: [UInt8] = []
}

final class TerminalProbeTests: XCTestCase {
    func testXtermVT340() {
        let replies = ProbeReplies.parse(RecordedReplies.xtermVT340)
        XCTAssertTrue(replies.complete)
        XCTAssertTrue(replies.sixel)
        XCTAssertEqual(replies.colourRegisters, 256)
        XCTAssertEqual(replies.sixelGeometry, PixelSize(width: 1200, height: 800))
        XCTAssertEqual(replies.cellSize, PixelSize(width: 10, height: 20))
        XCTAssertEqual(replies.textAreaSize, PixelSize(width: 1200, height: 800))
        XCTAssertFalse(replies.kittyGraphics)
    }

    func testXtermDefault() {
        let replies = ProbeReplies.parse(RecordedReplies.xtermDefault)
        XCTAssertTrue(replies.complete)
        XCTAssertFalse(replies.sixel)
        XCTAssertNil(replies.colourRegisters, "status 3 is a refusal, not a count")
        XCTAssertNil(replies.sixelGeometry)
        XCTAssertNil(replies.cellSize)
    }

    func testKitty() {
        let replies = ProbeReplies.parse(RecordedReplies.kitty)
        XCTAssertTrue(replies.kittyGraphics)
        XCTAssertFalse(replies.sixel)
        XCTAssertEqual(replies.primaryAttributes, [62, 0])
        XCTAssertEqual(replies.cellSize, PixelSize(width: 10, height: 21))
    }

    func testTmux() {
        let replies = ProbeReplies.parse(RecordedReplies.tmux)
        XCTAssertEqual(replies.primaryAttributes, [1, 2])
        XCTAssertFalse(replies.sixel)
    }

    func testSilentTerminalAndCutShortReplies() {
        XCTAssertEqual(ProbeReplies.parse(RecordedReplies.silent), ProbeReplies())
        // The read deadline can cut a reply in half: what came before still counts.
        let cut = Array(RecordedReplies.xtermVT340.dropLast(6))
        let replies = ProbeReplies.parse(cut)
        XCTAssertFalse(replies.complete)
        XCTAssertEqual(replies.colourRegisters, 256)
    }

    func testTmuxPassthroughSplitsTmuxFromOuterTerminal() {
        let (tmux, outer) = ProbeReplies.parseThroughTmux(RecordedReplies.tmuxPassthroughVT340)
        XCTAssertEqual(tmux.primaryAttributes, [1, 2])
        XCTAssertTrue(outer.sixel)
        XCTAssertEqual(outer.colourRegisters, 256)
        XCTAssertEqual(outer.cellSize, PixelSize(width: 10, height: 20))
        XCTAssertEqual(ProbeReplies.parse(RecordedReplies.tmuxPassthroughVT340).primaryAttributeReplies, 2)
        // Passthrough on but nothing from outside.
        let (alone, nothing) = ProbeReplies.parseThroughTmux(RecordedReplies.tmux)
        XCTAssertEqual(alone.primaryAttributes, [1, 2])
        XCTAssertFalse(nothing.complete)
    }

    func testTmuxQueriesWrapEveryQueryAfterTmuxsOwnDA1() {
        let text = String(decoding: TerminalProbe.tmuxQueries, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("\u{1B}[c\u{1B}Ptmux;\u{1B}\u{1B}_G"), text.debugDescription)
        XCTAssertTrue(text.hasSuffix("\u{1B}\u{1B}[c\u{1B}\\"))
    }

    func testKittyErrorIsNotSupport() {
        XCTAssertFalse(ProbeReplies.parse(Array("\u{1B}_Gi=31;ENOTSUPPORTED:no\u{1B}\\".utf8)).kittyGraphics)
    }

    // MARK: decisions

    func decide(_ replies: [UInt8]?, _ variables: [String: String], choice: GraphicsChoice = .auto,
                window: WindowSize? = WindowSize(columns: 120, rows: 40), passthrough: Bool? = nil) -> GraphicsDecision {
        var result = ProbeResult(replies: replies.map(ProbeReplies.parse), windowSize: window, tmuxPassthrough: passthrough,
                                 environment: TerminalEnvironment(variables))
        if passthrough == true, let replies {
            (result.replies, result.outerReplies) = ProbeReplies.parseThroughTmux(replies)
        }
        return decideGraphics(result, choice: choice)
    }

    func testDecisionSixelOnVT340() {
        let decision = decide(RecordedReplies.xtermVT340, ["TERM": "xterm"])
        XCTAssertEqual(decision.mode, .sixel)
        XCTAssertEqual(decision.colourRegisters, 256)
        XCTAssertEqual(decision.cellSize, PixelSize(width: 10, height: 20))
        XCTAssertTrue(decision.reasons[0].contains("sixel"), decision.reasons.joined(separator: "\n"))
    }

    func testDecisionBlocksOnDefaultXterm() {
        let decision = decide(RecordedReplies.xtermDefault, ["TERM": "xterm-256color"],
                              window: WindowSize(columns: 120, rows: 40, pixelWidth: 1204, pixelHeight: 804))
        XCTAssertEqual(decision.mode, .blocks)
        XCTAssertEqual(decision.colourDepth, .palette256)
        XCTAssertEqual(decision.cellSize, PixelSize(width: 10, height: 20), "from TIOCGWINSZ")
    }

    func testDecisionKitty() {
        let decision = decide(RecordedReplies.kitty, ["TERM": "xterm-kitty"])
        XCTAssertEqual(decision.mode, .kitty)
        XCTAssertEqual(decision.colourDepth, .trueColour)
    }

    func testDecisionSilentTerminalFallsBackToBlocksOrKittyByName() {
        XCTAssertEqual(decide(RecordedReplies.silent, ["TERM": "xterm-256color", "COLORTERM": "truecolor"]).mode, .blocks)
        XCTAssertEqual(decide(RecordedReplies.silent, ["TERM": "xterm-ghostty"]).mode, .kitty)
        XCTAssertEqual(decide(RecordedReplies.silent, ["TERM": "xterm"]).cellSize, PixelSize(width: 10, height: 20))
    }

    func testDecisionInsideTmux() {
        let off = decide(RecordedReplies.tmux, ["TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0"], passthrough: false)
        XCTAssertEqual(off.mode, .blocks)
        XCTAssertTrue(off.reasons[0].contains("allow-passthrough"), off.reasons[0])
        let kitty = decide(RecordedReplies.tmux + RecordedReplies.kitty, ["TERM": "tmux-256color", "TMUX": "x"], passthrough: true)
        XCTAssertEqual(kitty.mode, .kitty)
        XCTAssertTrue(kitty.tmuxPassthrough)
        let sixel = decide(RecordedReplies.tmuxPassthroughVT340, ["TERM": "tmux-256color", "TMUX": "x"], passthrough: true)
        XCTAssertEqual(sixel.mode, .sixel)
        XCTAssertTrue(sixel.tmuxPassthrough)
        XCTAssertEqual(sixel.cellSize, PixelSize(width: 10, height: 20))
        let quiet = decide(RecordedReplies.tmux, ["TERM": "tmux-256color", "TMUX": "x"], passthrough: true)
        XCTAssertEqual(quiet.mode, .blocks)
        XCTAssertTrue(quiet.reasons[0].contains("neither sixel nor kitty"), quiet.reasons[0])
        let sixelTmux = decide(Array("\u{1B}[?1;2;4c".utf8), ["TMUX": "x"], passthrough: false)
        XCTAssertEqual(sixelTmux.mode, .sixel)
        XCTAssertFalse(sixelTmux.tmuxPassthrough)
    }

    func testNoColourAndDumbGiveAscii() {
        let noColour = decide(RecordedReplies.xtermDefault, ["TERM": "xterm-256color", "NO_COLOR": "1"])
        XCTAssertEqual(noColour.mode, .ascii)
        XCTAssertEqual(noColour.colourDepth, ColourDepth.none)
        XCTAssertEqual(decide(nil, ["TERM": "dumb"]).mode, .ascii)
        // Images still show with NO_COLOR.
        XCTAssertEqual(decide(RecordedReplies.xtermVT340, ["NO_COLOR": "1"]).mode, .sixel)
    }

    func testNotATerminal() {
        let decision = decide(nil, ["TERM": "xterm-256color"], window: nil)
        XCTAssertEqual(decision.mode, .blocks)
        XCTAssertTrue(decision.reasons[0].contains("not a terminal"))
    }

    func testExplicitChoiceAndOverrides() throws {
        let decision = decide(nil, ["TERM": "xterm"], choice: .explicit(.sixel))
        XCTAssertEqual(decision.mode, .sixel)
        XCTAssertTrue(decision.reasons[0].contains("not queried"))

        let environment = TerminalEnvironment(["MICROLABEL_GRAPHICS": "kitty"])
        XCTAssertEqual(try GraphicsChoice.resolve(flag: nil, environment: environment), .explicit(.kitty))
        XCTAssertEqual(try GraphicsChoice.resolve(flag: "ASCII", environment: environment), .explicit(.ascii))
        XCTAssertEqual(try GraphicsChoice.resolve(flag: "auto", environment: environment), .auto)
        XCTAssertEqual(try GraphicsChoice.resolve(flag: nil, environment: TerminalEnvironment([:])), .auto)
        XCTAssertThrowsError(try GraphicsChoice.resolve(flag: "png", environment: environment)) { error in
            XCTAssertEqual("\(error)", "--graphics is 'png': use one of auto, sixel, kitty, blocks, ascii")
        }
        XCTAssertThrowsError(try GraphicsChoice.resolve(flag: nil, environment: TerminalEnvironment(["MICROLABEL_GRAPHICS": "x"])))
    }

    func testQueriesEndWithDA1() {
        XCTAssertTrue(String(decoding: TerminalProbe.queries, as: UTF8.self).hasSuffix("\u{1B}[c"))
    }
}
