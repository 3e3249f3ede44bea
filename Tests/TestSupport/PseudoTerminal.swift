#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// A pseudo-terminal with one program running on it as its controlling terminal: the test
/// plays the terminal (reads what the program writes, answers with any bytes it likes) and can
/// read the tty modes the program left behind. The pty calls are wrapped here, once.
public final class PseudoTerminal {
    /// The terminal's side.
    public let master: Int32
    /// The program's side, held open by the test too so its modes can be read after the program ends.
    public let slave: Int32
    public let slavePath: String
    public private(set) var pid: pid_t = 0
    /// Everything the program has written so far.
    public private(set) var output: [UInt8] = []
    private var status: Int32?

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(columns: Int = 100, rows: Int = 30) throws {
        var master: Int32 = -1, slave: Int32 = -1
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0, let name = ttyname(slave) else {
            throw Failure(description: "cannot make a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        // Neither end may leak into the program: it opens the pty by name, as its controlling terminal.
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        self.master = master
        self.slave = slave
        slavePath = String(cString: name)
    }

    deinit {
        if pid > 0 && status == nil {
            kill(pid, SIGKILL)
            var ignored: Int32 = 0
            waitpid(pid, &ignored, 0)
        }
        close(master)
        close(slave)
    }

    /// Starts `executable` in a new session whose controlling terminal is this pty.
    public func spawn(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A new session: the first terminal it opens (the pty, below) becomes its controlling terminal.
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc)
        posix_spawnattr_setflags(&attributes, Int16(setsid))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
    }

    /// Sends bytes as the terminal would (answers, keys).
    public func write(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            done += n
        }
    }

    /// Reads the program's output until `condition` holds for all of it, the program ends, or
    /// `timeout` seconds pass; returns whether the condition held.
    @discardableResult
    public func read(timeout: Double, until condition: ([UInt8]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(output) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return false }
            if !readOnce(milliseconds: Int32(min(remaining, 0.05) * 1000)) && exited() { return condition(output) }
        }
        return true
    }

    /// Waits for the program to end, reading its output meanwhile; nil after `timeout` seconds.
    public func waitForExit(timeout: Double) -> ExitStatus? {
        let deadline = Date().addingTimeInterval(timeout)
        while !exited() {
            if Date() > deadline { return nil }
            readOnce(milliseconds: 20)
        }
        while readOnce(milliseconds: 0) {}
        return status.map(ExitStatus.init)
    }

    /// Waits for the program to end without reading its output (a terminal that takes nothing
    /// in); nil after `timeout` seconds.
    public func waitForExitWithoutReading(timeout: Double) -> ExitStatus? {
        let deadline = Date().addingTimeInterval(timeout)
        while !exited() {
            if Date() > deadline { return nil }
            usleep(20_000)
        }
        return status.map(ExitStatus.init)
    }

    /// How the program ended.
    public struct ExitStatus: Equatable, CustomStringConvertible {
        public var raw: Int32
        public var exitCode: Int32? { raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil }
        public var signal: Int32? { raw & 0x7f != 0 && raw & 0x7f != 0x7f ? raw & 0x7f : nil }
        public var description: String { signal.map { "killed by signal \($0)" } ?? "exit \(exitCode ?? -1)" }
    }

    /// The pty's modes now.
    public func modes() -> termios {
        var modes = termios()
        tcgetattr(slave, &modes)
        return modes
    }

    /// Bytes waiting to be read on the program's side (what a shell would read next).
    public var pendingInput: Int32 {
        var count: Int32 = 0
        _ = ioctl(slave, UInt(FIONREAD), &count)
        return count
    }

    @discardableResult
    private func readOnce(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) > 0, descriptor.revents & Int16(POLLIN) != 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        output += buffer[0..<n]
        return true
    }

    private func exited() -> Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
        return status != nil
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes.
    public func containsText(_ needle: String) -> Bool {
        let bytes = Array(needle.utf8)
        guard !bytes.isEmpty, bytes.count <= count else { return bytes.isEmpty }
        for start in 0...(count - bytes.count) where self[start] == bytes[0] {
            if Array(self[start..<(start + bytes.count)]) == bytes { return true }
        }
        return false
    }
}
