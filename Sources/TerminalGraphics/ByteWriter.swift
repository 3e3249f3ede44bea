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

    /// Lets `body` write at most `room` bytes directly; it returns how many it wrote.
    @inline(__always) mutating func write(room: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(room)
        count &+= body(base + count)
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    mutating func append(_ text: StaticString) {
        reserve(text.utf8CodeUnitCount)
        text.withUTF8Buffer { for byte in $0 { append(byte) } }
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

    consuming func bytes() -> [UInt8] {
        [UInt8](UnsafeBufferPointer(start: base, count: count))
    }
}
