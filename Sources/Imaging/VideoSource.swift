import Foundation
import Synchronization

/// Frames of a video file, decoded on demand by the `ffmpeg` program.
///
/// Opening probes the file with `ffprobe` and extracts nothing. A decoder process is kept
/// running after each request, so the next frame is one read of a pipe away; a request far
/// from it restarts ffmpeg with an accurate input seek.
public final class VideoSource: FrameSource, Sendable {
    public let url: URL
    public let frameCount: Int
    /// Displayed size, after the rotation stored in the file is applied.
    public let width: Int
    public let height: Int
    public let fps: Double
    /// Clockwise rotation in degrees stored in the file (0, 90, 180, 270); ffmpeg applies it.
    public let rotation: Int
    public let codec: String

    /// How far ahead of the warm decoder a request may be and still be read by decoding forward
    /// instead of seeking. Decoding forward is cheaper than a seek over about a second of video.
    private let forwardReadLimit: Int
    /// Warm decoders, a few per scale, so that readers at different places (the engine's forward
    /// and backward runs, the TUI) do not keep sending one decoder back and forth; and the sink.
    private let state = Mutex(State())
    private struct State {
        var decoders: [Int: [FFmpegFrameReader]] = [:]
        var sink: (@Sendable (Int, Int, RGBImage) -> Void)?
        /// Reads in progress, by a checked-out decoder: see `waitForRead(reaching:scale:)`.
        var reads: [Int: Read] = [:]
        var nextReadID = 0
    }
    private struct Read {
        var scale: Int
        var from: Int
        var to: Int
        var done: DispatchGroup

        /// Whether the read passes `index` or leaves its decoder close enough before it to read on.
        func reaches(_ index: Int, scale: Int, limit: Int) -> Bool {
            self.scale == scale && from <= index && index <= max(to, from + limit)
        }
    }
    private static let decodersPerScale = 3

    public init(url: URL) throws {
        self.url = url
        let probe = try VideoProbe.run(url)
        frameCount = probe.frameCount
        width = probe.width
        height = probe.height
        fps = probe.fps
        rotation = probe.rotation
        codec = probe.codec
        forwardReadLimit = max(12, Int(fps.rounded()))
    }

    deinit {
        for decoder in state.withLock({ $0.decoders.values.joined() }) { decoder.stop() }
    }

    public func frame(at index: Int) throws -> RGBImage {
        try frame(at: index, scale: 1)
    }

    public var readsForwardCheapest: Bool { true }

    public func frame(at index: Int, scale: Int) throws -> RGBImage {
        while true {
            if let image = try frameUnlessReading(at: index, scale: scale) { return image }
            _ = waitForRead(reaching: index, scale: scale)
        }
    }

    public func frameUnlessReading(at index: Int, scale: Int) throws -> RGBImage? {
        guard index >= 0 && index < frameCount else {
            throw ImagingError.frameOutOfRange(index: index, frameCount: frameCount)
        }
        guard [1, 2, 4, 8].contains(scale) else { throw ImagingError.invalidScale(scale) }
        // Decoders are taken out of the pool while they read, so that readers at different
        // places (the engine's forward and backward runs, the TUI) decode at the same time.
        guard case .read(let warm, let first, let sink, let span) = checkOut(index: index, scale: scale) else { return nil }
        defer { endRead(span) }
        // Reads on to `index`; the decoder goes back to the pool only when it read cleanly.
        func readAndReturn(_ decoder: FFmpegFrameReader) throws -> RGBImage {
            do {
                let image = try read(upTo: index, from: decoder, scale: scale, sink: sink)
                checkIn(decoder, scale: scale)
                return image
            } catch {
                decoder.stop()
                throw error
            }
        }
        // A failed warm read is retried once from a fresh seek; that error names the frame.
        if let warm, let image = try? readAndReturn(warm) { return image }
        let size = frameSize(atScale: scale)
        return try readAndReturn(try FFmpegFrameReader(video: url, firstIndex: first, fps: fps, width: size.width,
                                                       height: size.height, scaled: scale != 1))
    }

    private func endRead(_ id: Int) {
        state.withLock { $0.reads.removeValue(forKey: id) }?.done.leave()
    }

