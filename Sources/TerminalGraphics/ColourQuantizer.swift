#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Imaging

/// An image reduced to a palette: one palette index per pixel.
struct QuantizedImage {
    /// Palette colours as the terminal will show them.
    var palette: [RGB]
    /// `width * height` indices into `palette`, row-major.
    var indices: [UInt8]
}

/// Picks a per-frame palette and maps every pixel to it.
///
/// Pixels are first gathered into cells of 6 bits per channel (exact sums kept). Wu's
/// variance-minimising box split over a 5-bit moment table gives the first palette; a few
/// k-means rounds over the cells then move each colour to the mean of the cells nearest to it.
/// The final mapping is nearest colour per cell, or Floyd-Steinberg per pixel when dithering.
struct ColourQuantizer {
    var maxColours: Int
    var refinementRounds = 2
    var dither = false
    /// What the terminal shows for each channel value (sixel palettes are in percent).
    var channelAsShown: [UInt8] = (0...255).map { UInt8($0) }

    func quantize(_ image: RGBImage) -> QuantizedImage {
        let cells = CellHistogram(image)
        let centroids = (0..<cells.count).map { cells.centroid(of: $0) }
        var palette: [RGB]
        // The palette entry of each cell: the first guess of its nearest-colour search.
        var assignment: [UInt8]
        if cells.count <= maxColours && !cells.anyMixed {
            // Few enough exact colours: use them as they are.
            palette = (0..<cells.count).map { cells.firstColour(of: $0) }
            assignment = (0..<cells.count).map { UInt8(truncatingIfNeeded: $0) }
        } else {
            let boxes = WuBoxes(cells: cells).split(into: maxColours)
            palette = boxes.palette
            // k-means runs over the coarser 5-bit bins (a quarter as many, or fewer) with exact means.
            let bins = BinTotals(cells)
            var binAssignment = bins.binIndex.map { boxes.boxOfBin[$0] }
            for _ in 0..<refinementRounds {
                palette = refine(palette, assignment: &binAssignment, bins: bins)
            }
            assignment = cells.keys.indices.map { binAssignment[Int(bins.binOfCell[$0])] }
        }
        palette = palette.map { RGB(channelAsShown[Int($0.r)], channelAsShown[Int($0.g)], channelAsShown[Int($0.b)]) }
        let search = NearestColour(palette)
        var indices = [UInt8](repeating: 0, count: image.width * image.height)
        if dither {
            floydSteinberg(image, search: search, into: &indices)
        } else {
            for c in 0..<cells.count {
                assignment[c] = UInt8(truncatingIfNeeded: search.nearest(centroids[c], guess: Int(assignment[c])))
            }
            cells.map(image, cellValues: assignment, into: &indices)
        }
        return QuantizedImage(palette: palette, indices: indices)
    }

    /// One k-means round, weighted by pixel count: reassign each bin to its nearest colour
    /// (starting from its current one), then move each colour to the mean of its bins.
    private func refine(_ palette: [RGB], assignment: inout [UInt8], bins: BinTotals) -> [RGB] {
        let search = NearestColour(palette)
        var sums = [Int](repeating: 0, count: palette.count * 4)
        for i in 0..<bins.count.count {
            let nearest = search.nearest(bins.centroid[i], guess: Int(assignment[i]))
            assignment[i] = UInt8(truncatingIfNeeded: nearest)
            sums[nearest * 4] += bins.count[i]
            sums[nearest * 4 + 1] += bins.sumR[i]
            sums[nearest * 4 + 2] += bins.sumG[i]
            sums[nearest * 4 + 3] += bins.sumB[i]
        }
        return palette.indices.map { i in
            let n = sums[i * 4]
            guard n > 0 else { return palette[i] }
            return RGB(UInt8((sums[i * 4 + 1] + n / 2) / n), UInt8((sums[i * 4 + 2] + n / 2) / n), UInt8((sums[i * 4 + 3] + n / 2) / n))
        }
    }

