import Geometry
import Dispatch
import Foundation
import ReviewRoom
import Synchronization
import Imaging
import struct TerminalGraphics.PixelSize

/// Frames for the view: decoded through a `CachedFrameSource`, cut to the shown region and
/// scaled to the view's size.
///
/// When the view is at most half the region's size, the source's reduced decode (libjpeg's
/// scaled decode, ffmpeg's scaler) does most of the shrinking. Neighbouring frames are decoded
/// and scaled ahead on a background queue; asking for a picture that is being prepared waits
/// for it instead of decoding it twice. A frame that cannot be read comes back as a dark
/// picture saying "frame N unreadable: reason", so one bad file never stops the room.
public final class CachedFrameProvider: FrameProvider, Sendable {
    public let source: CachedFrameSource

    private struct Request: Hashable, Sendable {
        var frame: Int
        var region: BoxRect
        var size: PixelSize
    }

    /// What the UI thread and the prefetch queue share.
    private struct Shared {
        /// Finished pictures, newest last (a handful: the current view and what lies ahead).
        var ready: [(request: Request, image: RGBImage)] = []
        /// Pictures being made; each group is left once its picture is in `ready`.
        var inFlight: [Request: DispatchGroup] = [:]
        /// What to prepare next; replaced by each `prefetch` call, so stale guesses are dropped.
        var wanted: [Request] = []
        var working = false
    }

    private let shared = Mutex(Shared())
    private let queue = DispatchQueue(label: "microlabel.frame-prefetch", qos: .userInitiated)
    private static let readyLimit = 6

    public init(source: CachedFrameSource) {
        self.source = source
    }

    private enum Lookup {
        case ready(RGBImage)
        /// Another thread is making it: wait for the group, then look again.
        case wait(DispatchGroup)
        /// This thread makes it, and leaves the group when done.
        case make(DispatchGroup)
    }

    public func image(frame index: Int, region: BoxRect, size: PixelSize) throws -> RGBImage {
        let request = Request(frame: index, region: region, size: size)
        while true {
            switch claim(request) {
            case .ready(let image):
                return image
            case .wait(let group):
                group.wait()
            case .make(let group):
                let image = make(request)
                finish(request, image, group)
                return image
            }
        }
    }

    /// The picture if it is ready, the group to wait on if it is being made, or else the
    /// job of making it.
    private func claim(_ request: Request) -> Lookup {
        shared.withLock { s in
            if let group = s.inFlight[request] { return .wait(group) }
            if let hit = s.ready.first(where: { $0.request == request }) { return .ready(hit.image) }
            let group = DispatchGroup()
            group.enter()
            s.inFlight[request] = group
            return .make(group)
        }
    }

    public func prefetch(frames: [Int], region: BoxRect, size: PixelSize) {
        let requests = frames.filter { $0 >= 0 && $0 < source.frameCount }.map { Request(frame: $0, region: region, size: size) }
        let start = shared.withLock { s in
            s.wanted = requests
            let start = !s.working && !s.wanted.isEmpty
            if start { s.working = true }
            return start
        }
        if start { queue.async { [self] in work() } }
    }

    /// Prepares wanted pictures one at a time until none is left.
    private func work() {
        while true {
            let next: (Request, DispatchGroup)? = shared.withLock { s in
                while !s.wanted.isEmpty {
                    let candidate = s.wanted.removeFirst()
                    if s.inFlight[candidate] == nil && !s.ready.contains(where: { $0.request == candidate }) {
                        let group = DispatchGroup()
                        group.enter()
                        s.inFlight[candidate] = group
                        return (candidate, group)
                    }
                }
                s.working = false
                return nil
            }
            guard let (request, group) = next else { return }
            finish(request, make(request), group)
        }
    }

    private func finish(_ request: Request, _ image: RGBImage, _ group: DispatchGroup) {
        shared.withLock { s in
            s.inFlight[request] = nil
            s.ready.removeAll { $0.request == request }
            s.ready.append((request, image))
            if s.ready.count > Self.readyLimit { s.ready.removeFirst(s.ready.count - Self.readyLimit) }
        }
        group.leave()
    }

    // MARK: Decode, crop, scale

