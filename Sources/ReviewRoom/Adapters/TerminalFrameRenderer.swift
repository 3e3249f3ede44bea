import Geometry
import Imaging
import TerminalGraphics

/// Draws view images with TerminalGraphics' renderers (sixel, kitty, blocks, ASCII).
///
/// The images the room hands over are already the size of the view in dots, so the
/// renderers are given an area of exactly that many dots: nothing is scaled again, and
/// overlays land on the dots the room computed. Crosshairs are drawn into pixel images
/// directly; in the text modes they are two one-dot lines the renderer draws as box edges.
public final class TerminalFrameRenderer: FrameRenderer {
    public let mode: GraphicsMode
    private let renderer: any TerminalRenderer

    /// Kitty renderers for the gallery's other tiles, each with its own image id.
    private var kittySlots: [Int: KittyRenderer] = [:]
    private let kittyPassthrough: Bool

    public init(_ renderer: any TerminalRenderer) {
        self.renderer = renderer
        mode = Self.mode(renderer.mode)
        kittyPassthrough = (renderer as? KittyRenderer)?.tmuxPassthrough ?? false
    }

    /// The renderer for a slot: kitty replaces pictures by image id, so tiles shown together
    /// need ids of their own; the other protocols draw wherever the cursor is.
    private func renderer(forSlot slot: Int) -> any TerminalRenderer {
        guard slot > 0, mode == .kitty else { return renderer }
        if let known = kittySlots[slot] { return known }
        let made = KittyRenderer(encoder: KittyEncoder(imageID: UInt32(slot + 1), placementID: 1), tmuxPassthrough: kittyPassthrough)
        kittySlots[slot] = made
        return made
    }