    /// Waits for a read in progress that passes `index` (its frame then reaches the sink) or
    /// ends close enough before it that its decoder reads on to it; true if there was one.
    /// Without this, the room asking for the frame the read-ahead is decoding found the only warm
    /// decoder checked out and started another ffmpeg with a seek: a 0.3 s stall, then two
    /// decoders decoding the same frames.
    public func waitForRead(reaching index: Int, scale: Int) -> Bool {
        let pending = state.withLock { state in
            state.reads.values.first { $0.reaches(index, scale: scale, limit: forwardReadLimit) }?.done
        }
        guard let pending else { return false }
        pending.wait()
        return true
    }

    private enum CheckOut {
        /// Read with `warm` (nil: a new decoder starting at `first`); `span` is the read's id.
        case read(warm: FFmpegFrameReader?, first: Int, sink: (@Sendable (Int, Int, RGBImage) -> Void)?, span: Int)
        /// A read in progress on another thread will reach the frame: wait for it, then ask again.
        case busy
    }

    /// A warm decoder that reaches `index` by reading forward, taken out of the pool; otherwise
    /// the frame a new decoder should start at; or, when the decoder that would reach it is out
    /// reading, `busy`. The read is registered (see `waitForRead`) under the same lock, so no
    /// other reader sees the decoder gone without seeing its read: that gap sent readers to a new
    /// ffmpeg with a seek (0.3 s or more) while the warm decoder was a few frames away.
    private func checkOut(index: Int, scale: Int) -> CheckOut {
        let done = DispatchGroup()
        done.enter()
        let outcome: CheckOut = state.withLock { state in
            let sink = state.sink
            var pool = state.decoders[scale] ?? []
            defer { state.decoders[scale] = pool }
            func register(from: Int) -> Int {
                state.nextReadID += 1
                state.reads[state.nextReadID] = Read(scale: scale, from: from, to: index, done: done)
                return state.nextReadID
            }
            // The nearest decoder at or before the frame: another one further back would decode
            // again what the nearest one already passed.
            let reachable = pool.indices.filter { pool[$0].nextIndex <= index && index - pool[$0].nextIndex <= forwardReadLimit }
            if let position = reachable.max(by: { pool[$0].nextIndex < pool[$1].nextIndex }) {
                let warm = pool.remove(at: position)
                return .read(warm: warm, first: index, sink: sink, span: register(from: warm.nextIndex))
            }
            if state.reads.values.contains(where: { $0.reaches(index, scale: scale, limit: forwardReadLimit) }) { return .busy }
            // Going backwards, start a second early: stepping back through a video with long
            // keyframe intervals then costs one seek per second instead of one per frame, as long
            // as someone (the frame cache) keeps the frames decoded on the way.
            let movingBack = pool.last.map { index < $0.nextIndex } ?? false
            let first = movingBack && sink != nil ? max(0, index - forwardReadLimit) : index
            return .read(warm: nil, first: first, sink: sink, span: register(from: first))
        }
        if case .busy = outcome { done.leave() }
        return outcome
    }

    /// Puts a decoder back as the most recently used, stopping the least recently used one
    /// when there are too many.
    private func checkIn(_ decoder: FFmpegFrameReader, scale: Int) {
        let retired = state.withLock { state in
            var pool = state.decoders[scale] ?? []
            pool.append(decoder)
            let retired = pool.count > Self.decodersPerScale ? pool.removeFirst() : nil
            state.decoders[scale] = pool
            return retired
        }
        // Stopping waits for ffmpeg to exit; other readers need not wait for that.
        retired?.stop()
    }

    public func collectDecodedFrames(_ sink: @escaping @Sendable (Int, Int, RGBImage) -> Void) {
        state.withLock { $0.sink = sink }
    }

    private func read(upTo index: Int, from decoder: FFmpegFrameReader, scale: Int,
                      sink: (@Sendable (Int, Int, RGBImage) -> Void)?) throws -> RGBImage {
        while decoder.nextIndex < index {
            let passed = decoder.nextIndex
            if let sink {
                sink(passed, scale, try decoder.readFrame())
            } else {
                try decoder.skipFrame()
            }
        }
        return try decoder.readFrame()
    }

