import Foundation

/// A project's frames as the project recorded them: its frame count and size, whatever the
/// source on disk holds now. Frames past the end of a source that shrank, and every frame of a
/// source whose frame size changed, throw `.badFrame` instead of being read, so a box is never
/// shown, tracked or exported on a picture it was not drawn on.
public struct RecordedSource: FrameSource {
    public let base: any FrameSource
    public let frameCount: Int
    public let width: Int
    public let height: Int
    public var fps: Double { base.fps }
    public var readsForwardCheapest: Bool { base.readsForwardCheapest }

    public init(_ base: any FrameSource, frameCount: Int, width: Int, height: Int) {
        self.base = base
        self.frameCount = max(0, frameCount)
        self.width = width
        self.height = height
    }

    /// The folder source underneath, if the frames come from a folder.
    public var folder: FolderSource? { base as? FolderSource }

    public func frame(at index: Int, scale: Int) throws -> RGBImage {
        guard index >= 0 && index < frameCount else {
            throw ImagingError.frameOutOfRange(index: index, frameCount: frameCount)
        }
        if let error = problem(at: index) { throw error }
        return try base.frame(at: index, scale: scale)
    }

    public func frameUnlessReading(at index: Int, scale: Int) throws -> RGBImage? {
        guard index >= 0 && index < frameCount else {
            throw ImagingError.frameOutOfRange(index: index, frameCount: frameCount)
        }
        if let error = problem(at: index) { throw error }
        return try base.frameUnlessReading(at: index, scale: scale)
    }

    public func waitForRead(reaching index: Int, scale: Int) -> Bool {
        index >= 0 && index < frameCount && base.waitForRead(reaching: index, scale: scale)
    }

    /// Only frames this source would give: none when the source changed size, and none past
    /// the recorded end.
    public func collectDecodedFrames(_ sink: @escaping @Sendable (Int, Int, RGBImage) -> Void) {
        guard base.width == width && base.height == height else { return }
        let count = frameCount
        base.collectDecodedFrames { index, scale, image in
            if index < count { sink(index, scale, image) }
        }
    }

    public func willRead(_ indices: [Int]) {
        base.willRead(indices.filter { $0 < base.frameCount })
    }

    /// Why frame `index` cannot be read, known without decoding it: gone, or its source changed
    /// size, or (for a folder) its file was unreadable when the folder was opened.
    public func problem(at index: Int) -> ImagingError? {
        if base.width != width || base.height != height {
            return .badFrame(number: index + 1, error: .sizeMismatch(
                path: sourcePath, width: base.width, height: base.height, expectedWidth: width, expectedHeight: height,
                reference: "the project's frame size"))
        }
        if index >= base.frameCount {
            return .badFrame(number: index + 1, error: .missingFrame(path: nil, sourceFrameCount: base.frameCount))
        }
        return folder?.unreadableFrames[index]
    }

    /// The frames that cannot be read, by 0-based index, each with its reason.
    public var problems: [(index: Int, error: ImagingError)] {
        if base.width != width || base.height != height {
            return (0..<frameCount).compactMap { index in problem(at: index).map { (index, $0) } }
        }
        var out = (folder?.unreadableFrames ?? [:]).filter { $0.key < frameCount }.map { (index: $0.key, error: $0.value) }
        if base.frameCount < frameCount {
            out += (base.frameCount..<frameCount).compactMap { index in problem(at: index).map { (index, $0) } }
        }
        return out.sorted { $0.index < $1.index }
    }

    /// How the source differs from what the project recorded, one sentence each; empty when it
    /// is as it was (damaged frames aside, which `problems` lists).
    public var changes: [String] {
        var out: [String] = []
        if base.width != width || base.height != height {
            out.append("its frames are \(base.width)x\(base.height) where the project's are \(width)x\(height)")
        }
        let missing = (folder?.unreadableFrames.values.filter { if case .missingFrame = $0.underlying { return true }; return false }.count ?? 0)
        if missing > 0 { out.append("\(missing) frame file\(missing == 1 ? " is" : "s are") missing") }
        if base.frameCount < frameCount {
            out.append("it has \(base.frameCount) frames where the project has \(frameCount)")
        } else if base.frameCount > frameCount {
            out.append("it has \(base.frameCount) frames where the project has \(frameCount); the extra ones are not in the project")
        }
        return out
    }

    private var sourcePath: String {
        if let folder { return folder.folder.path }
        if let video = base as? VideoSource { return video.url.path }
        return "the source"
    }
}
