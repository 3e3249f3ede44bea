import Foundation

/// Which pending boxes may be accepted without a look: the largest set, taken in decreasing
/// confidence, whose expected precision (the mean of their confidences, each the probability that
/// its box is right) reaches `precision`. A project with hard stretches still gets its easy boxes.
/// Sure boxes may carry a less sure one, but never one more likely wrong than right: a person
/// would not sign off a box unseen at 3 % because 178 others sit at 99.7 %.
public struct PrecisionTarget: Sendable, Hashable {
    public static let defaultPrecision = 0.99
    public var precision: Double

    public init(precision: Double = PrecisionTarget.defaultPrecision) {
        self.precision = precision
    }

    /// What `select` chose: the boxes, and how many of them are expected to be wrong.
    public struct Selection<Item> {
        public var items: [Item]
        public var expectedWrong: Double
        public var expectedPrecision: Double { items.isEmpty ? 1 : 1 - expectedWrong / Double(items.count) }
    }

    public func select<Item>(_ items: [Item], confidence: (Item) -> Double) -> Selection<Item> {
        let ranked = items.map { (item: $0, p: min(max(confidence($0), 0), 1)) }.sorted { $0.p > $1.p }
        let floor = min(precision, 0.5)
        var sum = 0.0, best = 0, bestSum = 0.0
        for (k, entry) in ranked.enumerated() where entry.p >= floor {
            sum += entry.p
            // The prefix mean only falls as k grows, but rounding can wobble: keep the largest k that passes.
            if sum >= precision * Double(k + 1) - 1e-12 { best = k + 1; bestSum = sum }
        }
        return Selection(items: ranked.prefix(best).map(\.item), expectedWrong: Double(best) - bestSum)
    }
}
