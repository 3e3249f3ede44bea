import Foundation
import Imaging

/// A generated video with known boxes: a textured object moving and scaling over a textured
/// background, optionally hidden behind an occluder for some frames, optionally followed by a
/// scene cut to another background. Deterministic: the same parameters give the same pixels.
public struct SyntheticSequence: Sendable {
    public let width: Int
    public let height: Int
    public let frameCount: Int
    /// Ground truth per frame: x, y, width, height in pixels.
    public let boxes: [(x: Double, y: Double, width: Double, height: Double)]
    /// Frames where the occluder covers the object.
    public let occluded: Range<Int>
    /// First frame of the second scene, if any.
    public let cutAt: Int?
    /// A second object with the same look, moving mirrored (left-right and up-down), so the two
    /// pass each other mid-sequence; empty when there is none.
    public let twinBoxes: [(x: Double, y: Double, width: Double, height: Double)]

    public init(width: Int = 320, height: Int = 240, frameCount: Int = 60, occluded: Range<Int> = 0..<0,
                cutAt: Int? = nil, twin: Bool = false) {
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.occluded = occluded
        self.cutAt = cutAt
        var boxes: [(x: Double, y: Double, width: Double, height: Double)] = []
        for f in 0..<frameCount {
            let t = Double(f) / Double(max(frameCount - 1, 1))
            let s = 1 + 0.4 * t
            let w = 30 * s, h = 40 * s
            let cx = Double(width) * (0.25 + 0.5 * t) + 12 * sin(6 * t)
            let cy = Double(height) * 0.5 + Double(height) * 0.2 * sin(3 * t)
            boxes.append((cx - w / 2, cy - h / 2, w, h))
        }
        self.boxes = boxes
        twinBoxes = twin ? boxes.map { b in
            (Double(width) - b.x - b.width, Double(height) - b.y - b.height, b.width, b.height)
        } : []
    }

    /// Frame `index` (0-based).
    public func frame(_ index: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let second = cutAt.map { index >= $0 } ?? false
        let b = boxes[index]
        // The camera pans slowly, so the background moves too.
        let pan = Double(index) * 0.7
        let occluderX = b.x + b.width / 2 - 40 + Double(index - occluded.lowerBound) * 2
        let twin = twinBoxes.isEmpty ? nil : twinBoxes[index]
        image.pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<height {
                for x in 0..<width {
                    let fx = Double(x) + pan, fy = Double(y)
                    var r: Double, g: Double, bl: Double
                    if second {
                        let v = 0.5 + 0.5 * sin(fx * 0.05) * cos(fy * 0.07)
                        r = 200 * v + 40; g = 60 + 80 * v; bl = 40
                    } else {
                        let n = noise(Int(fx) / 6, y / 6)
                        let v = 0.5 + 0.25 * sin(fx * 0.13 + fy * 0.05) + 0.25 * n
                        r = 60 + 60 * v; g = 110 + 70 * v; bl = 70 + 50 * v
                    }
                    var ox = (Double(x) - b.x) / b.width, oy = (Double(y) - b.y) / b.height
                    if let t = twin, !(ox >= 0 && ox < 1 && oy >= 0 && oy < 1) {
                        ox = (Double(x) - t.x) / t.width
                        oy = (Double(y) - t.y) / t.height
                    }
                    if !second && ox >= 0 && ox < 1 && oy >= 0 && oy < 1 {
                        // Object texture in its own coordinates, so it scales with the object.
                        let stripe = Int(oy * 6) % 2 == 0
                        let dot = hypot(ox - 0.5, oy - 0.35) < 0.18
                        r = dot ? 250 : (stripe ? 220 : 40)
                        g = dot ? 230 : (stripe ? 40 : 30)
                        bl = dot ? 40 : (stripe ? 60 : 160)
                    }
                    if occluded.contains(index) && Double(x) >= occluderX && Double(x) < occluderX + 80
                        && Double(y) >= b.y - 30 && Double(y) < b.y + b.height + 30 {
                        let v = noise(x / 3, y / 3)
                        r = 150 + 60 * v; g = 150 + 60 * v; bl = 150 + 60 * v
                    }
                    let i = (y * width + x) * 3
                    px[i] = UInt8(max(0, min(255, r)))
                    px[i + 1] = UInt8(max(0, min(255, g)))
                    px[i + 2] = UInt8(max(0, min(255, bl)))
                }
            }
        }
        return image
    }
}

/// Deterministic value noise in 0...1 from integer coordinates.
private func noise(_ x: Int, _ y: Int) -> Double {
    var h = UInt64(bitPattern: Int64(x &* 374_761_393 &+ y &* 668_265_263))
    h = (h ^ (h >> 13)) &* 1_274_126_177
    h ^= h >> 16
    return Double(h & 0xFFFF) / 65535
}
