import Foundation

/// A short, stable digest of a value's encoding: the same value gives the same text in every
/// process and on every run (unlike `Hasher`, which is seeded per process).
enum Fingerprint {
    static func of<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // The engine's values are plain numbers and strings: their encoding cannot fail.
        let bytes = (try? encoder.encode(value)) ?? Data()
        // FNV-1a, 64 bits.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return String(format: "%016llx", hash)
    }
}
