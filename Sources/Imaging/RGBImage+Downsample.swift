extension RGBImage {
    /// Box-filter reduction: every `factor`x`factor` block becomes its rounded mean.
    /// The result is `ceil(width / factor)` x `ceil(height / factor)`; blocks on the
    /// right and bottom edges average only the pixels they cover.
    public func downsampled(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "downsampling factor must be at least 1")
        if factor == 1 { return self }
        let outWidth = (width + factor - 1) / factor
        let outHeight = (height + factor - 1) / factor
        let width = self.width, height = self.height
        let rowLength = width * 3
        // Column sums of the block's rows first (a plain, vectorisable add), then across.
        var columnSums = [UInt32](repeating: 0, count: rowLength)
        let pixels = [UInt8](unsafeUninitializedCapacity: outWidth * outHeight * 3) { out, initialized in
            self.pixels.withUnsafeBufferPointer { source in
                columnSums.withUnsafeMutableBufferPointer { sums in
                    for outY in 0..<outHeight {
                        let y0 = outY &* factor
                        let y1 = Swift.min(y0 &+ factor, height)
                        var row = y0 &* rowLength
                        for i in 0..<rowLength { sums[i] = UInt32(source[row &+ i]) }
                        for _ in (y0 &+ 1)..<y1 {
                            row &+= rowLength
                            for i in 0..<rowLength { sums[i] &+= UInt32(source[row &+ i]) }
                        }
                        let rows = UInt32(y1 &- y0)
                        var o = outY &* outWidth &* 3
                        var s = 0
                        for outX in 0..<outWidth {
                            let blockWidth = Swift.min(factor, width &- outX &* factor)
                            var r: UInt32 = 0, g: UInt32 = 0, b: UInt32 = 0
                            for _ in 0..<blockWidth {
                                r &+= sums[s]
                                g &+= sums[s &+ 1]
                                b &+= sums[s &+ 2]
                                s &+= 3
                            }
                            let count = UInt32(blockWidth) &* rows
                            let half = count / 2
                            out[o] = UInt8((r &+ half) / count)
                            out[o &+ 1] = UInt8((g &+ half) / count)
                            out[o &+ 2] = UInt8((b &+ half) / count)
                            o &+= 3
                        }
                    }
                }
            }
            initialized = outWidth * outHeight * 3
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: pixels)
    }
}
