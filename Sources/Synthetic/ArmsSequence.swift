import Foundation
import Geometry
import Imaging

/// A generated video whose object changes shape but not place: a red body (24 x 24, a dark cross
/// at its centre) drifting right over a textured blue-green ground stretches out cyan arms, 6 px
/// each side, from frame `armsFrom` on, and the true box takes the arms in (like a rider whose
/// ground truth takes in his arm or not). Deterministic.
public struct ArmsSequence: Sendable {
    public let frameCount: Int
    public let armsFrom: Int
    public let width = 240, height = 160

    public init(frameCount: Int = 40, armsFrom: Int = 8) {
        self.frameCount = frameCount
        self.armsFrom = armsFrom
    }

    /// The true box of frame `f` (0-based).
    public func rect(_ f: Int) -> BoxRect {
        BoxRect(centerX: 100 + 0.5 * Double(f), centerY: 80, width: f >= armsFrom ? 36 : 24, height: 24)
    }

    /// Frame `f` (0-based).
    public func frame(_ f: Int) -> RGBImage {
        let b = rect(f), cx = b.centerX, cy = b.centerY
        let arm = (b.width - 24) / 2
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = abs(Double(x) + 0.5 - cx), dy = abs(Double(y) + 0.5 - cy)
                let wave = UInt8(((x + f) * 7 + y * 3) % 32)
                let onBody = dx < 12 && dy < 12
                let onMark = (dx < 1.5 && dy < 9) || (dy < 1.5 && dx < 9)
                let onArm = !onBody && dx < 12 + arm && dy < 10
                image[x, y] = onBody && onMark ? RGB(20, 20, 20) : onBody ? RGB(200 &+ wave / 2, 40, 30)
                    : onArm ? RGB(30, 200, 220) : RGB(40, 120 &+ wave, 160 &+ wave)
            }
        }
        return image
    }
}