    private func floydSteinberg(_ image: RGBImage, search: NearestColour, into indices: inout [UInt8]) {
        let width = image.width, height = image.height
        // Nearest colour per 6-bit cell of the diffused colour, filled on first use.
        var cache = [UInt16](repeating: .max, count: 1 << 18)
        var current = [Int32](repeating: 0, count: (width + 2) * 3)
        var next = current
        let palette = search.palette
        image.pixels.withUnsafeBufferPointer { src in
            indices.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    swap(&current, &next)
                    for i in 0..<next.count { next[i] = 0 }
                    for x in 0..<width {
                        let p = (y * width + x) * 3, e = (x + 1) * 3
                        let r = min(255, max(0, Int32(src[p]) + current[e] / 16))
                        let g = min(255, max(0, Int32(src[p + 1]) + current[e + 1] / 16))
                        let b = min(255, max(0, Int32(src[p + 2]) + current[e + 2] / 16))
                        let key = Int(r >> 2) << 12 | Int(g >> 2) << 6 | Int(b >> 2)
                        var index = Int(cache[key])
                        if index == Int(UInt16.max) {
                            index = search.nearest((Int(r >> 2) << 2 + 2, Int(g >> 2) << 2 + 2, Int(b >> 2) << 2 + 2))
                            cache[key] = UInt16(index)
                        }
                        out[y * width + x] = UInt8(truncatingIfNeeded: index)
                        let chosen = palette[index]
                        let er = r - Int32(chosen.r), eg = g - Int32(chosen.g), eb = b - Int32(chosen.b)
                        // Floyd-Steinberg weights 7, 3, 5, 1 (in sixteenths).
                        current[e + 3] += er * 7; current[e + 4] += eg * 7; current[e + 5] += eb * 7
                        next[e - 3] += er * 3; next[e - 2] += eg * 3; next[e - 1] += eb * 3
                        next[e] += er * 5; next[e + 1] += eg * 5; next[e + 2] += eb * 5
                        next[e + 3] += er; next[e + 4] += eg; next[e + 5] += eb
                    }
                }
            }
        }
    }
}

/// Pixels gathered by 6-bit-per-channel cell, with exact channel sums per cell.
struct CellHistogram {
    var count: Int { counts.count }
    var counts: [Int32] = []
    var sumR: [Int] = [], sumG: [Int] = [], sumB: [Int] = []
    /// The 18-bit key of each cell.
    var keys: [Int32] = []
    /// The first colour seen in each cell, packed 0xRRGGBB; `anyMixed` when another differed.
    var first: [UInt32] = []
    var anyMixed = false
    /// Cell number + 1 for every 18-bit key, 0 for none.
    private let cellOfKey: KeyTable

    init(_ image: RGBImage) {
        let pixelCount = image.width * image.height
        let table = KeyTable()
        let slot = table.slots
        // At most one cell per pixel and per key; pages never written are never touched.
        // One 32-byte record per cell keeps each pixel's update within one cache line.
        let capacity = min(pixelCount, 1 << 18)
        let records = UnsafeMutablePointer<CellRecord>.allocate(capacity: capacity)
        defer { records.deallocate() }
        var cellCount = 0
        var mixed = false
        image.pixels.withUnsafeBufferPointer { src in
            var p = 0
            for _ in 0..<pixelCount {
                let r = UInt32(src[p]), g = UInt32(src[p &+ 1]), b = UInt32(src[p &+ 2])
                p &+= 3
                let packed = r << 16 | g << 8 | b
                let key = Int((r >> 2) << 12 | (g >> 2) << 6 | (b >> 2))
                var cell = Int(slot[key] &- 1)
                if cell < 0 {
                    cell = cellCount
                    slot[key] = Int32(truncatingIfNeeded: cellCount) &+ 1
                    records[cell] = CellRecord(first: packed)
                    cellCount &+= 1
                }
                let record = records + cell
                if record.pointee.first != packed { mixed = true }
                record.pointee.count &+= 1
                record.pointee.sumR &+= UInt64(r)
                record.pointee.sumG &+= UInt64(g)
                record.pointee.sumB &+= UInt64(b)
            }
        }
        cellOfKey = table
        let all = UnsafeBufferPointer(start: records, count: cellCount)
        counts = all.map { Int32(truncatingIfNeeded: $0.count) }
        sumR = all.map { Int($0.sumR) }
        sumG = all.map { Int($0.sumG) }
        sumB = all.map { Int($0.sumB) }
        keys = all.map(\.key)
        first = all.map(\.first)
        anyMixed = mixed
    }

