/// The largest image microlabel decodes: 16,384 pixels a side and 2^28 pixels (768 MiB of RGB)
/// in all. Every decoder and the video probe check a header against it before allocating
/// anything, so a small file that claims a huge size is refused at once instead of exhausting
/// memory.
public enum ImageLimits {
    public static let maxSide = 16_384
    public static let maxPixels = 1 << 28

    /// Whether an image of this size may be decoded.
    public static func allows(width: Int, height: Int) -> Bool {
        width > 0 && height > 0 && isWithin(width: width, height: height)
    }

    /// Throws `.tooLarge` naming `path` when the size is over the limits.
    static func check(width: Int, height: Int, path: String) throws {
        guard isWithin(width: width, height: height) else {
            throw ImagingError.tooLarge(path: path, width: width, height: height)
        }
    }

    /// Neither side nor the pixel count over the limits. The sides are compared first, so for
    /// sides of zero or more the product cannot overflow.
    private static func isWithin(width: Int, height: Int) -> Bool {
        width <= maxSide && height <= maxSide && width * height <= maxPixels
    }
}

extension Double {
    /// This value as an Int when it is finite and within ±2^53 (where every integer is exact),
    /// rounded to nearest; nil otherwise. For converting numbers from files and the command
    /// line, where `Int(_:)` would trap on NaN, infinity or a value past Int's range.
    public var exactIntegerIfSafe: Int? {
        guard isFinite, abs(self) <= 9_007_199_254_740_992 else { return nil }
        return Int(rounded())
    }
}

extension Double {
    /// This pixel coordinate as an Int, rounded by `rule`, held within ±2^20 (far outside any image
    /// microlabel decodes) so that a wild box never traps the conversion; NaN gives 0.
    public func clampedPixel(_ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int {
        guard !isNaN else { return 0 }
        return Int(Swift.min(Swift.max(self, -1_048_576), 1_048_576).rounded(rule))
    }
}
