/// How sure the model is of a frame's pending box, as the timeline colours it.
public enum ConfidenceBand: String, Sendable, Hashable, CaseIterable {
    /// What bulk accept would take (at or above the project's threshold; 0.9 without one).
    case high
    /// More likely right than wrong, but not vouched for.
    case medium
    /// Below 0.5: more likely wrong than right (a confidence is the chance that IoU >= 0.5).
    case low

    /// The band of a confidence, given the threshold bulk accept uses (nil: none offered).
    public static func of(_ confidence: Double, threshold: Double?) -> ConfidenceBand {
        if confidence >= (threshold ?? 0.9) { return .high }
        return confidence < 0.5 ? .low : .medium
    }
}

extension Timeline {
    /// The lowest of each cell's frames' values (nil where none of them has one): a cell
    /// shows its least certain frame.
    public func lowest(_ values: [Double?]) -> [Double?] {
        (0..<cellCount).map { i in
            frames(inCell: i).reduce(nil as Double?) { acc, f in
                guard f < values.count, let v = values[f] else { return acc }
                return min(acc ?? v, v)
            }
        }
    }
}
