#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// What capture-pane showed.
public struct PaneText {
    public var lines: [String]
    public var text: String { lines.joined(separator: "\n") }
    /// The bottom row.
    public var statusLine: String { lines.last ?? "" }
    /// The column of the panel's left border on the first row, if drawn.
    public var panelColumn: Int? {
        guard let first = lines.first, let bar = first.firstIndex(of: "│") else { return nil }
        return first.distance(from: first.startIndex, to: bar)
    }
}

/// One tmux server on a private socket, with one session running a command.
public final class TmuxSession {
    public let program: URL
    public let folder: URL
    let socket = "microlabel-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    private var statusFile: URL { folder.appendingPathComponent("tmux-exit-status") }

    public init(program: URL, folder: URL) {
        self.program = program
        self.folder = folder
    }

    /// A session for one test, in a fresh temporary folder named after `folderName` that holds
    /// project `P` made from the sample frames; nil when tmux is not installed. `close()` ends it.
    public static func onSampleProject(folderName: String) throws -> TmuxSession? {
        guard let program = Fixtures.program("tmux") else { return nil }
        let folder = try Fixtures.temporaryDirectory(folderName)
        let made = try runMicrolabel(["init", "P", "--source", Fixtures.sampleData.appendingPathComponent("frames").path], directory: folder)
        guard made.status == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw TmuxError("microlabel init failed with status \(made.status): \(made.stderr)")
        }
        return TmuxSession(program: program, folder: folder)
    }

    /// Stops the server and removes the session's folder.
    public func close() {
        killServer()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs the command in a new detached session of the given size; its exit status goes to a file.
    public func start(_ executable: String, _ arguments: [String], columns: Int, rows: Int) throws {
        let command = ([executable] + arguments).map(Self.quoted).joined(separator: " ")
        // A known locale and no user config, so the screen is the same everywhere.
        let shell = "cd \(Self.quoted(folder.path)) && env LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_CONFIG_HOME=\(Self.quoted(folder.path)) "
            + "TERM=tmux-256color \(command); echo $? > \(Self.quoted(statusFile.path))"
        // Not through a pipe: the server this starts would keep the pipe open and the read would never end.
        let result = tmux(["-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", "\(columns)", "-y", "\(rows)", shell], readOutput: false)
        guard result.status == 0 else { throw TmuxError("tmux new-session failed: \(result.output)") }
    }

    public func send(_ keys: String...) {
        _ = tmux(["send-keys", "-t", "main"] + keys)
    }

    public func resize(columns: Int, rows: Int) {
        _ = tmux(["resize-window", "-t", "main", "-x", "\(columns)", "-y", "\(rows)"])
    }

    public func capture() -> PaneText {
        let result = tmux(["capture-pane", "-p", "-t", "main"])
        var lines = result.output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        // Row markers (no-break spaces) read as spaces.
        return PaneText(lines: lines.map { $0.replacingOccurrences(of: "\u{00A0}", with: " ") })
    }

    /// Polls the pane until `condition` holds; fails with the last screen after `timeout` seconds.
    @discardableResult
    public func waitFor(_ what: String, timeout: Double = 15, _ condition: (PaneText) -> Bool) throws -> PaneText {
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
    public func waitForExit(timeout: Double = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while exitStatus() == nil {
            if Date() > deadline { throw TmuxError("the program did not quit; the screen was:\n\(capture().text)") }
            usleep(50_000)
        }
    }

    public func exitStatus() -> Int32? {
        guard let text = try? String(contentsOf: statusFile, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Stops the server and removes its socket file (tmux leaves it behind when killed).
    public func killServer() {
        _ = tmux(["kill-server"])
        let base = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        try? FileManager.default.removeItem(atPath: "\(base)/tmux-\(getuid())/\(socket)")
    }

    /// Runs tmux with posix_spawn and its output in a file. Not Foundation's Process: on Linux it
    /// waits until every process that inherited its status socket is gone, and the server that
    /// new-session starts lives on.
    public func tmux(_ arguments: [String], readOutput: Bool = true) -> (status: Int32, output: String) {
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

public struct TmuxError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
