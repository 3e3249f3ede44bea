#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest

/// microlabel on a pseudo-terminal that the test plays: answers to the probe with control
/// bytes, a cell size of -1, answers that come late, TERM=dumb, and signals to the room. After
/// each, the tty modes must be the user's again and nothing may be left for the shell to read.
final class TerminalHostilityTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("microlabel-pty")
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private var environment: [String: String] {
        ["TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": folder.path, "XDG_CONFIG_HOME": folder.path,
         "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    }

    /// The modes that matter: line editing, echo, signal keys, flow control.
    private func keyModes(_ modes: termios) -> [String: Bool] {
        ["ICANON": modes.c_lflag & tcflag_t(ICANON) != 0, "ECHO": modes.c_lflag & tcflag_t(ECHO) != 0,
         "ISIG": modes.c_lflag & tcflag_t(ISIG) != 0, "IEXTEN": modes.c_lflag & tcflag_t(IEXTEN) != 0,
         "IXON": modes.c_iflag & tcflag_t(IXON) != 0, "OPOST": modes.c_oflag & tcflag_t(OPOST) != 0]
    }

    private func assertUserModes(_ terminal: PseudoTerminal, _ before: termios, file: StaticString = #filePath, line: UInt = #line) {
        let after = terminal.modes()
        XCTAssertEqual(keyModes(after), keyModes(before), "tty modes after the run", file: file, line: line)
        XCTAssertEqual(after.c_lflag, before.c_lflag, file: file, line: line)
        XCTAssertEqual(after.c_iflag, before.c_iflag, file: file, line: line)
        XCTAssertEqual(terminal.pendingInput, 0, "bytes left for the shell to read", file: file, line: line)
    }

    private func startDoctor() throws -> (PseudoTerminal, termios) {
        let terminal = try PseudoTerminal()
        let before = terminal.modes()
        try terminal.spawn(Fixtures.microlabelExecutable.path, ["doctor"], environment: environment)
        XCTAssertTrue(terminal.read(timeout: 20) { $0.containsText("\u{1B}[c") }, "the probe's DA1 query never came")
        return (terminal, before)
    }

    private let da1 = "\u{1B}[?62;4;22c"

    func testControlBytesAndACellSizeOfMinusOneInTheReplyNeitherKillNorMislead() throws {
        let (terminal, before) = try startDoctor()
        // Ctrl-C, Ctrl-\, Ctrl-S and Ctrl-Z inside the answer, then a cell size of -1 and DA1.
        terminal.write([0x03, 0x1C, 0x13, 0x1A] + Array("\u{1B}[6;-1;-1t".utf8) + Array(da1.utf8))
        let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "doctor did not end")
        let text = String(decoding: terminal.output, as: UTF8.self)
        XCTAssertEqual(status.exitCode, 0, "\(status); output:\n\(text)")
        XCTAssertTrue(text.contains("cell      10x20 px (assumed: the terminal gave no usable cell size)"), text)
        XCTAssertTrue(text.contains("answered CSI 16 t with '6;-1;-1', which is not a cell size"), text)
        XCTAssertFalse(text.contains("1x1 px"), text)
        XCTAssertTrue(text.contains("graphics  sixel"), "the DA1 after the control bytes is still read: \(text)")
        assertUserModes(terminal, before)
    }

    func testCtrlCPressedDuringASilentProbeIsABytNotASignal() throws {
        let (terminal, before) = try startDoctor()
        terminal.write([0x03])
        let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "doctor did not end")
        XCTAssertEqual(status.exitCode, 0, "\(status)")
        XCTAssertTrue(String(decoding: terminal.output, as: UTF8.self).contains("did not answer DA1"))
        assertUserModes(terminal, before)
    }

    func testALateAnswerIsReadNotEchoedOntoTheShell() throws {
        let (terminal, before) = try startDoctor()
        // Past the 150 ms the probe waits for, within the time it gives a late answer.
        usleep(300_000)
        terminal.write(Array(da1.utf8))
        let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "doctor did not end")
        XCTAssertEqual(status.exitCode, 0, "\(status)")
        let text = String(decoding: terminal.output, as: UTF8.self)
        XCTAssertFalse(text.contains("[?62;4;22c"), "the late answer was echoed: \(text)")
        XCTAssertTrue(text.contains("DA1 answered 62;4;22"), "the late answer is used: \(text)")
        assertUserModes(terminal, before)
    }

    // MARK: The room

    private func makeProject() throws -> String {
        let made = try runMicrolabel(["init", "P", "--source", Fixtures.sampleData.appendingPathComponent("frames").path], directory: folder)
        XCTAssertEqual(made.status, 0, made.stderr)
        return folder.appendingPathComponent("P.microlabel").path
    }

    private let mouseOn = "\u{1B}[?1000h"
    private let mouseOff = "\u{1B}[?1000l"

    /// Starts the room with auto graphics (so it probes), answering the probe with hostile bytes,
    /// and waits until it has turned the mouse on.
    private func startRoom(_ project: String) throws -> (PseudoTerminal, termios) {
        let terminal = try PseudoTerminal(columns: 100, rows: 30)
        let before = terminal.modes()
        try terminal.spawn(Fixtures.microlabelExecutable.path, ["open", project], environment: environment)
        XCTAssertTrue(terminal.read(timeout: 20) { $0.containsText("\u{1B}[c") }, "the probe's DA1 query never came")
        terminal.write([0x03, 0x1C] + Array("\u{1B}[6;0;0t".utf8) + Array("\u{1B}[?62;22c".utf8))
        XCTAssertTrue(terminal.read(timeout: 30) { $0.containsText(self.mouseOn) && $0.containsText("1/132") },
                      "the room did not start: \(String(decoding: terminal.output, as: UTF8.self).suffix(400))")
        return (terminal, before)
    }

    /// The bytes after the room turned the mouse on end it again, leave the alternate screen and show the cursor.
    private func assertRoomUndone(_ terminal: PseudoTerminal, file: StaticString = #filePath, line: UInt = #line) {
        let text = String(decoding: terminal.output, as: UTF8.self)
        guard let on = text.range(of: mouseOn, options: .backwards) else { return XCTFail("mouse never on", file: file, line: line) }
        let tail = text[on.upperBound...]
        XCTAssertTrue(tail.contains(mouseOff), "mouse reporting left on", file: file, line: line)
        XCTAssertTrue(tail.contains("\u{1B}[?1006l"), "SGR mouse reporting left on", file: file, line: line)
        XCTAssertTrue(tail.contains("\u{1B}[?1049l"), "alternate screen not left", file: file, line: line)
    }

    func testQuitAfterAHostileProbeLeavesTheTerminalAsItWas() throws {
        let project = try makeProject()
        let (terminal, before) = try startRoom(project)
        terminal.write(Array("q".utf8))
        let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "the room did not quit")
        XCTAssertEqual(status.exitCode, 0, "\(status)")
        assertRoomUndone(terminal)
        assertUserModes(terminal, before)
    }

    func testSignalsEndTheRoomByTheSignalWithTheTerminalRestored() throws {
        let project = try makeProject()
        for signal in [SIGTERM, SIGHUP, SIGINT] {
            let (terminal, before) = try startRoom(project)
            kill(terminal.pid, signal)
            let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "signal \(signal) did not end the room")
            XCTAssertEqual(status.signal, signal, "ends by the signal (the shell shows \(128 + signal)): \(status)")
            assertRoomUndone(terminal)
            assertUserModes(terminal, before)
        }
    }

    func testSIGTERMEndsTheRoomWhenTheTerminalTakesNothingIn() throws {
        let project = try makeProject()
        let (terminal, _) = try startRoom(project)
        // Steps, and from now on nobody reads the screen (a stalled link): the room's writes fill
        // the pty and block, and so would the terminal's restoration after the signal.
        for _ in 0..<80 {
            terminal.write(Array("\u{1B}OC".utf8))
            usleep(15_000)
        }
        usleep(500_000)
        kill(terminal.pid, SIGTERM)
        let status = try XCTUnwrap(terminal.waitForExitWithoutReading(timeout: 15), "SIGTERM did not end a room whose terminal takes nothing in")
        XCTAssertEqual(status.signal, SIGTERM, "\(status)")
    }

    func testTrainingIsStoppedCleanlyOnSIGTERM() throws {
        let project = try makeProject()
        XCTAssertEqual(try runMicrolabel(["seed", project, "--frame", "34", "--box", "80,78,255,220"]).status, 0)
        let (terminal, before) = try startRoom(project)
        terminal.write(Array("t".utf8))
        XCTAssertTrue(terminal.read(timeout: 60) { $0.containsText("frames tracked") }, "training did not start")
        kill(terminal.pid, SIGTERM)
        let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "SIGTERM did not end the room")
        XCTAssertEqual(status.signal, SIGTERM, "\(status)")
        assertRoomUndone(terminal)
        assertUserModes(terminal, before)
        let check = try runMicrolabel(["info", project])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("seeds"), check.stdout)
    }

    func testACrashRestoresTheTerminalAndEndsAtOnce() throws {
        let project = try makeProject()
        for signal in [SIGSEGV, SIGILL, SIGABRT] {
            let (terminal, before) = try startRoom(project)
            kill(terminal.pid, signal)
            // The Swift runtime's crash prompt would wait 30 s on a terminal.
            let status = try XCTUnwrap(terminal.waitForExit(timeout: 10), "signal \(signal): the room hung after the crash")
            XCTAssertEqual(status.signal, signal, "\(status)")
            let text = String(decoding: terminal.output, as: UTF8.self)
            XCTAssertTrue(text.contains("microlabel: crashed"), text.suffix(300).description)
            assertRoomUndone(terminal)
            assertUserModes(terminal, before)
        }
    }

    func testDumbTerminalIsRefusedWithAMessage() throws {
        let project = try makeProject()
        let terminal = try PseudoTerminal()
        let before = terminal.modes()
        var environment = self.environment
        environment["TERM"] = "dumb"
        try terminal.spawn(Fixtures.microlabelExecutable.path, ["open", project], environment: environment)
        let status = try XCTUnwrap(terminal.waitForExit(timeout: 20), "open hung on TERM=dumb")
        XCTAssertEqual(status.exitCode, 1, "\(status)")
        let text = String(decoding: terminal.output, as: UTF8.self)
        XCTAssertTrue(text.contains("TERM=dumb cannot move the cursor"), text)
        XCTAssertEqual(text.split(separator: "\n").count, 1, "one line: \(text)")
        XCTAssertFalse(text.containsEscape, "nothing but the message is sent: \(text.debugDescription)")
        assertUserModes(terminal, before)
    }

    func testDemoOnADumbTerminalRunsHeadlessInsteadOfDoingNothing() throws {
        let terminal = try PseudoTerminal()
        var environment = self.environment
        environment["TERM"] = "dumb"
        environment["MICROLABEL_SAMPLE_DATA"] = Fixtures.sampleData.path
        try terminal.spawn(Fixtures.microlabelExecutable.path, ["demo", "--project", folder.appendingPathComponent("demo.microlabel").path],
                           environment: environment)
        // The loop itself is tested elsewhere; here it only has to begin, with the reason.
        XCTAssertTrue(terminal.read(timeout: 30) { $0.containsText("running the loop headless") },
                      String(decoding: terminal.output, as: UTF8.self))
        XCTAssertTrue(String(decoding: terminal.output, as: UTF8.self).contains("demo: TERM=dumb cannot move the cursor: the review room cannot run here"))
        kill(terminal.pid, SIGKILL)
    }
}

extension String {
    fileprivate var containsEscape: Bool { unicodeScalars.contains("\u{1B}") }
}
