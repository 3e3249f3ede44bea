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
        var sums = [UInt32](repeating: 0, count: outWidth * 3)
        let pixels = [UInt8](unsafeUninitializedCapacity: outWidth * outHeight * 3) { out, initialized in
            self.pixels.withUnsafeBufferPointer { source in
                sums.withUnsafeMutableBufferPointer { sums in
                    for outY in 0..<outHeight {
                        let y0 = outY &* factor
                        let y1 = Swift.min(y0 &+ factor, height)
                        for i in 0..<sums.count { sums[i] = 0 }
                        for y in y0..<y1 {
                            var s = y &* width &* 3
                            for outX in 0..<outWidth {
                                let blockWidth = Swift.min(factor, width &- outX &* factor)
                                var r: UInt32 = 0, g: UInt32 = 0, b: UInt32 = 0
                                for _ in 0..<blockWidth {
                                    r &+= UInt32(source[s])
                                    g &+= UInt32(source[s &+ 1])
                                    b &+= UInt32(source[s &+ 2])
                                    s &+= 3
                                }
                                sums[outX &* 3] &+= r
                                sums[outX &* 3 &+ 1] &+= g
                                sums[outX &* 3 &+ 2] &+= b
                            }
                        }
                        let rows = UInt32(y1 &- y0)
                        var o = outY &* outWidth &* 3
                        for outX in 0..<outWidth {
                            let count = UInt32(Swift.min(factor, width &- outX &* factor)) &* rows
                            let half = count / 2
                            out[o] = UInt8((sums[outX &* 3] &+ half) / count)
                            out[o &+ 1] = UInt8((sums[outX &* 3 &+ 1] &+ half) / count)
                            out[o &+ 2] = UInt8((sums[outX &* 3 &+ 2] &+ half) / count)
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
