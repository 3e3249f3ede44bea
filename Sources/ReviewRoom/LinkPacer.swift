import Foundation

/// Keeps the pictures sent to a distant terminal from queueing up in the link.
///
/// Every picture is followed by a query the terminal answers (DA1) once it has taken in all
/// bytes before it. An answer therefore says those bytes have arrived; the bytes sent since
/// are still in flight. A new picture goes out only while what is in flight fits the link's
/// bandwidth-delay product, so on a thin link at most one picture is in flight and the next
/// one shows the latest frame instead of one nobody asked for any more. The answers also
/// give the round trip and the rate the terminal drains at.
struct LinkPacer {
    /// A query sent and not answered yet.
    struct Probe: Equatable {
        var sentAt: Double
        /// Bytes written before the query, counted from the start.
        var offset: Int
        /// Whether a query was still unanswered when this one's bytes were written, so the
        /// link was busy all the time between the two answers.
        var queuedBehind: Bool
        /// Whether pictures went before it (not only text or nothing).
        var afterPicture: Bool
    }

    /// Bytes written so far.
    private(set) var sent = 0
    /// Bytes the terminal is known to have taken in.
    private(set) var delivered = 0
    private(set) var outstanding: [Probe] = []
    /// The shortest round trip seen, in seconds.
    private(set) var roundTrip: Double?
    /// Bytes per second the terminal takes in, when there has been enough traffic to tell.
    private(set) var rate: Double?
    /// The terminal did not answer a query: pacing is off.
    private(set) var unanswered = false
    /// How long an answer may take before the terminal is taken not to answer at all.
    var answerTimeout = 3.0

    /// Chunks smaller than this say more about delays on the way (the terminal, the
    /// machines at both ends) than about the rate: full pictures measure it, light ones do not.
    static let rateSampleBytes = 160 * 1024

    var inFlight: Int { sent - delivered }

    /// A chunk this small measures the round trip (a bare query, a status line).
    static let smallBytes = 8 * 1024

    mutating func wrote(_ count: Int) { sent += count }

    /// Records a query written after everything so far, after pictures or not.
    mutating func probeSent(at now: Double, afterPicture: Bool = true) {
        guard !unanswered else { return }
        let chunk = sent - (outstanding.last?.offset ?? delivered)
        if let rate { linkFreeAt = max(now, linkFreeAt) + Double(chunk) / rate }
        outstanding.append(Probe(sentAt: now, offset: sent, queuedBehind: !outstanding.isEmpty, afterPicture: afterPicture))
    }

    /// When the link will have sent everything written so far, at the measured rate.
    private(set) var linkFreeAt = 0.0

    /// The terminal answered the `count` oldest queries (answers read at once count as one);
    /// `now` is when the answers arrived, as near as the caller can tell.
    mutating func answered(_ count: Int = 1, at now: Double) {
        guard !unanswered, count > 0, !outstanding.isEmpty else { return }
        let taken = outstanding.prefix(count)
        outstanding.removeFirst(taken.count)
        let first = taken.first!, last = taken.last!
        let chunk = last.offset - delivered
        let previousDelivery = lastAnswerAt
        delivered = last.offset
        lastAnswerAt = now
        let elapsed = now - first.sentAt
        // The round trip: the shortest wait for an answer behind (next to) nothing.
        if chunk <= Self.smallBytes && taken.count == 1 { roundTrip = min(roundTrip ?? elapsed, max(0.0005, elapsed)) }
        guard chunk >= Self.rateSampleBytes else { return }
        // The chunk's time on the link: from the previous answer when the link was busy with
        // it all along, otherwise from when it was sent, less one round trip.
        let busy: Double
        if first.queuedBehind, let previousDelivery {
            busy = now - previousDelivery
        } else {
            busy = elapsed - (roundTrip ?? 0)
        }
        // The median of the recent samples: one answer read late (or early) does not swing it.
        // (Times under a quarter of a round trip are below what answers can resolve.)
        samples.append(Double(chunk) / max(busy, 0.001, 0.25 * (roundTrip ?? 0)))
        if samples.count > 7 { samples.removeFirst() }
        rate = samples.sorted()[samples.count / 2]
    }

    private var lastAnswerAt: Double?
    private var samples: [Double] = []

    /// Whether a picture may go now: always when no picture is in flight. Otherwise, once the
    /// rate is known, when the link has sent the last picture (at the measured rate), so the
    /// next one never queues behind it, and while what is unanswered fits two round trips;
    /// before that, only after the last picture's answer.
    func maySend(now: Double) -> Bool {
        guard !unanswered, outstanding.contains(where: \.afterPicture) else { return true }
        guard let rate, let roundTrip else { return false }
        return now >= linkFreeAt && Double(inFlight) <= rate * 2 * roundTrip + Double(Self.rateSampleBytes)
    }

    /// Gives up on answers that do not come (a terminal that ignores DA1): pacing stops
    /// instead of the room. Returns true when it gave up just now.
    mutating func expire(now: Double) -> Bool {
        guard !unanswered, let oldest = outstanding.first, now - oldest.sentAt > answerTimeout else { return false }
        giveUp()
        return true
    }

    /// Stops pacing: the terminal is taken not to answer.
    mutating func giveUp() {
        unanswered = true
        outstanding.removeAll()
        delivered = sent
    }

    /// When `expire` should be asked again.
    var expiryDeadline: Double? { outstanding.first.map { $0.sentAt + answerTimeout } }

    /// Seconds `bytes` take to reach the terminal at the measured rate (0 when it is not known).
    func transferTime(_ bytes: Int) -> Double { rate.map { Double(bytes) / $0 } ?? 0 }
}
