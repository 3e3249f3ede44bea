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
        guard let program = Fixtures.program("tmux") else {
            throw XCTSkip("tmux is not installed; the end-to-end tests of the review room need it (apt-get install tmux)")
        }
        folder = try Fixtures.temporaryDirectory("microlabel-tui")
        let made = try runMicrolabel(["init", "P", "--source", Fixtures.sampleData.appendingPathComponent("frames").path], directory: folder)
        XCTAssertEqual(made.status, 0, made.stderr)
        tmux = TmuxSession(program: program, folder: folder)
    }

    override func tearDownWithError() throws {
        tmux?.killServer()
        if let folder { try? FileManager.default.removeItem(at: folder) }
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

/// What capture-pane showed.
struct PaneText {
    var lines: [String]
    var text: String { lines.joined(separator: "\n") }
    /// The bottom row.
    var statusLine: String { lines.last ?? "" }
    /// The column of the panel's left border on the first row, if drawn.
    var panelColumn: Int? {
        guard let first = lines.first, let bar = first.firstIndex(of: "│") else { return nil }
        return first.distance(from: first.startIndex, to: bar)
    }
}

/// One tmux server on a private socket, with one session running a command.
final class TmuxSession {
    let program: URL
    let folder: URL
    let socket = "microlabel-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    private var statusFile: URL { folder.appendingPathComponent("tmux-exit-status") }

    init(program: URL, folder: URL) {
        self.program = program
        self.folder = folder
    }

    /// Runs the command in a new detached session of the given size; its exit status goes to a file.
    func start(_ executable: String, _ arguments: [String], columns: Int, rows: Int) throws {
        let command = ([executable] + arguments).map(Self.quoted).joined(separator: " ")
        // A known locale and no user config, so the screen is the same everywhere.
        let shell = "cd \(Self.quoted(folder.path)) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_CONFIG_HOME=\(Self.quoted(folder.path)) "
            + "TERM=tmux-256color \(command); echo $? > \(Self.quoted(statusFile.path))"
        // Not through a pipe: the server this starts would keep the pipe open and the read would never end.
        let result = tmux(["-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", "\(columns)", "-y", "\(rows)", shell], readOutput: false)
        guard result.status == 0 else { throw TmuxError("tmux new-session failed: \(result.output)") }
    }

    func send(_ keys: String...) {
        _ = tmux(["send-keys", "-t", "main"] + keys)
    }

    func resize(columns: Int, rows: Int) {
        _ = tmux(["resize-window", "-t", "main", "-x", "\(columns)", "-y", "\(rows)"])
    }

    func capture() -> PaneText {
        let result = tmux(["capture-pane", "-p", "-t", "main"])
        var lines = result.output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        // Row markers (no-break spaces) read as spaces.
        return PaneText(lines: lines.map { $0.replacingOccurrences(of: "\u{00A0}", with: " ") })
    }

    /// Polls the pane until `condition` holds; fails with the last screen after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 15, _ condition: (PaneText) -> Bool) throws -> PaneText {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = capture()
        while !condition(screen) {
            if Date() > deadline { throw TmuxError("timed out waiting for \(what); the screen was:\n\(screen.text)") }
            usleep(50_000)
            screen = capture()
        }
        return screen
    }

    /// Waits until the command has finished and written its exit status.
    func waitForExit(timeout: Double = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while exitStatus() == nil {
            if Date() > deadline { throw TmuxError("the program did not quit; the screen was:\n\(capture().text)") }
            usleep(50_000)
        }
    }

    func exitStatus() -> Int32? {
        guard let text = try? String(contentsOf: statusFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Stops the server and removes its socket file (tmux leaves it behind when killed).
    func killServer() {
        _ = tmux(["kill-server"])
        let base = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(base)/tmux-\(getuid())/\(socket)")
    }

    /// Runs tmux with posix_spawn and its output in a file. Not Foundation's Process: on Linux it
    /// waits until every process that inherited its status socket is gone, and the server that
    /// new-session starts lives on.
    func tmux(_ arguments: [String], readOutput: Bool = true) -> (status: Int32, output: String) {
        let output = folder.appendingPathComponent("tmux-output-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, readOutput ? output.path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([program.path, "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program.path, &actions, nil, argv, environ)
        guard spawned == 0 else { return (-1, String(cString: strerror(spawned))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = readOutput ? ((try? String(contentsOf: output, encoding: .utf8)) ?? "") : ""
        return (status, text)
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

struct TmuxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
