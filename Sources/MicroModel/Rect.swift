import Foundation

/// An axis-aligned box in source pixels: top-left corner and size.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var centerX: Double { x + width / 2 }
    public var centerY: Double { y + height / 2 }
    public var area: Double { max(width, 0) * max(height, 0) }

    init(centerX: Double, centerY: Double, width: Double, height: Double) {
        self.init(x: centerX - width / 2, y: centerY - height / 2, width: width, height: height)
    }

    /// Intersection over union; 0 when either box is empty.
    public func iou(_ other: Rect) -> Double {
        let iw = max(0, min(x + width, other.x + other.width) - max(x, other.x))
        let ih = max(0, min(y + height, other.y + other.height) - max(y, other.y))
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The part of the box inside a `width x height` image.
    public func clipped(width w: Int, height h: Int) -> Rect {
        let x0 = min(max(x, 0), Double(w)), y0 = min(max(y, 0), Double(h))
        let x1 = min(max(x + width, 0), Double(w)), y1 = min(max(y + height, 0), Double(h))
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    public var description: String {
        String(format: "%.1f,%.1f,%.1f,%.1f", x, y, width, height)
    }
}
