import Imaging

/// A small planar RGB image in 0...1: what features are computed from.
/// Planes are stored one after the other: red, green, blue, each `width * height`.
struct Patch: Sendable {
    let width: Int
    let height: Int
    var values: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        values = [Float](repeating: 0, count: width * height * 3)
    }
}

/// A multi-channel map on a grid of cells, channel-major: channel c, row y, column x is
/// `values[(c * height + y) * width + x]`.
struct FeatureMap: Sendable {
    let width: Int
    let height: Int
    let channels: Int
    var values: [Float]

    init(width: Int, height: Int, channels: Int) {
        self.width = width
        self.height = height
        self.channels = channels
        values = [Float](repeating: 0, count: width * height * channels)
    }

    var plane: Int { width * height }
}

// MARK: - Sampling windows from a frame
//
// Private stand-ins until Imaging offers crop/resize: bilinear sampling of a window of the
// source image into a patch of a fixed size, borders replicated.
extension Patch {
    /// Samples the source window of `sourceWidth x sourceHeight` pixels centred at
    /// (`centerX`, `centerY`) into a `width x height` patch.
    init(sampling image: RGBImage, centerX: Double, centerY: Double, sourceWidth: Double, sourceHeight: Double,
         width: Int, height: Int) {
        self.init(width: width, height: height)
        let sx = sourceWidth / Double(width), sy = sourceHeight / Double(height)
        let x0 = centerX - sourceWidth / 2 + 0.5 * sx - 0.5
        let y0 = centerY - sourceHeight / 2 + 0.5 * sy - 0.5
        let iw = image.width, ih = image.height
        // Column lookups once per patch: left index, right index, weight.
        var xl = [Int](repeating: 0, count: width), xr = [Int](repeating: 0, count: width)
        var xw = [Float](repeating: 0, count: width)
        for x in 0..<width {
            let fx = min(max(x0 + Double(x) * sx, 0), Double(iw - 1))
            let l = Int(fx)
            xl[x] = l * 3
            xr[x] = min(l + 1, iw - 1) * 3
            xw[x] = Float(fx - Double(l))
        }
        let plane = width * height
        let inv: Float = 1 / 255
        image.pixels.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let fy = min(max(y0 + Double(y) * sy, 0), Double(ih - 1))
                    let t = Int(fy)
                    let b = min(t + 1, ih - 1)
                    let wy = Float(fy - Double(t))
                    let rowT = t * iw * 3, rowB = b * iw * 3
                    for x in 0..<width {
                        let wx = xw[x]
                        let o = y * width + x
                        for c in 0..<3 {
                            let tl = Float(src[rowT + xl[x] + c]), tr = Float(src[rowT + xr[x] + c])
                            let bl = Float(src[rowB + xl[x] + c]), br = Float(src[rowB + xr[x] + c])
                            let top = tl + (tr - tl) * wx
                            let bottom = bl + (br - bl) * wx
                            dst[c * plane + o] = (top + (bottom - top) * wy) * inv
                        }
                    }
                }
            }
        }
    }
}