    /// Streams `range` in order through one decoder, at ffmpeg's own speed, without touching the
    /// warm decoders. `body` returns false to stop early.
    public func forEachFrame(in range: Range<Int>, scale: Int = 1, _ body: (Int, RGBImage) throws -> Bool) throws {
        let range = range.clamped(to: 0..<frameCount)
        guard !range.isEmpty else { return }
        let size = frameSize(atScale: scale)
        let decoder = try FFmpegFrameReader(video: url, firstIndex: range.lowerBound, fps: fps, width: size.width, height: size.height, scaled: scale != 1)
        defer { decoder.stop() }
        while decoder.nextIndex < range.upperBound {
            let index = decoder.nextIndex
            let image = try decoder.readFrame()
            if try !body(index, image) { return }
        }
    }

    /// Video file extensions recognised when a source path is opened.
    public static let fileExtensions: Set<String> = [
        "mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "ts", "mts", "m2ts", "wmv", "flv", "ogv", "3gp",
    ]
}

/// What `ffprobe` says about the first video stream of a file.
struct VideoProbe {
    var width: Int
    var height: Int
    var frameCount: Int
    var fps: Double
    var rotation: Int
    var codec: String

    static func run(_ url: URL) throws -> VideoProbe {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ImagingError.unreadableFile(path: url.path, reason: "no such file, or no permission to read it")
        }
        let ffprobe = try ExternalTool.locate("ffprobe")
        let result = try ExternalTool.run(ffprobe, [
            "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,nb_frames,r_frame_rate,avg_frame_rate,duration:stream_tags=rotate:stream_side_data=rotation:format=duration",
            "-of", "json", url.path,
        ])
        guard result.status == 0 else {
            throw ImagingError.videoUnreadable(path: url.path, reason: result.firstErrorLine ?? "ffprobe exited with status \(result.status)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: result.output) as? [String: Any],
              let streams = json["streams"] as? [[String: Any]], let stream = streams.first else {
            throw ImagingError.videoUnreadable(path: url.path, reason: "it has no video stream")
        }
        guard let codedWidth = stream["width"] as? Int, let codedHeight = stream["height"] as? Int,
              codedWidth > 0, codedHeight > 0 else {
            throw ImagingError.videoUnreadable(path: url.path, reason: "ffprobe reports no frame size")
        }
        try ImageLimits.check(width: codedWidth, height: codedHeight, path: url.path)
        let fps = rate(stream["avg_frame_rate"]) ?? rate(stream["r_frame_rate"]) ?? 25
        var rotation = 0
        if let tags = stream["tags"] as? [String: Any], let r = tags["rotate"] as? String, let v = Int(r) { rotation = v }
        if let sideData = stream["side_data_list"] as? [[String: Any]] {
            for entry in sideData { if let r = entry["rotation"] as? Int { rotation = -(r % 360) } }  // display matrix is counter-clockwise
        }
        rotation = ((rotation % 360) + 360) % 360
        let swapped = rotation == 90 || rotation == 270
        var count = Int(stream["nb_frames"] as? String ?? "") ?? 0
        if count <= 0 {
            let format = json["format"] as? [String: Any]
            let duration = Double(stream["duration"] as? String ?? "") ?? Double(format?["duration"] as? String ?? "") ?? 0
            count = try countPackets(url, ffprobe: ffprobe) ?? (duration * fps).exactIntegerIfSafe ?? 0
        }
        guard count > 0 else {
            throw ImagingError.videoUnreadable(path: url.path, reason: "ffprobe finds no frames in it")
        }
        return VideoProbe(
            width: swapped ? codedHeight : codedWidth, height: swapped ? codedWidth : codedHeight,
            frameCount: count, fps: fps, rotation: rotation, codec: stream["codec_name"] as? String ?? "unknown")
    }

    /// Counts video packets by demuxing without decoding: exact for containers that do not
    /// record a frame count (mkv, webm), and seconds even for long files.
    private static func countPackets(_ url: URL, ffprobe: URL) throws -> Int? {
        let result = try ExternalTool.run(ffprobe, [
            "-v", "error", "-select_streams", "v:0", "-count_packets",
            "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", url.path,
        ])
        guard result.status == 0 else { return nil }
        return Int(String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func rate(_ value: Any?) -> Double? {
        guard let text = value as? String else { return nil }
        let parts = text.split(separator: "/").compactMap { Double($0) }
        guard parts.count == 2, parts[1] != 0, parts[0] > 0 else { return nil }
        let fps = parts[0] / parts[1]
        // A rate no video has (a damaged header) counts as unknown.
        return fps.isFinite && fps > 0 && fps <= 10_000 ? fps : nil
    }
}
