import Foundation

// Plane geometry in source pixels, shared by every target: the store, the micro-models, the
// exchange formats and the review room. Depends on nothing but Foundation.

/// A point in source pixels.
public struct Point: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A width and height in source pixels.
public struct Size: Sendable, Hashable {
    public var width: Double
    public var height: Double
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }
}

/// A rectangle in source pixels: top-left corner, width and height.
public struct BoxRect: Sendable, Hashable, Codable, CustomStringConvertible {
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

    public init(origin: Point, size: Size) {
        self.init(x: origin.x, y: origin.y, width: size.width, height: size.height)
    }

    public init(centerX: Double, centerY: Double, width: Double, height: Double) {
        self.init(x: centerX - width / 2, y: centerY - height / 2, width: width, height: height)
    }

    /// The rectangle spanned by two corners, in any order.
    public init(corner a: Point, corner b: Point) {
        self.init(x: min(a.x, b.x), y: min(a.y, b.y), width: abs(a.x - b.x), height: abs(a.y - b.y))
    }

    public var origin: Point { Point(x: x, y: y) }
    public var size: Size { Size(width: width, height: height) }
    public var maxX: Double { x + width }
    public var maxY: Double { y + height }
    public var centerX: Double { x + width / 2 }
    public var centerY: Double { y + height / 2 }
    public var center: Point { Point(x: centerX, y: centerY) }
    /// 0 for a box with no extent.
    public var area: Double { max(width, 0) * max(height, 0) }

    /// Whether `p` lies inside or on the edge.
    public func contains(_ p: Point) -> Bool {
        p.x >= x && p.x <= maxX && p.y >= y && p.y <= maxY
    }

    /// Intersection over union; 0 when either box is empty.
    public func iou(_ other: BoxRect) -> Double {
        let iw = max(0, min(maxX, other.maxX) - max(x, other.x))
        let ih = max(0, min(maxY, other.maxY) - max(y, other.y))
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The part of the box inside a `imageWidth` x `imageHeight` image, or nil when nothing of it
    /// is left. A box already inside comes back unchanged, without the rounding of recomputing
    /// its size from its corners.
    public func clipped(toWidth imageWidth: Int, height imageHeight: Int) -> BoxRect? {
        if x >= 0, y >= 0, maxX <= Double(imageWidth), maxY <= Double(imageHeight), width > 0, height > 0 {
            return self
        }
        let left = min(max(x, 0), Double(imageWidth)), top = min(max(y, 0), Double(imageHeight))
        let right = min(max(maxX, 0), Double(imageWidth)), bottom = min(max(maxY, 0), Double(imageHeight))
        guard right > left, bottom > top else { return nil }
        return BoxRect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// The part inside the image; a box wholly outside shrinks to nothing at the nearest edge,
    /// so a track keeps a position even where it left the frame.
    public func clamped(width imageWidth: Int, height imageHeight: Int) -> BoxRect {
        clipped(toWidth: imageWidth, height: imageHeight)
            ?? BoxRect(x: min(max(x, 0), Double(imageWidth)), y: min(max(y, 0), Double(imageHeight)), width: 0, height: 0)
    }

    public var description: String {
        String(format: "%.1f,%.1f,%.1f,%.1f", x, y, width, height)
    }
}
