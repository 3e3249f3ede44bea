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
    /// machines at both ends) than about the rate: pictures measure it, text and queries do not.
    static let rateSampleBytes = 64 * 1024

    var inFlight: Int { sent - delivered }

    /// Unanswered bytes allowed beyond two round trips' worth: about one picture.
    static let slackBytes = 160 * 1024

    /// A chunk this small measures the round trip (a bare query, a status line).
    static let smallBytes = 8 * 1024

    mutating func wrote(_ count: Int) { sent += count }

    /// Records a query written after everything so far, after pictures or not.
    mutating func probeSent(at now: Double, afterPicture: Bool = true) {
        guard !unanswered else { return }
        let chunk = sent - (outstanding.last?.offset ?? delivered)
        if let rate {
            lastChunkTime = Double(chunk) / rate
            linkFreeAt = max(now, linkFreeAt) + lastChunkTime
        }
        outstanding.append(Probe(sentAt: now, offset: sent, queuedBehind: !outstanding.isEmpty, afterPicture: afterPicture))
    }

    /// When the link will have sent everything written so far, at the measured rate.
    private(set) var linkFreeAt = 0.0
    /// Seconds the last chunk takes on the link at the measured rate.
    private var lastChunkTime = 0.0

    /// The terminal answered the `count` oldest queries (answers read at once count as one).
    /// They arrived at `now` at the latest and at `earliest` at the earliest (the caller may
    /// have been busy drawing when they came; nil when it was waiting for them).
    mutating func answered(_ count: Int = 1, at now: Double, earliest: Double? = nil) {
        guard !unanswered, count > 0, !outstanding.isEmpty else { return }
        let taken = outstanding.prefix(count)
        outstanding.removeFirst(taken.count)
        let first = taken.first!, last = taken.last!
        let chunk = last.offset - delivered
        let previousEarliest = lastAnswerEarliest
        // An answer never comes before its query: an earliest time before that (no empty read
        // since the query went, or none at all yet) says only that nobody looked meanwhile.
        let soonest = max(min(now, earliest ?? now), last.sentAt)
        delivered = last.offset
        lastAnswerEarliest = soonest
        // The round trip: the shortest wait for an answer behind (next to) nothing, at the
        // likeliest time the answer came.
        let elapsed = (now + soonest) / 2 - first.sentAt
        if chunk <= Self.smallBytes && taken.count == 1 { roundTrip = min(roundTrip ?? .infinity, max(0.0005, elapsed)) }
        guard chunk >= Self.rateSampleBytes else { return }
        // The chunk's time on the link, at most: up to this answer at its latest, from when it was
        // sent less one round trip, or (when the link was busy with it all along) from the previous
        // answer at its earliest, whichever is shorter. Each sample is so a rate the link reached
        // at least: an answer read late makes it low, never high.
        var busy = now - first.sentAt - (roundTrip ?? 0)
        if first.queuedBehind, let previousEarliest { busy = min(busy, now - max(previousEarliest, first.sentAt)) }
        // (Times under a quarter of a round trip are below what answers can resolve.)
        samples.append((at: now, rate: Double(chunk) / max(busy, 0.001, 0.25 * (roundTrip ?? 0))))
        // The link's rate is the best of the recent samples (as BBR takes the bottleneck's):
        // those of the last few seconds, and at least the last three.
        while samples.count > 3, let oldest = samples.first, now - oldest.at > Self.rateWindow || samples.count > 12 {
            samples.removeFirst()
        }
        rate = samples.map(\.rate).max()
    }

    /// How long a rate sample counts, in seconds.
    static let rateWindow = 3.0

    private var lastAnswerEarliest: Double?
    private var samples: [(at: Double, rate: Double)] = []

    /// Whether a picture may go now: always when no picture is in flight. Otherwise, once the
    /// rate is known, when the link has (about) sent the last picture at the measured rate, so
    /// the next one does not queue behind it, and while what is unanswered fits two round trips;
    /// before that, only after the last picture's answer.
    func maySend(now: Double) -> Bool {
        guard !unanswered, outstanding.contains(where: \.afterPicture) else { return true }
        guard let rate, let roundTrip else { return false }
        // Where a picture takes less than a round trip on the link, half a round trip early: the
        // measured rate is one the link reached at least, so it is likely done sooner, and the
        // next picture reaches it as the last one leaves.
        // On a thin link (a picture takes a round trip or more) the rate is only an estimate, and
        // a picture sent on it could still catch the last one on the way: there the next one
        // waits for the last one's answer, so exactly one is ever in flight.
        guard lastChunkTime < roundTrip else { return false }
        return now >= linkFreeAt - 0.5 * roundTrip && Double(inFlight) <= rate * 2 * roundTrip + Double(Self.slackBytes)
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

    /// Whether pictures of `bytes` at the measured rate nearly keep up with keys every
    /// `keyInterval` seconds (each takes at most `lightFactor` intervals on the link).
    func carriesFull(_ bytes: Int, every keyInterval: Double) -> Bool {
        rate != nil && transferTime(bytes) <= Self.lightFactor * keyInterval
    }

    /// Full pictures go while each takes at most this many key intervals on the link.
    static let lightFactor = 1.5

    /// Seconds `bytes` take to reach the terminal at the measured rate (0 when it is not known).
    func transferTime(_ bytes: Int) -> Double { rate.map { Double(bytes) / $0 } ?? 0 }
}
