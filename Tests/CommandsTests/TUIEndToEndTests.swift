import Foundation
import ReviewRoom
import TestSupport
import XCTest

/// `microlabel open` in a real terminal: a detached tmux session on a private socket, driven with
/// send-keys and read with capture-pane, on a project made from the sample frames.
final class TUIEndToEndTests: XCTestCase {
    private var tmux: TmuxSession?
    private var folder: URL!

    override func setUpWithError() throws {
        guard let session = try TmuxSession.onSampleProject(folderName: "microlabel-tui") else {
            throw XCTSkip("tmux is not installed; the end-to-end tests of the review room need it (apt-get install tmux)")
        }
        tmux = session
        folder = session.folder
    }

    override func tearDownWithError() throws {
        tmux?.close()
    }

    /// Starts the review room on the project and waits for its first screen.
    private func open(columns: Int = 120, rows: Int = 40) throws -> TmuxSession {
        let tmux = try XCTUnwrap(tmux)
        try tmux.start(Fixtures.microlabelExecutable.path, ["open", "P", "--graphics", "blocks"], columns: columns, rows: rows)
        try tmux.waitFor("the first frame in the status line") { $0.statusLine.contains("1/132") }
        return tmux
    }

    func testStepDrawTwoBoxesUndoOneTrainAcceptRejectQuit() throws {
        let tmux = try open()
        tmux.send("Right", "Right", "Right")
        try tmux.waitFor("frame 4") { $0.statusLine.contains("4/132") }
        tmux.send("End")
        try tmux.waitFor("the last frame") { $0.statusLine.contains("132/132") }
        tmux.send("Home")
        try tmux.waitFor("the first frame again") { $0.statusLine.contains("1/132") }

        // First box on frame 1: crosshair at the centre, corner, opposite corner.
        tmux.send("n")
        try tmux.waitFor("draw mode") { $0.statusLine.contains("DRAW") }
        tmux.send("Left", "Left", "Left", "Up", "Up", "Enter")
        try tmux.waitFor("the second corner") { $0.statusLine.contains("second corner") }
        tmux.send("Right", "Right", "Right", "Right", "Right", "Right", "Down", "Down", "Down", "Down", "Enter")
        try tmux.waitFor("one seed and navigation again") { $0.text.contains("seeds 1") && $0.statusLine.contains("NAVIGATE") }
        XCTAssertTrue(tmux.capture().text.contains("object 1"), "the default label's first object is made without asking")

        // Back in navigation the arrows step frames again; second box on frame 3.
        tmux.send("Right", "Right")
        try tmux.waitFor("frame 3") { $0.statusLine.contains("3/132") }
        tmux.send("n", "Up", "Up", "Enter", "Right", "Right", "Right", "Down", "Down", "Enter")
        try tmux.waitFor("two seeds") { $0.text.contains("seeds 2") }

        tmux.send("u")
        try tmux.waitFor("one seed after undo") { $0.text.contains("seeds 1") }

        // Train in the background; the proposals come from the engine, written as they are made.
        tmux.send("t")
        try tmux.waitFor("training to finish", timeout: 120) { $0.text.contains("training finished") }

        // Review: accept one proposal and reject one.
        tmux.send("r")
        try tmux.waitFor("the review queue") { $0.statusLine.contains("REVIEW") }
        tmux.send("a")
        try tmux.waitFor("one accepted") { $0.text.range(of: #"accepted\s+1\b"#, options: .regularExpression) != nil }
        tmux.send("x")
        try tmux.waitFor("one rejected") { $0.text.range(of: #"rejected\s+1\b"#, options: .regularExpression) != nil }
        tmux.send("Escape")
        try tmux.waitFor("navigation again") { $0.statusLine.contains("NAVIGATE") }

        tmux.send("q")
        try tmux.waitForExit()
        XCTAssertEqual(tmux.exitStatus(), 0)

        let info = try runMicrolabel(["info", "P", "--json"], directory: folder)
        XCTAssertEqual(info.status, 0, info.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["seeds"] as? Int, 1)
        XCTAssertGreaterThan(json["proposals"] as? Int ?? 0, 0)
        XCTAssertGreaterThanOrEqual(json["accepted"] as? Int ?? 0, 1)
        XCTAssertGreaterThanOrEqual(json["rejected"] as? Int ?? 0, 1)
        XCTAssertEqual(json["labels"] as? [String], ["object"])
    }

    func testHelpOverlayListsEveryBoundKey() throws {
        let tmux = try open()
        tmux.send("?")
        try tmux.waitFor("the help overlay") { $0.text.contains("microlabel keys") }
        // Page through the help, collecting every line shown, until its footer says the last line shows.
        let total = Keymap.standard.helpLines().count
        var seen: [String] = []
        for _ in 0..<20 {
            let screen = tmux.capture()
            seen += screen.lines
            let footer = screen.statusLine
            if footer.contains("-\(total) of \(total)") { break }
            tmux.send("PageDown")
            try tmux.waitFor("the next help page") { $0.statusLine != footer }
        }
        XCTAssertTrue(seen.contains { $0.contains("-\(total) of \(total)") }, "the help never reached its last line")
        for binding in Keymap.standard.bindings where !binding.keys.isEmpty {
            let keys = binding.keys.map(\.description)
            let listed = seen.contains { line in
                line.contains(" \(binding.command.rawValue) ") && keys.allSatisfy { line.contains($0) }
            }
            XCTAssertTrue(listed, "the help does not list \(binding.command.rawValue) with \(keys.joined(separator: " "))")
        }
        tmux.send("Escape")
        try tmux.waitFor("the frame view again") { $0.statusLine.contains("NAVIGATE") }
    }

    func testResizeRelaysOutAndTooSmallShowsItsView() throws {
        let tmux = try open()
        XCTAssertEqual(tmux.capture().panelColumn, 120 - 28 - 1)
        tmux.resize(columns: 100, rows: 30)
        try tmux.waitFor("the 100x30 layout") { $0.lines.count == 30 && $0.statusLine.contains("1/132") && $0.panelColumn == 100 - 28 - 1 }

        tmux.resize(columns: 60, rows: 20)
        try tmux.waitFor("the too-small view") { $0.text.contains("Terminal too small") && $0.text.contains("60x20") }
        XCTAssertFalse(tmux.capture().text.contains("1/132"), "nothing of the normal screen is left")

        tmux.resize(columns: 120, rows: 40)
        try tmux.waitFor("the normal screen again") { $0.statusLine.contains("1/132") && !$0.text.contains("too small") }
        tmux.send("q")
        try tmux.waitForExit()
        XCTAssertEqual(tmux.exitStatus(), 0)
    }

    func testStartsInTooSmallTerminalAndQuits() throws {
        let tmux = try XCTUnwrap(tmux)
        try tmux.start(Fixtures.microlabelExecutable.path, ["open", "P", "--graphics", "blocks"], columns: 60, rows: 20)
        try tmux.waitFor("the too-small view") { $0.text.contains("Terminal too small") }
        tmux.send("q")
        try tmux.waitForExit()
        XCTAssertEqual(tmux.exitStatus(), 0)
    }

    func testRefusesWithoutTerminal() throws {
        let result = try runMicrolabel(["open", "P", "--graphics", "blocks"], directory: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("needs a terminal"), result.stderr)
    }
}