    /// Writes `cellValues[cell of pixel]` for every pixel of `image` (the image this was built from).
    func map(_ image: RGBImage, cellValues: [UInt8], into out: inout [UInt8]) {
        let slot = cellOfKey.slots
        image.pixels.withUnsafeBufferPointer { src in
            cellValues.withUnsafeBufferPointer { value in
                out.withUnsafeMutableBufferPointer { out in
                    var p = 0
                    for i in 0..<out.count {
                        let key = Int(src[p] >> 2) << 12 | Int(src[p &+ 1] >> 2) << 6 | Int(src[p &+ 2] >> 2)
                        out[i] = value[Int(slot[key] &- 1)]
                        p &+= 3
                    }
                }
            }
        }
    }

    @inline(__always) func centroid(of cell: Int) -> (Int, Int, Int) {
        let n = Int(counts[cell])
        return ((sumR[cell] + n / 2) / n, (sumG[cell] + n / 2) / n, (sumB[cell] + n / 2) / n)
    }

    func firstColour(of cell: Int) -> RGB {
        let p = first[cell]
        return RGB(UInt8(p >> 16), UInt8((p >> 8) & 0xFF), UInt8(p & 0xFF))
    }
}

private struct CellRecord {
    var count: UInt32 = 0
    var first: UInt32
    var sumR: UInt64 = 0, sumG: UInt64 = 0, sumB: UInt64 = 0

    init(first: UInt32) { self.first = first }

    /// The 18-bit key, from the first colour's top six bits per channel.
    var key: Int32 {
        Int32(truncatingIfNeeded: (first >> 18 & 63) << 12 | (first >> 10 & 63) << 6 | (first >> 2 & 63))
    }
}

/// A zero-filled table of 2^18 Int32 from calloc, so only the pages touched cost anything.
private final class KeyTable {
    let slots: UnsafeMutablePointer<Int32>
    init() { slots = calloc(1 << 18, MemoryLayout<Int32>.stride)!.assumingMemoryBound(to: Int32.self) }
    deinit { free(slots) }
}

/// The cells gathered again into 5-bit bins (15-bit index), only the occupied ones.
struct BinTotals {
    var binIndex: [Int] = []
    var count: [Int] = [], sumR: [Int] = [], sumG: [Int] = [], sumB: [Int] = []
    var centroid: [(Int, Int, Int)] = []
    /// Position in these arrays of every cell's bin.
    var binOfCell: [Int32]

    init(_ cells: CellHistogram) {
        var slot = [Int32](repeating: -1, count: 1 << 15)
        var binOfCell = [Int32](repeating: 0, count: cells.count)
        var totals: [Int] = [] // count, r, g, b per bin
        totals.reserveCapacity(min(cells.count, 1 << 15) * 4)
        var binIndex: [Int] = []
        slot.withUnsafeMutableBufferPointer { slot in
            binOfCell.withUnsafeMutableBufferPointer { binOfCell in
                cells.keys.withUnsafeBufferPointer { keys in
                    for c in 0..<keys.count {
                        let k = Int(keys[c])
                        let bin = (k >> 13) << 10 | ((k >> 7) & 31) << 5 | ((k >> 1) & 31)
                        var i = Int(slot[bin])
                        if i < 0 {
                            i = binIndex.count
                            slot[bin] = Int32(truncatingIfNeeded: i)
                            binIndex.append(bin)
                            totals.append(contentsOf: [0, 0, 0, 0])
                        }
                        totals[i &* 4] &+= Int(cells.counts[c])
                        totals[i &* 4 &+ 1] &+= cells.sumR[c]
                        totals[i &* 4 &+ 2] &+= cells.sumG[c]
                        totals[i &* 4 &+ 3] &+= cells.sumB[c]
                        binOfCell[c] = Int32(truncatingIfNeeded: i)
                    }
                }
            }
        }
        self.binIndex = binIndex
        self.binOfCell = binOfCell
        count = binIndex.indices.map { totals[$0 * 4] }
        sumR = binIndex.indices.map { totals[$0 * 4 + 1] }
        sumG = binIndex.indices.map { totals[$0 * 4 + 2] }
        sumB = binIndex.indices.map { totals[$0 * 4 + 3] }
        centroid = count.indices.map { i in
            let n = count[i]
            return ((sumR[i] + n / 2) / n, (sumG[i] + n / 2) / n, (sumB[i] + n / 2) / n)
        }
    }
}

