import CZlib
import Imaging

/// A PNG made for speed rather than size, for kitty pictures on links faster than zlib.
///
/// Every row is filtered with Up (the byte above subtracted), which turns flat and slowly
/// changing areas into zeros, and the rows are deflated by our own single-pass coder: a run of
/// one repeated byte becomes a match at distance 1, every other byte a literal, each block of
/// input under its own Huffman code. There is no search for longer matches, which is where
/// zlib spends its time: on video frames this runs several times faster than zlib at level 1
/// and the result is about a third larger.
public enum QuickPNG {
    /// Input bytes per deflate block; each block gets a Huffman code fitted to it.
    static let blockBytes = 1 << 18

    /// `image` as a PNG file (8-bit RGB, no interlace).
    public static func encode(_ image: RGBImage) -> [UInt8] {
        let rowBytes = image.width * 3
        let filteredCount = image.height * (rowBytes + 1)
        let filtered = [UInt8](unsafeUninitializedCapacity: filteredCount) { out, count in
            image.pixels.withUnsafeBufferPointer { src in
                for y in 0..<image.height {
                    let d = y * (rowBytes + 1), s = y * rowBytes
                    out[d] = 2  // filter type Up
                    if y == 0 {
                        for x in 0..<rowBytes { out[d + 1 + x] = src[x] }
                    } else {
                        for x in 0..<rowBytes { out[d + 1 + x] = src[s + x] &- src[s - rowBytes + x] }
                    }
                }
            }
            count = filteredCount
        }
        let stream = zlibStream(filtered)
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png.reserveCapacity(stream.count + 64)
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(image.width))
        header.appendBigEndian(UInt32(image.height))
        header += [8, 2, 0, 0, 0]  // 8 bits, RGB, deflate, adaptive filters, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", stream, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        png.appendBigEndian(UInt32(data.count))
        let start = png.count
        png += type.utf8
        png += data
        let crc = png.withUnsafeBufferPointer { p in
            crc32(0, p.baseAddress! + start, uInt(p.count - start))
        }
        png.appendBigEndian(UInt32(truncatingIfNeeded: crc))
    }

    /// `data` as a zlib stream (header, deflate blocks, Adler-32).
    static func zlibStream(_ data: [UInt8]) -> [UInt8] {
        var out = deflateRuns(data, prefix: [0x78, 0x01])
        let adler = data.withUnsafeBufferPointer { adler32(1, $0.baseAddress, uInt($0.count)) }
        out.appendBigEndian(UInt32(truncatingIfNeeded: adler))
        return out
    }

    /// Raw deflate of `data` (runs as distance-1 matches, dynamic Huffman blocks), after `prefix`.
    static func deflateRuns(_ data: [UInt8], prefix: [UInt8] = []) -> [UInt8] {
        // Worst case: 15 bits a literal, plus block headers.
        let capacity = prefix.count + data.count * 2 + (data.count / blockBytes + 1) * 400 + 16
        return [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            var bits = BitSink(out.baseAddress!)
            for b in prefix { bits.put(UInt64(b), 8) }
            var tokens = [UInt16](repeating: 0, count: min(data.count, blockBytes))
            data.withUnsafeBufferPointer { src in
                tokens.withUnsafeMutableBufferPointer { tok in
                    var start = 0
                    repeat {
                        let end = min(src.count, start + blockBytes)
                        let used = tokenize(src, from: start, to: end, into: tok)
                        writeBlock(tok, count: used, last: end == src.count, to: &bits)
                        start = end
                    } while start < src.count
                }
            }
            count = bits.finish()
        }
    }

    /// Tokens for `src[start..<end]`: a byte (below 256) or 256 + the length of a run that
    /// repeats the byte before it.
    private static func tokenize(_ src: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                                 into tok: UnsafeMutableBufferPointer<UInt16>) -> Int {
        var i = start, n = 0
        while i < end {
            if i > 0 {
                let previous = src[i - 1]
                var run = 0
                let limit = min(258, end - i)
                while run < limit && src[i + run] == previous { run += 1 }
                if run >= 3 {
                    tok[n] = UInt16(256 + run)
                    n += 1
                    i += run
                    continue
                }
            }
            tok[n] = UInt16(src[i])
            n += 1
            i += 1
        }
        return n
    }

    private static func writeBlock(_ tok: UnsafeMutableBufferPointer<UInt16>, count: Int, last: Bool, to bits: inout BitSink) {
        var frequencies = [Int](repeating: 0, count: 286)
        for i in 0..<count {
            let t = Int(tok[i])
            frequencies[t < 256 ? t : Int(lengthSymbol[t - 256])] += 1
        }
        frequencies[256] = 1  // end of block
        let literals = HuffmanCode(frequencies: frequencies, limit: 15)
        // Only distance 1 is used; two codes of one bit keep the distance code complete.
        let distanceLengths: [UInt8] = [1, 1]
        var literalCount = 286
        while literalCount > 257 && literals.lengths[literalCount - 1] == 0 { literalCount -= 1 }

        // The code lengths of both codes, zero runs shortened with symbols 17 and 18.
        let lengths = Array(literals.lengths[0..<literalCount]) + distanceLengths
        var sequence: [(symbol: Int, extra: UInt64, extraBits: Int)] = []
        var i = 0
        while i < lengths.count {
            var run = 1
            while lengths[i] == 0 && i + run < lengths.count && lengths[i + run] == 0 && run < 138 { run += 1 }
            if lengths[i] == 0 && run >= 11 {
                sequence.append((18, UInt64(run - 11), 7))
            } else if lengths[i] == 0 && run >= 3 {
                sequence.append((17, UInt64(run - 3), 3))
            } else {
                run = 1
                sequence.append((Int(lengths[i]), 0, 0))
            }
            i += run
        }
        var lengthFrequencies = [Int](repeating: 0, count: 19)
        for entry in sequence { lengthFrequencies[entry.symbol] += 1 }
        let lengthCode = HuffmanCode(frequencies: lengthFrequencies, limit: 7)
        var lengthCodeCount = 19
        while lengthCodeCount > 4 && lengthCode.lengths[lengthCodeOrder[lengthCodeCount - 1]] == 0 { lengthCodeCount -= 1 }

        bits.put(last ? 1 : 0, 1)
        bits.put(2, 2)  // dynamic Huffman codes
        bits.put(UInt64(literalCount - 257), 5)
        bits.put(UInt64(distanceLengths.count - 1), 5)
        bits.put(UInt64(lengthCodeCount - 4), 4)
        for k in 0..<lengthCodeCount { bits.put(UInt64(lengthCode.lengths[lengthCodeOrder[k]]), 3) }
        for entry in sequence {
            bits.put(UInt64(lengthCode.codes[entry.symbol]), Int(lengthCode.lengths[entry.symbol]))
            if entry.extraBits > 0 { bits.put(entry.extra, entry.extraBits) }
        }

        literals.codes.withUnsafeBufferPointer { codes in
            literals.lengths.withUnsafeBufferPointer { lens in
                for i in 0..<count {
                    let t = Int(tok[i])
                    if t < 256 {
                        bits.put(UInt64(codes[t]), Int(lens[t]))
                    } else {
                        let run = t - 256
                        let symbol = Int(lengthSymbol[run])
                        let extraBits = Int(lengthExtraBits[run])
                        let value = UInt64(codes[symbol]) | UInt64(run - Int(lengthBase[run])) << UInt64(lens[symbol])
                        // The distance code (symbol 0, one bit: 0) follows the length.
                        bits.put(value, Int(lens[symbol]) + extraBits + 1)
                    }
                }
                bits.put(UInt64(codes[256]), Int(lens[256]))
            }
        }
    }

    /// The order code length code lengths are sent in (RFC 1951, 3.2.7).
    private static let lengthCodeOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    /// For each match length 3...258 (indexed by length): its symbol, extra bits and base length.
    private static let (lengthSymbol, lengthExtraBits, lengthBase): ([UInt16], [UInt8], [UInt16]) = {
        let bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                     131, 163, 195, 227, 258]
        let extras = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        var symbol = [UInt16](repeating: 0, count: 259), extra = [UInt8](repeating: 0, count: 259)
        var base = [UInt16](repeating: 0, count: 259)
        for length in 3...258 {
            let k = bases.lastIndex(where: { $0 <= length })!
            symbol[length] = UInt16(257 + k)
            extra[length] = UInt8(extras[k])
            base[length] = UInt16(bases[k])
        }
        return (symbol, extra, base)
    }()
}

