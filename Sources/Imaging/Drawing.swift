/// A box to draw over a frame: where it is (in source pixels), its colour, an optional tag.
public struct Overlay: Sendable, Equatable {
    /// How the outline is drawn; the kinds of box (accepted, proposed, selected) map onto these.
    public enum Style: Sendable, Equatable {
        /// A continuous outline.
        case solid
        /// A broken outline, for boxes not yet accepted.
        case dashed
        /// A thicker continuous outline, for the box under the cursor.
        case thick
    }

    /// Left edge, in pixels of the source frame.
    public var x: Double
    /// Top edge, in pixels of the source frame.
    public var y: Double
    public var width: Double
    public var height: Double
    public var colour: RGB
    /// Text of the tag, e.g. "person 0.87"; no tag when nil or empty.
    public var label: String?
    public var style: Style

    public init(x: Double, y: Double, width: Double, height: Double, colour: RGB, label: String? = nil, style: Style = .solid) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.colour = colour
        self.label = label
        self.style = style
    }

    /// Outline thickness in displayed pixels.
    public var thickness: Int { style == .thick ? 3 : 2 }
}

extension RGB {
    /// Black for light colours, white for dark ones: the edge that keeps a colour visible.
    public var contrasting: RGB {
        // Rec. 601 luma, integer form.
        let luma = 299 * Int(r) + 587 * Int(g) + 114 * Int(b)
        return luma > 128_000 ? .black : .white
    }
}

extension RGBImage {
    /// Fills a rectangle, clipped to the image.
    public mutating func fillRectangle(x: Int, y: Int, width: Int, height: Int, colour: RGB) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(self.width, x + width), y1 = min(self.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        let stride = self.width
        pixels.withUnsafeMutableBufferPointer { p in
            for row in y0..<y1 {
                var i = (row * stride + x0) * 3
                for _ in x0..<x1 {
                    p[i] = colour.r
                    p[i &+ 1] = colour.g
                    p[i &+ 2] = colour.b
                    i &+= 3
                }
            }
        }
    }

    /// Draws the outline of a rectangle `thickness` pixels wide, inside the rectangle's bounds,
    /// clipped to the image. With `dash`, edges alternate `dash.on` drawn and `dash.off` skipped pixels.
    public mutating func strokeRectangle(
        x: Int, y: Int, width: Int, height: Int, thickness: Int = 2, colour: RGB,
        dash: (on: Int, off: Int)? = nil
    ) {
        guard width > 0, height > 0, thickness > 0 else { return }
        let t = min(thickness, (width + 1) / 2, (height + 1) / 2)
        guard let dash else {
            fillRectangle(x: x, y: y, width: width, height: t, colour: colour)
            fillRectangle(x: x, y: y + height - t, width: width, height: t, colour: colour)
            fillRectangle(x: x, y: y + t, width: t, height: height - 2 * t, colour: colour)
            fillRectangle(x: x + width - t, y: y + t, width: t, height: height - 2 * t, colour: colour)
            return
        }
        let period = max(1, dash.on + dash.off)
        var offset = 0
        while offset < width {
            let run = min(dash.on, width - offset)
            fillRectangle(x: x + offset, y: y, width: run, height: t, colour: colour)
            fillRectangle(x: x + offset, y: y + height - t, width: run, height: t, colour: colour)
            offset += period
        }
        offset = 0
        while offset < height {
            let run = min(dash.on, height - offset)
            fillRectangle(x: x, y: y + offset, width: t, height: run, colour: colour)
            fillRectangle(x: x + width - t, y: y + offset, width: t, height: run, colour: colour)
            offset += period
        }
    }

    /// Draws `text` in the bitmap font with its top-left at (x, y), clipped to the image.
    /// With `scale` above 1 every font pixel becomes a `scale` x `scale` square.
    public mutating func drawText(_ text: String, x: Int, y: Int, colour: RGB, scale: Int = 1) {
        let s = max(1, scale)
        var penX = x
        for scalar in text.unicodeScalars {
            let rows = BitmapFont.rows(of: scalar)
            for (dy, bits) in rows.enumerated() where bits != 0 {
                for dx in 0..<BitmapFont.glyphWidth where bits & (0x10 >> UInt8(dx)) != 0 {
                    let px = penX + dx * s, py = y + dy * s
                    if s == 1 {
                        if px >= 0, px < width, py >= 0, py < height { self[px, py] = colour }
                    } else {
                        fillRectangle(x: px, y: py, width: s, height: s, colour: colour)
                    }
                }
            }
            penX += BitmapFont.advance * s
        }
    }