/// Nearest palette colour by squared RGB distance.
///
/// The palette is sorted along its principal axis `a` (small integers). For any two colours,
/// (a·Δc)² ≤ |a|²·|Δc|², so once a candidate at squared distance `d` is known only entries
/// whose axis value lies within √(|a|²·d) can be closer; a table gives where each axis value
/// starts, and that window is scanned eight entries at a time.
struct NearestColour {
    let palette: [RGB]
    /// Channels of the sorted entries, padded with eight far-away sentinels for whole-vector
    /// loads. Floats: squared distances stay exact integers, and float multiplies are in every
    /// x86-64's vector unit (32-bit integer ones are not).
    private var reds: [Float] = [], greens: [Float] = [], blues: [Float] = []
    /// Palette index of each sorted entry.
    private var order: [Int] = []
    private var axis = (1, 1, 1)
    private var axisNormSquared = 3
    private var axisOffset = 0
    /// For every axis value (plus `axisOffset`), the first sorted entry at least that far along.
    private var firstAtOrAfter: [Int32] = []

    init(_ palette: [RGB]) {
        self.palette = palette
        axis = Self.principalAxis(palette)
        axisNormSquared = max(1, axis.0 * axis.0 + axis.1 * axis.1 + axis.2 * axis.2)
        // Axis values of all possible colours span [lowest, highest].
        let lowest = min(0, axis.0) * 255 + min(0, axis.1) * 255 + min(0, axis.2) * 255
        let highest = max(0, axis.0) * 255 + max(0, axis.1) * 255 + max(0, axis.2) * 255
        axisOffset = -lowest
        let values = palette.map { project($0.r, $0.g, $0.b) }
        order = palette.indices.sorted { values[$0] < values[$1] }
        reds = order.map { Float(palette[$0].r) } + [Float](repeating: 10_000, count: 8)
        greens = order.map { Float(palette[$0].g) } + [Float](repeating: 10_000, count: 8)
        blues = order.map { Float(palette[$0].b) } + [Float](repeating: 10_000, count: 8)
        firstAtOrAfter = [Int32](repeating: Int32(order.count), count: highest - lowest + 2)
        var k = order.count
        for value in stride(from: highest - lowest + 1, through: 0, by: -1) {
            while k > 0 && values[order[k - 1]] + axisOffset >= value { k -= 1 }
            firstAtOrAfter[value] = Int32(k)
        }
    }

    @inline(__always) private func project<T: BinaryInteger>(_ r: T, _ g: T, _ b: T) -> Int {
        axis.0 &* Int(r) &+ axis.1 &* Int(g) &+ axis.2 &* Int(b)
    }

