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
        let query: [UInt8] = Array("\u{1B}[c".utf8)
        var trips: [Double] = []
        for _ in 0..<3 {
            guard let trip = answerTime(query, timeoutSeconds: 2) else { return nil }
            trips.append(trip)
        }
        let roundTrip = trips.min()!
        let unit: [UInt8] = Array("\u{1B}[0m".utf8)
        var burst: [UInt8] = []
        burst.reserveCapacity(burstBytes + query.count)
        while burst.count + unit.count <= burstBytes { burst += unit }
        burst += query
        guard let time = answerTime(burst, timeoutSeconds: timeoutSeconds) else { return nil }
        let busy = max(time - roundTrip, 0.0005)
        return LinkMeasurement(roundTrip: roundTrip, bytesPerSecond: Double(burst.count) / busy, burstBytes: burst.count)
    }

    /// Seconds from writing `bytes` (which end in a DA1 query) to the answer, through the
    /// probe's raw-mode exchange; nil when no answer came.
    private static func answerTime(_ bytes: [UInt8], timeoutSeconds: Double) -> Double? {
        let start = now()
        guard let replies = TerminalProbe.exchange(bytes, replies: 1, timeoutMilliseconds: Int(timeoutSeconds * 1000)),
              ProbeReplies.parse(replies).primaryAttributeReplies >= 1 else { return nil }
        return now() - start
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
