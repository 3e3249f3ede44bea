import Foundation
import Geometry
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

    /// The true box of frame `frame` (0-based).
    public func rect(_ frame: Int) -> BoxRect {
        let b = boxes[frame]
        return BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)
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
                        let n = Scene.noise(Int(fx) / 6, y / 6)
                        let v = 0.5 + 0.25 * sin(fx * 0.13 + fy * 0.05) + 0.25 * n
                        r = 60 + 60 * v; g = 110 + 70 * v; bl = 70 + 50 * v
                    }
                    var ox = (Double(x) - b.x) / b.width, oy = (Double(y) - b.y) / b.height
                    if let t = twin, !(ox >= 0 && ox < 1 && oy >= 0 && oy < 1) {
                        ox = (Double(x) - t.x) / t.width
                        oy = (Double(y) - t.y) / t.height
                    }
                    if !second && ox >= 0 && ox < 1 && oy >= 0 && oy < 1 {
                        let colour = Scene.object(ox, oy)
                        r = Double(colour.r); g = Double(colour.g); bl = Double(colour.b)
                    }
                    if occluded.contains(index) && Double(x) >= occluderX && Double(x) < occluderX + 80
                        && Double(y) >= b.y - 30 && Double(y) < b.y + b.height + 30 {
                        let v = Scene.noise(x / 3, y / 3)
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

