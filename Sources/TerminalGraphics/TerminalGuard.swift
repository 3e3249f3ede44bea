#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Synchronization

/// Puts the terminal back when the program ends by a signal.
///
/// While the terminal is in a state of ours (the probe's raw mode, the review room) it is
/// *armed* with the tty modes to restore and the bytes that undo our settings (mouse reporting,
/// the alternate screen, the hidden cursor). Then:
/// - SIGHUP, SIGTERM and SIGINT ask the program to stop: `stopSignal` is set and the owner of
///   the terminal (the room's loop, the probe) winds down, restores the terminal, and calls
///   `endIfStopped()`, which ends the process by the same signal (status 128+signo). If it
///   has not done so within `graceSeconds`, or a second signal comes, a watcher thread restores
///   the terminal itself and ends the process.
/// - SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP and SIGQUIT (a crash) restore the
///   terminal at once with async-signal-safe calls only (write, tcsetattr), say so in one line,
///   and end the process by the signal's default action.
/// Not armed, every signal keeps its usual meaning: the default action, or for crashes
/// whatever handler was there before (the Swift runtime's backtracer).
public enum TerminalGuard {
    /// Seconds between a stop signal and the watcher ending the process itself.
    public static let graceSeconds = 5

    /// The stop signal received (SIGHUP, SIGTERM or SIGINT), or 0.
    public static var stopSignal: Int32 { state.stop.load(ordering: .acquiring) }

    /// Starts restoring the terminal on signals: `descriptor`'s tty `modes` (nil: leave the
    /// modes) and `resetBytes` written to `output`. Replaces what was armed before.
    public static func arm(descriptor: Int32, modes: termios?, resetBytes: [UInt8], output: Int32 = STDOUT_FILENO) {
        installOnce()
        state.armed.store(0, ordering: .releasing)
        let shared = state.shared
        shared.pointee.descriptor = descriptor
        shared.pointee.output = output
        shared.pointee.hasModes = modes == nil ? 0 : 1
        if let modes { shared.pointee.modes = modes }
        let count = min(resetBytes.count, State.resetCapacity)
        for i in 0..<count { state.reset[i] = resetBytes[i] }
        shared.pointee.resetCount = count
        state.armed.store(1, ordering: .releasing)
    }

    /// The terminal is back in the user's state: signals need not restore anything.
    public static func disarm() {
        state.armed.store(0, ordering: .releasing)
    }

    /// When a stop signal came: ends the process by that signal, as its default action would
    /// have (the shell then reports 128+signo). Call it once the terminal has been restored.
    public static func endIfStopped() {
        let signal = stopSignal
        guard signal != 0 else { return }
        disarm()
        endBy(signal)
    }

    /// Bytes that leave the room's settings: mouse reporting off (SGR, drag, press), synchronized
    /// output ended, attributes reset, the cursor shown, the alternate screen left.
    public static let roomResetBytes: [UInt8] = Array(
        "\u{1B}[?1006l\u{1B}[?1002l\u{1B}[?1000l\u{1B}[?2026l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l\r\n".utf8)

    // MARK: Machinery

    /// Everything the handlers touch, allocated once and never freed, so a handler reads
    /// plain memory and atomics only.
    final class State: Sendable {
        struct Shared {
            var descriptor: Int32 = -1
            var output: Int32 = STDOUT_FILENO
            var hasModes: Int32 = 0
            var modes = termios()
            var resetCount = 0
        }
        static let resetCapacity = 256
        nonisolated(unsafe) let shared = UnsafeMutablePointer<Shared>.allocate(capacity: 1)
        nonisolated(unsafe) let reset = UnsafeMutablePointer<UInt8>.allocate(capacity: resetCapacity)
        /// Actions in place before ours, by signal number.
        nonisolated(unsafe) let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        /// One line per crash signal, by signal number (empty when not one of ours).
        nonisolated(unsafe) let crashLines = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 65)
        nonisolated(unsafe) let crashLengths = UnsafeMutablePointer<Int>.allocate(capacity: 65)
        let armed = Atomic<Int32>(0)
        let stop = Atomic<Int32>(0)
        let installed = Atomic<Int32>(0)
        /// Written by the stop handler to wake the watcher thread: [read end, write end].
        nonisolated(unsafe) let wake = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        /// Whether a crash may be handed on to the handler installed before ours (the Swift
        /// runtime's backtracer): only when SWIFT_BACKTRACE turns off its interactive prompt,
        /// which otherwise waits 30 s for a key on the terminal.
        let chainCrashes: Bool