    public func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int, slot: Int) throws -> RenderedFrame {
        try render(image, overlays: overlays, columns: columns, rows: rows, slot: slot, quality: .full, storeAs: nil)
    }

    public func render(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int, slot: Int,
                       quality: PictureQuality, storeAs id: UInt32?) throws -> RenderedFrame {
        let renderer = renderer(forSlot: slot)
        switch mode {
        case .sixel, .kitty:
            let (picture, boxes) = Self.withCrosshairs(image, overlays: overlays)
            if mode == .sixel, case .light(let level) = quality, let sixel = renderer as? SixelRenderer {
                let bytes = try sixel.encoder.encodeCoarse(picture, overlays: boxes, coarseness: Self.coarseness(level))
                return RenderedFrame(lines: [sixel.tmuxPassthrough ? TerminalGraphics.tmuxPassthrough(bytes) : bytes])
            }
            if mode == .kitty, let id {
                return RenderedFrame(lines: [try storeKitty(picture, boxes: boxes, id: id, payload: .png)])
            }
            let area = CellArea(columns: image.width, rows: image.height, cellWidth: 1, cellHeight: 1)
            return RenderedFrame(lines: [try renderer.render(picture, overlays: boxes, in: area)])
        case .blocks, .ascii:
            let picture = try cells(image, overlays: overlays, columns: columns, rows: rows)!
            var lines = picture.canvas.encode(colourDepth: picture.colourDepth)
                .split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            if lines.last?.isEmpty == true { lines.removeLast() }
            return RenderedFrame(lines: lines)
        }
    }

    public func cells(_ image: RGBImage, overlays: [ViewOverlay], columns: Int, rows: Int) throws -> TextPicture? {
        switch mode {
        case .sixel, .kitty:
            return nil
        case .blocks, .ascii:
            var marks: [Overlay] = []
            for overlay in overlays {
                switch overlay.shape {
                case .box(let rect, let tag):
                    marks.append(Self.box(rect, tag: tag, overlay: overlay))
                case .crosshair(let p):
                    // Arms of about three cells each way; a line is an overlay one dot thin.
                    let armX = 3.0, armY = mode == .blocks ? 3.0 : 1.0
                    let x = p.x.rounded(.down), y = p.y.rounded(.down)
                    marks.append(Overlay(x: x - armX, y: y, width: 2 * armX + 1, height: 1, colour: overlay.color))
                    marks.append(Overlay(x: x, y: y - armY, width: 1, height: 2 * armY + 1, colour: overlay.color))
                }
            }
            // One cell is one dot across and `dotsDown` dots down, so the image fits the area exactly.
            let dotsDown = mode == .blocks ? 2 : 1
            let area = CellArea(columns: image.width, rows: max(1, image.height / dotsDown), cellWidth: 1, cellHeight: dotsDown)
            if let blocks = renderer as? BlockRenderer {
                return TextPicture(canvas: try blocks.canvas(image, overlays: marks, in: area), colourDepth: blocks.colourDepth)
            }
            let ascii = renderer as? AsciiRenderer ?? AsciiRenderer()
            return TextPicture(canvas: try ascii.canvas(image, overlays: marks, in: area), colourDepth: ascii.colourDepth)
        }
    }

    /// A light sixel picture from its blocks (see `SixelCoarseness`): `blocks` holds one pixel
    /// per block of a `size` picture; overlays are in the picture's dots. Nil in other modes.
    func lightSixel(blocks: RGBImage, size: PixelSize, overlays: [ViewOverlay], level: Int) throws -> [UInt8]? {
        guard mode == .sixel, let sixel = renderer as? SixelRenderer else { return nil }
        let marks = overlays.compactMap { overlay -> Overlay? in
            if case .box(let rect, let tag) = overlay.shape { return Self.box(rect, tag: tag, overlay: overlay) }
            return nil
        }
        let bytes = try sixel.encoder.encodeCoarse(blocks: blocks, width: size.width, height: size.height, overlays: marks,
                                                   coarseness: Self.coarseness(level))
        return sixel.tmuxPassthrough ? TerminalGraphics.tmuxPassthrough(bytes) : bytes
    }

    /// A kitty picture stored (not shown) as `id`, its pixels sent as `payload`: the caller
    /// places it (pixels at any size; the terminal scales them). Nil in other modes.
    func storeKitty(_ image: RGBImage, overlays: [ViewOverlay], id: UInt32, payload: KittyPayload) throws -> [UInt8]? {
        guard mode == .kitty else { return nil }
        let (picture, boxes) = Self.withCrosshairs(image, overlays: overlays)
        return try storeKitty(picture, boxes: boxes, id: id, payload: payload)
    }

    /// `image` with its crosshairs drawn, and its boxes as overlays for the encoder.
    private static func withCrosshairs(_ image: RGBImage, overlays: [ViewOverlay]) -> (RGBImage, [Overlay]) {
        var picture = image
        var boxes: [Overlay] = []
        for overlay in overlays {
            switch overlay.shape {
            case .box(let rect, let tag):
                boxes.append(box(rect, tag: tag, overlay: overlay))
            case .crosshair(let p):
                let arm = max(6, min(image.width, image.height) / 24)
                picture.drawCrosshair(x: Int(p.x.rounded(.down)), y: Int(p.y.rounded(.down)), arm: arm, gap: 2,
                                      thickness: 1, colour: overlay.color)
            }
        }
        return (picture, boxes)
    }

    private func storeKitty(_ image: RGBImage, boxes: [Overlay], id: UInt32, payload: KittyPayload) throws -> [UInt8] {
        var picture = image
        picture.draw(boxes)
        let bytes = try KittyImages.transmit(picture, id: id, payload: payload)
        return kittyPassthrough ? KittyRenderer.passthrough(bytes) : bytes
    }

    static func coarseness(_ level: Int) -> SixelCoarseness {
        SixelCoarseness.levels[min(max(level, 0), SixelCoarseness.levels.count - 1)]
    }

    static func box(_ rect: BoxRect, tag: String?, overlay: ViewOverlay) -> Overlay {
        Overlay(x: rect.x, y: rect.y, width: rect.width, height: rect.height, colour: overlay.color,
                        label: tag?.isEmpty == false ? tag : nil, style: overlay.emphasized ? .thick : .solid)
    }

    static func mode(_ mode: TerminalGraphics.GraphicsMode) -> GraphicsMode {
        switch mode {
        case .sixel: .sixel
        case .kitty: .kitty
        case .blocks: .blocks
        case .ascii: .ascii
        }
    }
}
