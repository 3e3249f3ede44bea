import Foundation

/// A growing UTF-8 byte buffer for writing annotation files without intermediate strings.
struct TextBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
    var data: Data { Data(bytes) }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(_ value: Int) {
        if value == .min {
            append(String(value))
        } else if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(UInt64(-value))
        } else {
            appendDigits(UInt64(value))
        }
    }

    mutating func append(_ value: Int64) {
        append(Int(value))
    }

    private mutating func appendDigits(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
                count &+= 1
            }
            var index = count
            while index > 0 {
                index &-= 1
                bytes.append(buffer[index])
            }
        }
    }

    /// Appends `value` rounded to `decimals` places, without trailing zeros (`12.5`, `3`, `-0.25`).
    mutating func append(_ value: Double, decimals: Int) {
        precondition((0...9).contains(decimals))
        guard value.isFinite else {
            append("0")
            return
        }
        let scale = powersOfTen[decimals]
        let scaled = (abs(value) * Double(scale)).rounded()
        guard scaled < 9e15 else {
            appendExact(value)
            return
        }
        let units = UInt64(scaled)
        if value < 0 && units != 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(units / UInt64(scale))
        var fraction = units % UInt64(scale)
        guard fraction != 0 else { return }
        var places = decimals
        while fraction % 10 == 0 {
            fraction /= 10
            places -= 1
        }
        bytes.append(UInt8(ascii: "."))
        var divisor = UInt64(powersOfTen[places - 1])
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8((fraction / divisor) % 10))
            divisor /= 10
        }
    }

    /// Appends the shortest text that reads back as exactly `value` (`12.5`, `3`, `0.30000000000000004`).
    mutating func appendExact(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            append(Int(value))
            return
        }
        append(value.description)
    }

    /// Appends a JSON string literal, quotes included.
    mutating func appendJSONString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                append("\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 15))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends text escaped for XML element content and attribute values.
    mutating func appendXMLEscaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): append("&amp;")
            case UInt8(ascii: "<"): append("&lt;")
            case UInt8(ascii: ">"): append("&gt;")
            case UInt8(ascii: "\""): append("&quot;")
            case UInt8(ascii: "'"): append("&apos;")
            case 0x09, 0x0A, 0x0D: append("&#\(byte);")
            case 0..<0x20: break // not allowed in XML 1.0
            default: bytes.append(byte)
            }
        }
    }

    /// Appends a YAML double-quoted scalar.
    mutating func appendYAMLString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 0x0A: bytes.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x09: bytes.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20: break
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10
    }
}

private let powersOfTen: [Int] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
