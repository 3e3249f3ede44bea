/// "Natural" ordering of names as people expect frame files to be ordered:
/// `frame2` before `frame10`, letters compared case-insensitively, digit runs compared
/// as numbers of any length (no overflow: compared by digits, not converted).
///
/// It is a total order: names equal as numbers and letters (`f1` and `f01`, `A` and `a`)
/// are ordered by fewer leading zeros first (the first place they differ decides), then
/// by plain case-sensitive comparison, so sorting never depends on the input order.
public enum NaturalOrder {
    /// Negative if `a` comes first, positive if `b` does, zero only if `a == b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        let order = Key(a).compare(Key(b))
        if order != 0 { return order }
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    /// `compare(a, b) < 0`, for `sorted(by:)`.
    public static func areInIncreasingOrder(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    /// `names` in natural order; each name is analysed once.
    public static func sorted<S: Sequence>(_ names: S) -> [String] where S.Element == String {
        names.map { (Key($0), $0) }
            .sorted { lhs, rhs in
                let order = lhs.0.compare(rhs.0)
                return order != 0 ? order < 0 : lhs.1 < rhs.1
            }
            .map(\.1)
    }

    /// The lowercased Unicode scalars of a name.
    struct Key {
        let scalars: [UInt32]

        init(_ name: String) {
            scalars = name.lowercased().unicodeScalars.map(\.value)
        }

        @inline(__always)
        private static func isDigit(_ scalar: UInt32) -> Bool { scalar >= 0x30 && scalar <= 0x39 }

        /// Compares runs of digits as numbers; returns the first leading-zero difference as tie-break.
        func compare(_ other: Key) -> Int {
            let a = scalars, b = other.scalars
            var i = 0, j = 0
            var zeroTieBreak = 0
            while i < a.count && j < b.count {
                if Key.isDigit(a[i]) && Key.isDigit(b[j]) {
                    var zerosA = 0, zerosB = 0
                    while i < a.count && a[i] == 0x30 { i += 1; zerosA += 1 }
                    while j < b.count && b[j] == 0x30 { j += 1; zerosB += 1 }
                    let startA = i, startB = j
                    while i < a.count && Key.isDigit(a[i]) { i += 1 }
                    while j < b.count && Key.isDigit(b[j]) { j += 1 }
                    let lengthA = i - startA, lengthB = j - startB
                    if lengthA != lengthB { return lengthA < lengthB ? -1 : 1 }
                    for k in 0..<lengthA where a[startA + k] != b[startB + k] {
                        return a[startA + k] < b[startB + k] ? -1 : 1
                    }
                    if zeroTieBreak == 0 && zerosA != zerosB { zeroTieBreak = zerosA < zerosB ? -1 : 1 }
                } else {
                    if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
                    i += 1
                    j += 1
                }
            }
            if i < a.count { return 1 }
            if j < b.count { return -1 }
            return zeroTieBreak
        }
    }
}
