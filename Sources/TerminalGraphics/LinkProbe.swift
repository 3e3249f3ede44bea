import Foundation

/// What a short exchange with the terminal says about the link to it.
public struct LinkMeasurement: Sendable, Equatable {
    /// Seconds from a query to its answer, the shortest of a few.
    public var roundTrip: Double
    /// Bytes per second the terminal took in during the burst.
    public var bytesPerSecond: Double
    /// The burst's size in bytes.
    public var burstBytes: Int

    public var megabitsPerSecond: Double { bytesPerSecond * 8 / 1_000_000 }
}

/// Measures the link to the terminal: DA1 queries for the round trip, then a burst of bytes
/// the terminal takes in without showing anything (SGR resets) followed by one more query;
/// the burst's time less a round trip gives the rate. The review room paces pictures the same
/// way (`doctor` shows what it will find).
public enum LinkProbe {
    public static func measure(burstBytes: Int = 256 * 1024, timeoutSeconds: Double = 10) -> LinkMeasurement? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        defer { tcsetattr(fd, TCSADRAIN, &saved) }

        let query: [UInt8] = Array("\u{1B}[c".utf8)
        var trips: [Double] = []
        for _ in 0..<3 {
            let start = now()
            guard send(query, to: fd), awaitAnswer(fd, until: start + 2) else { return nil }
            trips.append(now() - start)
        }
        let roundTrip = trips.min()!
        let unit: [UInt8] = Array("\u{1B}[0m".utf8)
        var burst: [UInt8] = []
        burst.reserveCapacity(burstBytes + query.count)
        while burst.count + unit.count <= burstBytes { burst += unit }
        burst += query
        let start = now()
        guard send(burst, to: fd), awaitAnswer(fd, until: start + timeoutSeconds) else { return nil }
        let busy = max(now() - start - roundTrip, 0.0005)
        return LinkMeasurement(roundTrip: roundTrip, bytesPerSecond: Double(burst.count) / busy, burstBytes: burst.count)
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private static func send(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Reads until a DA1 answer (`ESC [ ? ... c`) has come, or the deadline passes.
    private static func awaitAnswer(_ fd: Int32, until deadline: Double) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let remaining = deadline - now()
            guard remaining > 0 else { return false }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(remaining * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return false }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return false }
            received += buffer[0..<count]
            if ProbeReplies.parse(received).primaryAttributeReplies >= 1 { return true }
        }
    }
}
