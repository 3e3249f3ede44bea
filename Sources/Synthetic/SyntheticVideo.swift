import Foundation
import Geometry
import Imaging

/// A generated video of any length with a known box on every frame, for benchmarks that need
/// many frames without files: a striped object with a dot wanders over a textured background
/// that pans, growing and shrinking as it goes. Frames are made on demand and the same index
/// always gives the same pixels. (`SyntheticSequence`, the tests' video, draws the same kind of
/// scene, but moves its object once across the picture however long the sequence is; here the
/// motion repeats, so a 10,000-frame video moves as much per frame as a 100-frame one.)
public struct SyntheticVideo: FrameSource {
    public let frameCount: Int
    public let width: Int
    public let height: Int
    public var fps: Double { 25 }
    /// The background, twice as wide as a frame, so panning is a copy.
    private let backdrop: [UInt8]
    private let backdropWidth: Int

    public init(frameCount: Int, width: Int = 320, height: Int = 240) {
        self.frameCount = frameCount
        self.width = width
        self.height = height
        backdropWidth = 2 * width
        var pixels = [UInt8](repeating: 0, count: backdropWidth * height * 3)
        let w = backdropWidth
        pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<height {
                for x in 0..<w {
                    let phase = 2 * Double.pi * Double(x) / Double(w)
                    let v = 0.5 + 0.25 * sin(13 * phase + Double(y) * 0.05) + 0.25 * Scene.noise(x / 6, y / 6)
                    let i = (y * w + x) * 3
                    px[i] = UInt8(60 + 60 * v)
                    px[i + 1] = UInt8(110 + 70 * v)
                    px[i + 2] = UInt8(70 + 50 * v)
                }
            }
        }
        backdrop = pixels
    }

    /// The object's true box on frame `index` (0-based).
    public func box(_ index: Int) -> BoxRect {
        let t = Double(index)
        let s = 1 + 0.25 * sin(2 * Double.pi * t / 700)
        let w = 30 * s, h = 40 * s
        let cx = Double(width) * (0.5 + 0.3 * sin(2 * Double.pi * t / 400))
        let cy = Double(height) * (0.5 + 0.2 * sin(2 * Double.pi * t / 290))
        return BoxRect(x: cx - w / 2, y: cy - h / 2, width: w, height: h)
    }

    public func frame(at index: Int, scale: Int) throws -> RGBImage {
        let full = render(index)
        return scale <= 1 ? full : full.downsampled(by: scale)
    }

    private func render(_ index: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let b = box(index)
        let pan = Int((Double(index) * 0.7).rounded()) % backdropWidth
        let rowBytes = width * 3, backdropRow = backdropWidth * 3
        let x0 = max(0, Int(b.x.rounded(.down))), x1 = min(width, Int((b.x + b.width).rounded(.up)))
        let y0 = max(0, Int(b.y.rounded(.down))), y1 = min(height, Int((b.y + b.height).rounded(.up)))
        backdrop.withUnsafeBufferPointer { back in
            image.pixels.withUnsafeMutableBufferPointer { px in
                for y in 0..<height {
                    // The pan wraps: up to two copies per row.
                    let first = min(width, backdropWidth - pan)
                    for i in 0..<(first * 3) { px[y * rowBytes + i] = back[y * backdropRow + pan * 3 + i] }
                    if first < width {
                        for i in 0..<((width - first) * 3) { px[y * rowBytes + first * 3 + i] = back[y * backdropRow + i] }
                    }
                }
                guard x0 < x1, y0 < y1 else { return }
                for y in y0..<y1 {
                    let oy = (Double(y) + 0.5 - b.y) / b.height
                    guard oy >= 0, oy < 1 else { continue }
                    for x in x0..<x1 {
                        let ox = (Double(x) + 0.5 - b.x) / b.width
                        guard ox >= 0, ox < 1 else { continue }
                        let colour = Scene.object(ox, oy)
                        let i = y * rowBytes + x * 3
                        px[i] = colour.r
                        px[i + 1] = colour.g
                        px[i + 2] = colour.b
                    }
                }
            }
        }
        return image
    }
}
