import Foundation

/// What the generated videos draw alike: the background's value noise and the tracked object's
/// look (stripes with a dot, in the object's own coordinates so that it scales with the object).
enum Scene {
    /// Deterministic value noise in 0...1 from integer coordinates.
    static func noise(_ x: Int, _ y: Int) -> Double {
        var h = UInt64(bitPattern: Int64(x &* 374_761_393 &+ y &* 668_265_263))
        h = (h ^ (h >> 13)) &* 1_274_126_177
        h ^= h >> 16
        return Double(h & 0xFFFF) / 65535
    }

    /// The object's colour at (`ox`, `oy`), both in 0..<1 across the object's box.
    static func object(_ ox: Double, _ oy: Double) -> (r: UInt8, g: UInt8, b: UInt8) {
        if hypot(ox - 0.5, oy - 0.35) < 0.18 { return (250, 230, 40) }
        return Int(oy * 6) % 2 == 0 ? (220, 40, 60) : (40, 30, 160)
    }
}