/// Canonical Huffman code lengths (at most `limit` bits) and codes, bit-reversed for
/// deflate's least-significant-first packing.
struct HuffmanCode {
    var lengths: [UInt8]
    var codes: [UInt16]

    init(frequencies: [Int], limit: Int) {
        var weights = frequencies
        // A code needs two symbols to be complete: give a lone symbol (or none) a partner.
        let used = weights.indices.filter { weights[$0] > 0 }
        if used.count < 2 {
            for i in 0..<2 where weights[i] == 0 && weights.filter({ $0 > 0 }).count < 2 { weights[i] = 1 }
        }
        var lengths = Self.lengths(weights)
        // Too deep: flatten the weights until it fits (each halving brings rare symbols closer).
        while (lengths.max() ?? 0) > limit {
            for i in weights.indices where weights[i] > 0 { weights[i] = max(1, weights[i] >> 1) }
            lengths = Self.lengths(weights)
        }
        self.lengths = lengths
        var countPerLength = [Int](repeating: 0, count: 16)
        for l in lengths where l > 0 { countPerLength[Int(l)] += 1 }
        var next = [Int](repeating: 0, count: 16)
        var code = 0
        for bitsLong in 1...15 {
            code = (code + countPerLength[bitsLong - 1]) << 1
            next[bitsLong] = code
        }
        codes = [UInt16](repeating: 0, count: lengths.count)
        for (symbol, l) in lengths.enumerated() where l > 0 {
            let value = next[Int(l)]
            next[Int(l)] += 1
            var reversed = 0
            for b in 0..<Int(l) where value & (1 << b) != 0 { reversed |= 1 << (Int(l) - 1 - b) }
            codes[symbol] = UInt16(reversed)
        }
    }