    /// The picture for a request; a placeholder when the frame cannot be read.
    private func make(_ request: Request) -> RGBImage {
        let size = PixelSize(width: max(1, request.size.width), height: max(1, request.size.height))
        do {
            return try view(frame: request.frame, region: request.region, size: size)
        } catch {
            let reason = (error as? ImagingError)?.underlying.description ?? "\(error)"
            return Self.placeholder("frame \(request.frame + 1) unreadable: \(reason)", size: size)
        }
    }

    /// The reduced decode to use: the largest of 1, 2, 4, 8 that still leaves at least one
    /// decoded pixel per view pixel.
    static func decodeScale(region: BoxRect, size: PixelSize) -> Int {
        let ratio = min(region.width / Double(size.width), region.height / Double(size.height))
        var scale = 1
        while scale < 8 && Double(scale * 2) <= ratio { scale *= 2 }
        return scale
    }

    private func view(frame index: Int, region: BoxRect, size: PixelSize) throws -> RGBImage {
        let scale = Self.decodeScale(region: region, size: size)
        let decoded = try source.frame(at: index, scale: scale)
        // The region in decoded pixels (a reduced decode is ceil(W / scale) wide).
        let sx = Double(decoded.width) / Double(source.width), sy = Double(decoded.height) / Double(source.height)
        return Self.cut(decoded, region: BoxRect(x: region.x * sx, y: region.y * sy, width: region.width * sx, height: region.height * sy),
                        size: size)
    }

    /// `region` of `image` (fractional pixels) scaled to `size`. The whole pixels around the region
    /// are cut and scaled, then the exact region taken from the result, so a zoomed view sits to
    /// within one view pixel of where the boxes are drawn.
    static func cut(_ image: RGBImage, region: BoxRect, size: PixelSize) -> RGBImage {
        let x0 = max(0, Int(region.x.rounded(.down))), y0 = max(0, Int(region.y.rounded(.down)))
        let x1 = min(image.width, max(x0 + 1, Int(region.maxX.rounded(.up))))
        let y1 = min(image.height, max(y0 + 1, Int(region.maxY.rounded(.up))))
        guard x0 < image.width, y0 < image.height else { return RGBImage(width: size.width, height: size.height) }
        let whole = PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        guard let piece = image.cropped(to: whole) else { return RGBImage(width: size.width, height: size.height) }
        // View pixels per image pixel, and the whole piece at that scale.
        let kx = Double(size.width) / max(region.width, 1e-9), ky = Double(size.height) / max(region.height, 1e-9)
        let bigWidth = max(size.width, Int((Double(whole.width) * kx).rounded()))
        let bigHeight = max(size.height, Int((Double(whole.height) * ky).rounded()))
        let scaled = piece.resized(width: bigWidth, height: bigHeight)
        if bigWidth == size.width && bigHeight == size.height { return scaled }
        let offsetX = min(bigWidth - size.width, max(0, Int(((region.x - Double(x0)) * kx).rounded())))
        let offsetY = min(bigHeight - size.height, max(0, Int(((region.y - Double(y0)) * ky).rounded())))
        return scaled.cropped(to: PixelRect(x: offsetX, y: offsetY, width: size.width, height: size.height)) ?? scaled
    }

    /// A dark picture with `text` on it, wrapped to its width, as large as fits.
    static func placeholder(_ text: String, size: PixelSize) -> RGBImage {
        var image = RGBImage(width: size.width, height: size.height)
        image.fillRectangle(x: 0, y: 0, width: size.width, height: size.height, colour: RGB(40, 16, 16))
        let margin = max(1, size.width / 40)
        // Twice the font size in pixel views; text modes need it as small as it comes.
        let scale = size.width >= 480 ? 2 : 1
        let perLine = max(1, (size.width - 2 * margin) / (BitmapFont.advance * scale))
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            var word = String(word)
            while word.count > perLine {  // long paths: hard breaks
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(perLine)))
                word = String(word.dropFirst(perLine))
            }
            if line.isEmpty {
                line = word
            } else if line.count + 1 + word.count <= perLine {
                line += " " + word
            } else {
                lines.append(line)
                line = word
            }
        }
        if !line.isEmpty { lines.append(line) }
        let lineHeight = (BitmapFont.glyphHeight + 2) * scale
        var y = max(margin, (size.height - lines.count * lineHeight) / 2)
        for line in lines {
            image.drawText(line, x: margin, y: y, colour: RGB(255, 220, 220), scale: scale)
            y += lineHeight
        }
        return image
    }
}
