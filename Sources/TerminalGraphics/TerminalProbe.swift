#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// Asks the controlling terminal what it can do. The replies are parsed by `ProbeReplies`;
/// this type only does the I/O: raw mode, write the queries, read until DA1 or a deadline,
/// and always restore the terminal mode.
public enum TerminalProbe {
    /// Kitty graphics query, XTSMGRAPHICS colour registers and geometry, cell size, text area
    /// size, and DA1 last: every terminal answers DA1, so its reply marks the end.
    public static let queries: [UInt8] = Array(
        ("\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\" + "\u{1B}[?1;1;0S" + "\u{1B}[?2;1;0S"
            + "\u{1B}[16t" + "\u{1B}[14t" + "\u{1B}[c").utf8)

    /// Inside tmux with passthrough: tmux's own DA1 first, then every query wrapped for the
    /// outer terminal, whose replies tmux hands back.
    public static let tmuxQueries: [UInt8] = Array("\u{1B}[c".utf8) + tmuxPassthrough(queries)

    /// Probes and decides. An explicit choice sends nothing to the terminal.
    /// With `waitForLateReplies`, a terminal that said nothing by the timeout is given
    /// `settleMilliseconds` more, so that a slow answer is read here rather than echoed onto
    /// the shell the program returns to.
    public static func detect(choice: GraphicsChoice, environment variables: [String: String],
                              timeoutMilliseconds: Int = 150, waitForLateReplies: Bool = false) -> GraphicsDecision {
        let environment = TerminalEnvironment(variables)
        let window = windowSize()
        let passthrough = environment.insideTmux ? tmuxAllowsPassthrough() : nil
        var result = ProbeResult(replies: nil, windowSize: window, tmuxPassthrough: passthrough, environment: environment)
        if choice == .auto && !environment.dumb {
            if passthrough == true {
                if let bytes = exchange(tmuxQueries, replies: 2, timeoutMilliseconds: timeoutMilliseconds,
                                        settleWhenSilent: waitForLateReplies) {
                    let split = ProbeReplies.parseThroughTmux(bytes)
                    result.replies = split.tmux
                    result.outerReplies = split.outer
                }
            } else {
                result.replies = exchange(queries, replies: 1, timeoutMilliseconds: timeoutMilliseconds,
                                          settleWhenSilent: waitForLateReplies).map(ProbeReplies.parse)
            }
        }
        return decideGraphics(result, choice: choice)
    }

    /// Sends `queries` to /dev/tty and collects replies until DA1 arrives or the time is up.
    /// Nil when there is no controlling terminal.
    public static func query(timeoutMilliseconds: Int = 150) -> ProbeReplies? {
        exchange(queries, replies: 1, timeoutMilliseconds: timeoutMilliseconds).map(ProbeReplies.parse)
    }

    /// How long a terminal that has not finished answering by the timeout gets to finish, so
    /// that its late bytes are read here (and used) instead of echoed onto the user's shell.
    public static let settleMilliseconds = 400

    /// Writes `bytes` to /dev/tty in raw mode and reads until `replies` DA1 answers have come
    /// or the time is up; the terminal mode is restored on every path.
    ///
    /// Signal characters are off too (ISIG, IEXTEN, IXON): a 0x03, 0x1c or 0x13 in a reply, or
    /// Ctrl-C pressed meanwhile, is a byte read here, not a signal that ends the program with
    /// the terminal left raw. Should a signal come from elsewhere, `TerminalGuard` restores the mode.
    /// With `settleWhenSilent`, a terminal that said nothing by the timeout gets the extra time
    /// too (`doctor`, which exits to the shell right after).
    static func exchange(_ bytes: [UInt8], replies expected: Int, timeoutMilliseconds: Int, settleWhenSilent: Bool = false) -> [UInt8]? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        return exchange(bytes, on: fd, replies: expected, timeoutMilliseconds: timeoutMilliseconds,
                        settleMilliseconds: settleMilliseconds, settleWhenSilent: settleWhenSilent)
    }

    /// `exchange` on an open terminal, which it closes.
    static func exchange(_ bytes: [UInt8], on fd: Int32, replies expected: Int, timeoutMilliseconds: Int,
                         settleMilliseconds: Int, settleWhenSilent: Bool = false) -> [UInt8]? {
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        TerminalGuard.arm(descriptor: fd, modes: saved, resetBytes: [])
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else {
            TerminalGuard.disarm()
            return nil
        }
        defer {
            // TCSAFLUSH: whatever arrived after the last read goes, rather than to the shell.
            tcsetattr(fd, TCSAFLUSH, &saved)
            TerminalGuard.disarm()
            TerminalGuard.endIfStopped()
        }

        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { return [] }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        let start = monotonicMilliseconds()
        var deadline = start + timeoutMilliseconds
        while TerminalGuard.stopSignal == 0 {
            var remaining = deadline - monotonicMilliseconds()
            if remaining <= 0 {
                // Late but talking: give the answer a little longer to end, rather than leave
                // the rest of it to be echoed after we return.
                guard !received.isEmpty || settleWhenSilent, deadline == start + timeoutMilliseconds else { break }
                deadline += settleMilliseconds
                remaining = settleMilliseconds
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(remaining))
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
            if ProbeReplies.parse(received).primaryAttributeReplies >= expected { break }
        }
        return received
    }

    /// Rows, columns and (when the terminal fills them in) pixels, from TIOCGWINSZ on the
    /// first of stdout, stdin or /dev/tty that is a terminal.
    public static func windowSize() -> WindowSize? {
        for fd in [STDOUT_FILENO, STDIN_FILENO] where isatty(fd) == 1 {
            if let size = windowSize(fd) { return size }
        }
        let fd = open("/dev/tty", O_RDONLY | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return windowSize(fd)
    }

    private static func windowSize(_ fd: Int32) -> WindowSize? {
        var size = winsize()
        guard ioctl(fd, windowSizeRequest, &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return WindowSize(columns: Int(size.ws_col), rows: Int(size.ws_row),
                          pixelWidth: Int(size.ws_xpixel), pixelHeight: Int(size.ws_ypixel))
    }

    /// `tmux show -gv allow-passthrough` is `on` (or `all`); nil when tmux cannot be asked.
    public static func tmuxAllowsPassthrough() -> Bool? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "show", "-gv", "allow-passthrough"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return value == "on" || value == "all"
    }

    private static func monotonicMilliseconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
    }
}