    /// The direction along which the palette spreads most, scaled to integers in -8...8
    /// (power iteration on the covariance). Falls back to the grey axis.
    private static func principalAxis(_ palette: [RGB]) -> (Int, Int, Int) {
        guard palette.count > 2 else { return (1, 1, 1) }
        let n = Double(palette.count)
        let mean = palette.reduce((0.0, 0.0, 0.0)) { ($0.0 + Double($1.r), $0.1 + Double($1.g), $0.2 + Double($1.b)) }
        let m = (mean.0 / n, mean.1 / n, mean.2 / n)
        var c = [Double](repeating: 0, count: 9)
        for p in palette {
            let d = [Double(p.r) - m.0, Double(p.g) - m.1, Double(p.b) - m.2]
            for i in 0..<3 { for j in 0..<3 { c[i * 3 + j] += d[i] * d[j] } }
        }
        var v = [1.0, 1.0, 1.0]
        for _ in 0..<24 {
            var w = [0.0, 0.0, 0.0]
            for i in 0..<3 { for j in 0..<3 { w[i] += c[i * 3 + j] * v[j] } }
            let length = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).squareRoot()
            guard length > 1e-9 else { return (1, 1, 1) }
            v = w.map { $0 / length }
        }
        let scaled = v.map { Int(($0 * 8).rounded()) }
        if scaled.allSatisfy({ $0 == 0 }) { return (1, 1, 1) }
        return (scaled[0], scaled[1], scaled[2])
    }

    /// The palette index nearest to `colour`; `guess`, when close, makes the search window small.
    func nearest(_ colour: (Int, Int, Int), guess: Int? = nil) -> Int {
        let (r, g, b) = colour
        let count = order.count
        guard count > 0 else { return 0 }
        let position = project(r, g, b) &+ axisOffset
        var bestIndex: Int
        var start: RGB
        if let guess {
            start = palette[guess]
            bestIndex = guess
        } else {
            bestIndex = order[min(count - 1, Int(firstAtOrAfter[position]))]
            start = palette[bestIndex]
        }
        let dr = Int(start.r) &- r, dg = Int(start.g) &- g, db = Int(start.b) &- b
        let startDistance = dr &* dr &+ dg &* dg &+ db &* db
        guard startDistance > 0 else { return bestIndex }
        var best = Float(startDistance)
        let half = Int(Double(axisNormSquared &* startDistance).squareRoot()) &+ 1
        let last = firstAtOrAfter.count - 1
        let lo = Int(firstAtOrAfter[max(0, position &- half)])
        let hi = Int(firstAtOrAfter[min(last, position &+ half &+ 1)])
        let qr = SIMD8<Float>(repeating: Float(r)), qg = SIMD8<Float>(repeating: Float(g)), qb = SIMD8<Float>(repeating: Float(b))
        var bestSorted = -1
        reds.withUnsafeBytes { rs in
            greens.withUnsafeBytes { gs in
                blues.withUnsafeBytes { bs in
                    var i = lo
                    while i < hi {
                        let offset = i &* 4
                        let dr = rs.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) - qr
                        let dg = gs.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) - qg
                        let db = bs.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) - qb
                        let d = dr * dr + dg * dg + db * db
                        // Most blocks hold nothing closer: one vector compare rules them out.
                        if any(d .< SIMD8<Float>(repeating: best)) {
                            for lane in 0..<8 where d[lane] < best {
                                best = d[lane]
                                bestSorted = i &+ lane
                            }
                        }
                        i &+= 8
                    }
                }
            }
        }
        return bestSorted < 0 ? bestIndex : order[bestSorted]
    }
}

/// Wu's colour quantiser (Graphics Gems II): cumulative moments over a 33^3 grid, boxes split
/// where the summed variance drops most, always splitting the box with the largest variance.
private struct WuBoxes {
    static let side = 33
    var weight: [Int], momentR: [Int], momentG: [Int], momentB: [Int]
    var moment2: [Double]

    struct Box { var r0 = 0, r1 = 32, g0 = 0, g1 = 32, b0 = 0, b1 = 32 }

    init(cells: CellHistogram) {
        let n = Self.side * Self.side * Self.side
        weight = [Int](repeating: 0, count: n)
        momentR = weight; momentG = weight; momentB = weight
        moment2 = [Double](repeating: 0, count: n)
        for c in 0..<cells.count {
            let key = Int(cells.keys[c])
            let r = (key >> 13) + 1, g = ((key >> 7) & 31) + 1, b = ((key >> 1) & 31) + 1
            let i = Self.index(r, g, b)
            let n = Int(cells.counts[c])
            weight[i] += n
            momentR[i] += cells.sumR[c]; momentG[i] += cells.sumG[c]; momentB[i] += cells.sumB[c]
            // Spread inside a 6-bit cell is left out of the variance: it is tiny and costs a pass.
            let sr = Double(cells.sumR[c]), sg = Double(cells.sumG[c]), sb = Double(cells.sumB[c])
            moment2[i] += (sr * sr + sg * sg + sb * sb) / Double(n)
        }
        Self.prefixSums(&weight)
        Self.prefixSums(&momentR)
        Self.prefixSums(&momentG)
        Self.prefixSums(&momentB)
        Self.prefixSums(&moment2)
    }

    /// Turns a histogram into 3-D prefix sums, one axis after another.
    private static func prefixSums<T: AdditiveArithmetic>(_ m: inout [T]) {
        let s = side
        m.withUnsafeMutableBufferPointer { m in
            for r in 0..<s { for g in 0..<s { var i = index(r, g, 1); for _ in 1..<s { m[i] += m[i - 1]; i += 1 } } }
            for r in 0..<s { for g in 1..<s { var i = index(r, g, 0); for _ in 0..<s { m[i] += m[i - s]; i += 1 } } }
            for r in 1..<s { var i = index(r, 0, 0); for _ in 0..<(s * s) { m[i] += m[i - s * s]; i += 1 } }
        }
    }