    /// Draws a crosshair centred on (x, y): a horizontal and a vertical line `arm` pixels
    /// long on each side, `thickness` wide, leaving a gap of `gap` pixels around the centre
    /// so the pixel under it stays visible. Each line has a 1 px contrasting edge, as boxes
    /// do, so it shows on any background. Clipped to the image.
    public mutating func drawCrosshair(x: Int, y: Int, arm: Int, gap: Int = 2, thickness: Int = 1, colour: RGB) {
        guard arm > gap else { return }
        let t = max(1, thickness)
        let before = t / 2  // lines are centred on the point; odd thicknesses centre exactly
        let edge = colour.contrasting
        let length = arm - gap
        // Four arms: left, right, up, down. Edges first, then the colour on top.
        let arms: [(x: Int, y: Int, width: Int, height: Int)] = [
            (x - arm, y - before, length, t),
            (x + gap + 1, y - before, length, t),
            (x - before, y - arm, t, length),
            (x - before, y + gap + 1, t, length),
        ]
        for a in arms { fillRectangle(x: a.x - 1, y: a.y - 1, width: a.width + 2, height: a.height + 2, colour: edge) }
        for a in arms { fillRectangle(x: a.x, y: a.y, width: a.width, height: a.height, colour: colour) }
    }

    /// Size in pixels of the filled tag that `drawTag` draws for `text`.
    public static func tagSize(for text: String) -> (width: Int, height: Int) {
        (BitmapFont.width(of: text) + 2 * tagPadding, BitmapFont.glyphHeight + 2 * tagPadding)
    }

    static let tagPadding = 2

    /// Draws a filled tag in `colour` with `text` in the contrasting colour, top-left at (x, y).
    public mutating func drawTag(_ text: String, x: Int, y: Int, colour: RGB) {
        let size = Self.tagSize(for: text)
        fillRectangle(x: x, y: y, width: size.width, height: size.height, colour: colour)
        drawText(text, x: x + Self.tagPadding, y: y + Self.tagPadding, colour: colour.contrasting)
    }

    /// Draws one overlay: a contrasting 1 px edge on both sides of the coloured outline, so the
    /// box shows on light and dark backgrounds, and the tag above the top-left corner, or just
    /// inside it when there is no room above. `scaleX`/`scaleY` map source pixels to this image.
    public mutating func draw(_ overlay: Overlay, scaleX: Double = 1, scaleY: Double = 1) {
        let x0 = (overlay.x * scaleX).clampedPixel(), y0 = (overlay.y * scaleY).clampedPixel()
        let x1 = ((overlay.x + overlay.width) * scaleX).clampedPixel()
        let y1 = ((overlay.y + overlay.height) * scaleY).clampedPixel()
        let w = max(1, x1 - x0), h = max(1, y1 - y0)
        let t = overlay.thickness
        let edge = overlay.colour.contrasting
        let dash: (on: Int, off: Int)? = overlay.style == .dashed ? (6, 4) : nil
        strokeRectangle(x: x0 - 1, y: y0 - 1, width: w + 2, height: h + 2, thickness: t + 2, colour: edge, dash: dash)
        strokeRectangle(x: x0, y: y0, width: w, height: h, thickness: t, colour: overlay.colour, dash: dash)

        guard let label = overlay.label, !label.isEmpty else { return }
        let size = Self.tagSize(for: label)
        var tagX = x0 - 1
        var tagY = y0 - 1 - size.height
        if tagY < 0 { tagY = y0 + t }
        tagX = max(0, min(tagX, width - size.width))
        tagY = max(0, min(tagY, height - size.height))
        drawTag(label, x: tagX, y: tagY, colour: overlay.colour)
    }

    /// Draws overlays in order; later ones cover earlier ones.
    public mutating func draw(_ overlays: [Overlay], scaleX: Double = 1, scaleY: Double = 1) {
        for overlay in overlays { draw(overlay, scaleX: scaleX, scaleY: scaleY) }
    }
}
