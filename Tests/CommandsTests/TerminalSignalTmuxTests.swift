#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest

/// SIGHUP (an SSH connection that drops) and SIGTERM sent to the review room running in tmux:
/// the room ends by the signal, and the pane's terminal is as before: the same tty modes
/// (`stty -g` before and after, in the pane), mouse reporting off, the alternate screen left and
/// the cursor shown (as tmux sees them), and the bytes that turn them off were written.
final class TerminalSignalTmuxTests: XCTestCase {
    private var tmux: TmuxSession?
    private var folder: URL!

    override func setUpWithError() throws {
        guard let session = try TmuxSession.onSampleProject(folderName: "microlabel-signals") else {
            throw XCTSkip("tmux is not installed; these tests need it (apt-get install tmux)")
        }
        tmux = session
        folder = session.folder
    }

    override func tearDownWithError() throws {
        tmux?.close()
    }

    private func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    private func read(_ name: String) -> String? {
        (try? String(contentsOf: file(name), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func waitForFile(_ name: String, timeout: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let text = read(name), !text.isEmpty { return text }
            if Date() > deadline { throw TmuxError("\(name) never appeared; the screen was:\n\(tmux?.capture().text ?? "")") }
            usleep(50_000)
        }
    }

    func testHangupAndTerminateRestoreThePaneAndEndByTheSignal() throws {
        let tmux = try XCTUnwrap(tmux)
        for (signal, name) in [(SIGHUP, "hup"), (SIGTERM, "term")] {
            for leftover in ["modes-before", "modes-after", "room.pid", "room-status", "bytes-\(name)"] {
                try? FileManager.default.removeItem(at: file(leftover))
            }
            // The pane records its modes, runs the room (its pid noted), records the status and
            // the modes again, then stays open so that tmux can be asked about the pane.
            let script = """
                stty -g > modes-before
                sh -c 'echo $$ > room.pid; exec "$0" "$@"' \(Fixtures.microlabelExecutable.path) open P --graphics blocks
                echo $? > room-status
                stty -g > modes-after
                exec sleep 600
                """
            try tmux.start("/bin/sh", ["-c", script], columns: 120, rows: 40)
            _ = tmux.tmux(["pipe-pane", "-o", "-t", "main", "cat >> \(file("bytes-\(name)").path)"])
            try tmux.waitFor("the room") { $0.statusLine.contains("1/132") }
            let pid = try XCTUnwrap(pid_t(try waitForFile("room.pid")))
            XCTAssertEqual(tmux.tmux(["display-message", "-p", "-t", "main", "#{mouse_any_flag} #{alternate_on}"]).output
                .trimmingCharacters(in: .whitespacesAndNewlines), "1 1", "the room has the mouse and the alternate screen")

            kill(pid, signal)
            XCTAssertEqual(try waitForFile("room-status"), "\(128 + signal)", "the shell's status for signal \(signal)")
            let modesAfter = try waitForFile("modes-after")
            XCTAssertEqual(modesAfter, read("modes-before"), "stty -g after \(name)")
            let flags = tmux.tmux(["display-message", "-p", "-t", "main",
                                   "#{mouse_any_flag} #{mouse_button_flag} #{mouse_sgr_flag} #{alternate_on} #{cursor_flag}"])
            XCTAssertEqual(flags.output.trimmingCharacters(in: .whitespacesAndNewlines), "0 0 0 0 1",
                           "mouse any/button/SGR, alternate screen, cursor after \(name)")
            let bytes = String(decoding: (try? Data(contentsOf: file("bytes-\(name)"))) ?? Data(), as: UTF8.self)
            let lastOn = try XCTUnwrap(bytes.range(of: "\u{1B}[?1000h", options: .backwards), "mouse-on bytes recorded")
            XCTAssertTrue(bytes[lastOn.upperBound...].contains("\u{1B}[?1000l"), "mouse reporting turned off in the bytes written")
            tmux.killServer()
        }
    }
}

/// The project file deleted while the room is open, as a user would do it from another shell.
final class DeletedProjectTmuxTests: XCTestCase {
    func testTheRoomSaysSoAndKeepsTheWork() throws {
        guard let tmux = try TmuxSession.onSampleProject(folderName: "microlabel-deleted") else { throw XCTSkip("tmux is not installed") }
        defer { tmux.close() }
        let folder = tmux.folder
        try tmux.start(Fixtures.microlabelExecutable.path, ["open", "P", "--graphics", "blocks"], columns: 140, rows: 40)
        try tmux.waitFor("the room") { $0.statusLine.contains("1/132") }
        // A box drawn and acknowledged before the file goes; the room finds the loss on its next
        // write or its once-a-second check, whichever comes first, so the second box below may
        // or may not be written, but the first must be in the rescued copy.
        tmux.send("n", "Enter", "Right", "Right", "Right", "Down", "Down", "Enter")
        try waitForSeeds(atLeast: 1, in: "P.microlabel", folder: folder)
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("P.microlabel" + suffix))
        }
        tmux.send("Right", "n", "Enter", "Right", "Right", "Down", "Down", "Enter")
        let screen = try tmux.waitFor("the room to say the file is gone") { $0.text.contains("was deleted while open") }
        XCTAssertTrue(screen.text.contains("P.microlabel.rescued"), screen.text)
        tmux.send("q")
        try tmux.waitForExit()
        XCTAssertEqual(tmux.exitStatus(), 0)
        XCTAssertGreaterThanOrEqual(try seeds(in: "P.microlabel.rescued", folder: folder), 1)
    }

    private func seeds(in project: String, folder: URL) throws -> Int {
        let info = try runMicrolabel(["info", project, "--json"], directory: folder)
        XCTAssertEqual(info.status, 0, info.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        return json?["seeds"] as? Int ?? -1
    }

    private func waitForSeeds(atLeast count: Int, in project: String, folder: URL) throws {
        let deadline = Date().addingTimeInterval(15)
        while try seeds(in: project, folder: folder) < count {
            guard Date() < deadline else { return XCTFail("\(project) never had \(count) seed(s)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }
}
