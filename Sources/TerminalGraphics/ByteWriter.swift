/// An output buffer without per-byte bounds or uniqueness checks: callers `reserve` room
/// for what they are about to write.
struct ByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let newCapacity = max(capacity * 2, count + extra)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    mutating func append(_ text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        text.withUTF8Buffer { for byte in $0 { append(byte) } }
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { (base + count).update(from: $0.baseAddress!, count: $0.count) }
        count += bytes.count
    }

    /// A non-negative number in decimal; at most 20 bytes, which the caller has reserved.
    @inline(__always) mutating func appendDecimal(_ value: Int) {
        if value < 10 {
            append(UInt8(truncatingIfNeeded: 48 &+ value))
            return
        }
        var digits = 0
        var v = value
        while v > 0 { digits &+= 1; v /= 10 }
        v = value
        var i = count &+ digits
        while v > 0 {
            i &-= 1
            base[i] = UInt8(truncatingIfNeeded: 48 &+ v % 10)
            v /= 10
        }
        count &+= digits
    }

    /// A run of one sixel pattern: `!n` + sixel when longer than three, else repeated.
    /// Needs 3 bytes more room than it writes.
    @inline(__always) mutating func appendRun(_ pattern: UInt8, _ length: Int) {
        let character = pattern &+ 63
        if length > 3 {
            append(UInt8(ascii: "!"))
            appendDecimal(length)
            append(character)
        } else {
            // Up to three copies, written without a loop (a loop here becomes a memset call).
            base[count] = character
            base[count &+ 1] = character
            base[count &+ 2] = character
            count &+= length
        }
    }

    consuming func bytes() -> [UInt8] {
        [UInt8](UnsafeBufferPointer(start: base, count: count))
    }
}
