/// A single-channel image of `Float` luminance in 0...255, row-major.
///
/// Float because its users (gradients, HOG cells, correlation filters in the Fourier
/// domain) compute in floating point anyway; the 0...255 range keeps the byte scale so
/// constants from the literature (e.g. MOSSE's `log(x + 1)`) apply unchanged.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height` values: (0,0), (1,0), ...
    public var pixels: [Float]

    /// An all-zero image.
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "image size must be positive")
        self.width = width
        self.height = height
        self.pixels = [Float](repeating: 0, count: width * height)
    }

    /// Wraps values; `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0, "image size must be positive")
        precondition(pixels.count == width * height, "pixel buffer does not match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Luminance of an RGB image with the Rec. 601 weights 0.299 R + 0.587 G + 0.114 B
    /// (those of OpenCV's RGB-to-gray and of JPEG's Y), not rounded.
    public init(_ image: RGBImage) {
        let count = image.width * image.height
        let values = [Float](unsafeUninitializedCapacity: count) { out, initialized in
            image.pixels.withUnsafeBufferPointer { rgb in
                var s = 0
                for i in 0..<count {
                    out[i] = 0.299 * Float(rgb[s]) + 0.587 * Float(rgb[s &+ 1]) + 0.114 * Float(rgb[s &+ 2])
                    s &+= 3
                }
            }
            initialized = count
        }
        self.init(width: image.width, height: image.height, pixels: values)
    }

    @inlinable
    public subscript(x: Int, y: Int) -> Float {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// An RGB image with R = G = B = the value rounded and clamped to 0...255 (for viewing).
    public func rgbImage() -> RGBImage {
        let count = width * height
        let bytes = [UInt8](unsafeUninitializedCapacity: count * 3) { out, initialized in
            pixels.withUnsafeBufferPointer { values in
                for i in 0..<count {
                    let byte = UInt8(Swift.min(255, Swift.max(0, values[i])).rounded())
                    out[3 &* i] = byte
                    out[3 &* i &+ 1] = byte
                    out[3 &* i &+ 2] = byte
                }
            }
            initialized = count * 3
        }
        return RGBImage(width: width, height: height, pixels: bytes)
    }
}

extension RGBImage {
    /// Rec. 601 luminance as Float; see `GrayImage.init(_:)`.
    public func grayscale() -> GrayImage { GrayImage(self) }
}