    @inline(__always) static func index(_ r: Int, _ g: Int, _ b: Int) -> Int { (r * side + g) * side + b }

    /// Sum of a moment over a box, by inclusion-exclusion of its corners.
    @inline(__always) func volume<T: AdditiveArithmetic>(_ box: Box, _ m: [T]) -> T {
        let a = m[Self.index(box.r1, box.g1, box.b1)] - m[Self.index(box.r1, box.g1, box.b0)]
            - m[Self.index(box.r1, box.g0, box.b1)] + m[Self.index(box.r1, box.g0, box.b0)]
        let b = m[Self.index(box.r0, box.g1, box.b1)] - m[Self.index(box.r0, box.g1, box.b0)]
            - m[Self.index(box.r0, box.g0, box.b1)] + m[Self.index(box.r0, box.g0, box.b0)]
        return a - b
    }

    func variance(_ box: Box) -> Double {
        let w = volume(box, weight)
        guard w > 0 else { return 0 }
        let r = Double(volume(box, momentR)), g = Double(volume(box, momentG)), b = Double(volume(box, momentB))
        return volume(box, moment2) - (r * r + g * g + b * b) / Double(w)
    }

    /// Best cut of `box` along one axis: the position and the resulting score (higher is better).
    func bestCut(_ box: Box, axis: Int) -> (position: Int, score: Double)? {
        let w = volume(box, weight)
        let r = volume(box, momentR), g = volume(box, momentG), b = volume(box, momentB)
        let (lo, hi) = axis == 0 ? (box.r0, box.r1) : (axis == 1 ? (box.g0, box.g1) : (box.b0, box.b1))
        var best: (Int, Double)?
        var lower = box
        for cut in (lo + 1)..<max(lo + 1, hi) {
            switch axis {
            case 0: lower.r1 = cut
            case 1: lower.g1 = cut
            default: lower.b1 = cut
            }
            let lw = volume(lower, weight)
            guard lw > 0, lw < w else { continue }
            let lr = Double(volume(lower, momentR)), lg = Double(volume(lower, momentG)), lb = Double(volume(lower, momentB))
            let ur = Double(r) - lr, ug = Double(g) - lg, ub = Double(b) - lb
            let score = (lr * lr + lg * lg + lb * lb) / Double(lw) + (ur * ur + ug * ug + ub * ub) / Double(w - lw)
            if best == nil || score > best!.1 { best = (cut, score) }
        }
        return best
    }

    func split(into maxColours: Int) -> (palette: [RGB], boxOfBin: [UInt8]) {
        var boxes = [Box()]
        var variances = [variance(boxes[0])]
        while boxes.count < maxColours {
            // Split the box with the largest variance that can be split.
            guard let target = variances.indices.max(by: { variances[$0] < variances[$1] }), variances[target] > 0 else { break }
            let box = boxes[target]
            var best: (axis: Int, position: Int, score: Double)?
            for axis in 0..<3 {
                if let cut = bestCut(box, axis: axis), best == nil || cut.score > best!.score {
                    best = (axis, cut.position, cut.score)
                }
            }
            guard let best else { variances[target] = 0; continue }
            var lower = box, upper = box
            switch best.axis {
            case 0: lower.r1 = best.position; upper.r0 = best.position
            case 1: lower.g1 = best.position; upper.g0 = best.position
            default: lower.b1 = best.position; upper.b0 = best.position
            }
            boxes[target] = lower
            variances[target] = variance(lower)
            boxes.append(upper)
            variances.append(variance(upper))
        }
        var palette: [RGB] = []
        var boxOfBin = [UInt8](repeating: 0, count: 1 << 15)
        for box in boxes {
            let w = volume(box, weight)
            guard w > 0 else { continue }
            let index = UInt8(truncatingIfNeeded: palette.count)
            palette.append(RGB(UInt8((volume(box, momentR) + w / 2) / w), UInt8((volume(box, momentG) + w / 2) / w),
                               UInt8((volume(box, momentB) + w / 2) / w)))
            // Boxes cover (lower, upper] in 1-based grid steps; bins are 0-based.
            for r in box.r0..<box.r1 { for g in box.g0..<box.g1 { for b in box.b0..<box.b1 {
                boxOfBin[r << 10 | g << 5 | b] = index
            } } }
        }
        return (palette, boxOfBin)
    }
}