    /// Huffman depths for `weights` (zero weight: no code), with the two-queue method.
    static func lengths(_ weights: [Int]) -> [UInt8] {
        let leaves = weights.indices.filter { weights[$0] > 0 }.sorted { (weights[$0], $0) < (weights[$1], $1) }
        var out = [UInt8](repeating: 0, count: weights.count)
        guard leaves.count > 1 else {
            if let only = leaves.first { out[only] = 1 }
            return out
        }
        // Nodes 0..<leaves.count are leaves; merged nodes follow. parent[i] is the node above i.
        var weight = leaves.map { weights[$0] }
        var parent = [Int](repeating: -1, count: 2 * leaves.count - 1)
        var leaf = 0, merged = leaves.count
        func takeLightest() -> Int {
            if leaf < leaves.count && (merged >= weight.count || weight[leaf] <= weight[merged]) {
                leaf += 1
                return leaf - 1
            }
            merged += 1
            return merged - 1
        }
        while weight.count < 2 * leaves.count - 1 {
            let a = takeLightest(), b = takeLightest()
            parent[a] = weight.count
            parent[b] = weight.count
            weight.append(weight[a] + weight[b])
        }
        // Depths from the root (the last node) down; parents always come after their children.
        var depth = [Int](repeating: 0, count: weight.count)
        for node in stride(from: weight.count - 2, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        for (k, symbol) in leaves.enumerated() { out[symbol] = UInt8(depth[k]) }
        return out
    }
}

/// Packs bits least significant first into a buffer that is large enough.
struct BitSink {
    private let out: UnsafeMutablePointer<UInt8>
    private var position = 0
    private var accumulator: UInt64 = 0
    private var count = 0

    init(_ out: UnsafeMutablePointer<UInt8>) { self.out = out }

    /// Appends the low `n` bits of `value` (n at most 32).
    @inline(__always)
    mutating func put(_ value: UInt64, _ n: Int) {
        accumulator |= value << UInt64(count)
        count += n
        if count >= 32 {
            let word = UInt32(truncatingIfNeeded: accumulator)
            out[position] = UInt8(truncatingIfNeeded: word)
            out[position + 1] = UInt8(truncatingIfNeeded: word >> 8)
            out[position + 2] = UInt8(truncatingIfNeeded: word >> 16)
            out[position + 3] = UInt8(truncatingIfNeeded: word >> 24)
            position += 4
            accumulator >>= 32
            count -= 32
        }
    }

    /// Writes what is left, padded to a byte; returns the bytes written in all.
    mutating func finish() -> Int {
        while count > 0 {
            out[position] = UInt8(truncatingIfNeeded: accumulator)
            position += 1
            accumulator >>= 8
            count = max(0, count - 8)
        }
        return position
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(value >> 24)); append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8)); append(UInt8(truncatingIfNeeded: value))
    }
}