        init(chainCrashes: Bool) {
            self.chainCrashes = chainCrashes
            shared.initialize(to: Shared())
            crashLines.initialize(repeating: nil, count: 65)
            crashLengths.initialize(repeating: 0, count: 65)
            previous.initialize(repeating: sigaction(), count: 65)
            wake[0] = -1
            wake[1] = -1
        }
    }

    static let stopSignals: [Int32] = [SIGHUP, SIGTERM, SIGINT]
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGQUIT]

    static let state: State = {
        let setting = (getenv("SWIFT_BACKTRACE").map { String(cString: $0) } ?? "").lowercased()
            .replacingOccurrences(of: " ", with: "")
        let quiet = setting.contains("interactive=no") || setting.contains("interactive=false") || setting.contains("enable=no")
        return State(chainCrashes: quiet)
    }()

    private static let installLock = Mutex<Void>(())

    private static func installOnce() {
        installLock.withLock { _ in
            guard state.installed.load(ordering: .acquiring) == 0 else { return }
            let state = self.state
            for signal in crashSignals {
                let line = Array(("\r\nmicrolabel: crashed (\(name(of: signal))); the terminal was restored and every edit made before "
                    + "was already saved. " + (state.chainCrashes ? "" : "For a backtrace, run again with SWIFT_BACKTRACE=interactive=no.")
                    + "\r\n").utf8)
                let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: line.count)
                buffer.initialize(from: line, count: line.count)
                state.crashLines[Int(signal)] = buffer
                state.crashLengths[Int(signal)] = line.count
            }
            var ends: [Int32] = [-1, -1]
            if pipe(&ends) == 0 {
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
                state.wake[0] = ends[0]
                state.wake[1] = ends[1]
                startWatcher()
            }
            for signal in stopSignals where !isIgnored(signal) {
                install(signal, handler: onStopSignal)
            }
            for signal in crashSignals {
                if isIgnored(signal) { continue }
                var action = sigaction()
                action.infoHandler = onCrashSignal
                sigemptyset(&action.sa_mask)
                action.sa_flags = Int32(SA_SIGINFO | SA_ONSTACK)
                sigaction(signal, &action, state.previous + Int(signal))
            }
            state.installed.store(1, ordering: .releasing)
        }
    }

    /// Respect nohup and friends: an ignored signal stays ignored.
    private static func isIgnored(_ signal: Int32) -> Bool {
        var current = sigaction()
        sigaction(signal, nil, &current)
        guard current.sa_flags & Int32(SA_SIGINFO) == 0, let handler = current.plainHandler else { return false }
        return unsafeBitCast(handler, to: Int.self) == 1
    }

    private static func install(_ signal: Int32, handler: @escaping @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.plainHandler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(SA_RESTART | SA_ONSTACK)
        sigaction(signal, &action, state.previous + Int(signal))
    }

    /// Waits for the stop handler's byte; then gives the owner of the terminal `graceSeconds`
    /// to wind down before restoring the terminal and ending the process itself.
    private static func startWatcher() {
        let descriptor = state.wake[0]
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { _ in
            var byte: UInt8 = 0
            while true {
                let count = read(TerminalGuard.state.wake[0], &byte, 1)
                if count == 1 { break }
                if count < 0 && errno == EINTR { continue }
                return nil
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            for _ in 0..<(TerminalGuard.graceSeconds * 20) {
                nanosleep(&pause, nil)
            }
            let signal = TerminalGuard.state.stop.load(ordering: .acquiring)
            TerminalGuard.restoreNow()
            TerminalGuard.endBy(signal == 0 ? SIGTERM : signal)
            return nil
        }, nil)
        if started == 0 { pthread_detach(thread) } else { close(descriptor) }
    }

    /// Signal handler for SIGHUP, SIGTERM and SIGINT.
    private static let onStopSignal: @convention(c) (Int32) -> Void = { signal in
        let state = TerminalGuard.state
        if state.armed.load(ordering: .acquiring) == 0 {
            // Nothing of ours on the terminal: the signal's usual meaning.
            TerminalGuard.endBy(signal)
            return
        }
        let (exchanged, _) = state.stop.compareExchange(expected: 0, desired: signal, ordering: .acquiringAndReleasing)
        if exchanged {
            var byte: UInt8 = 1
            _ = write(state.wake[1], &byte, 1)
        } else {
            // Asked twice: do not wait for the owner any longer.
            TerminalGuard.restoreNow()
            TerminalGuard.endBy(signal)
        }
    }

    /// Signal handler for crashes (SA_SIGINFO, so that the details can be handed on).
    private static let onCrashSignal: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = {
        signal, info, context in
        let state = TerminalGuard.state
        let wasArmed = state.armed.exchange(0, ordering: .acquiringAndReleasing) == 1
        if wasArmed {
            TerminalGuard.restoreTerminal(state)
            if let line = state.crashLines[Int(signal)] {
                _ = write(STDERR_FILENO, line, state.crashLengths[Int(signal)])
            }
        }
        let previous = state.previous[Int(signal)]
        if !wasArmed || state.chainCrashes, previous.sa_flags & Int32(SA_SIGINFO) != 0,
           let handler = previous.infoHandler {
            // The handler that was there before (the Swift runtime's backtracer) reports the
            // crash; then the process ends here, whether or not it returns.
            handler(signal, info, context)
        } else if !wasArmed, let handler = previous.plainHandler, unsafeBitCast(handler, to: Int.self) > 1 {
            handler(signal)
        }
        TerminalGuard.endBy(signal)
    }

    /// Restores the terminal now, from any thread or a handler, if armed.
    static func restoreNow() {
        if state.armed.exchange(0, ordering: .acquiringAndReleasing) == 1 { restoreTerminal(state) }
    }

    /// Async-signal-safe: poll(2), write(2) and tcsetattr(3) only.
    private static func restoreTerminal(_ state: State) {
        let shared = state.shared
        var written = 0
        let count = shared.pointee.resetCount
        var attempts = 0
        while written < count && attempts < 16 {
            // A terminal that takes nothing in (a stalled link whose window is full, a hung
            // emulator) would block the write for ever, and the process would never end: write
            // only what it has room for, a little at a time, and give up after a few waits.
            var ready = pollfd(fd: shared.pointee.output, events: Int16(POLLOUT), revents: 0)
            guard poll(&ready, 1, 200) > 0 else { break }
            let n = write(shared.pointee.output, state.reset + written, min(32, count - written))
            if n > 0 { written += n } else if n < 0 && errno != EINTR && errno != EAGAIN { break }
            attempts += 1
        }
        if shared.pointee.hasModes == 1 {
            _ = tcsetattr(shared.pointee.descriptor, TCSANOW, &shared.pointee.modes)
        }
    }

    /// Ends the process by `signal`'s default action.
    static func endBy(_ signal: Int32) {
        var action = sigaction()
        action.plainHandler = nil  // SIG_DFL
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(signal)
        // Still here (a signal whose default is to ignore): leave with the conventional status.
        _exit(128 + signal)
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV, a bad memory access"
        case SIGBUS: "SIGBUS, a bad memory access"
        case SIGILL: "SIGILL, a failed check"
        case SIGFPE: "SIGFPE, an arithmetic fault"
        case SIGABRT: "SIGABRT, aborted"
        case SIGTRAP: "SIGTRAP, a failed check"
        case SIGQUIT: "SIGQUIT"
        default: "signal \(signal)"
        }
    }
}

/// The handler union of `sigaction`, which glibc and Darwin name differently.
extension sigaction {
    var plainHandler: (@convention(c) (Int32) -> Void)? {
        get {
            #if os(Linux)
            __sigaction_handler.sa_handler
            #else
            __sigaction_u.__sa_handler
            #endif
        }
        set {
            #if os(Linux)
            __sigaction_handler.sa_handler = newValue
            #else
            __sigaction_u.__sa_handler = newValue
            #endif
        }
    }

    var infoHandler: (@convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void)? {
        get {
            #if os(Linux)
            __sigaction_handler.sa_sigaction
            #else
            __sigaction_u.__sa_sigaction
            #endif
        }
        set {
            #if os(Linux)
            __sigaction_handler.sa_sigaction = newValue
            #else
            __sigaction_u.__sa_sigaction = newValue
            #endif
        }
    }
}
