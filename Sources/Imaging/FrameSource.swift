/// A sequence of equally sized frames that can be read in any order: a folder of
/// images (`FolderSource`) or a video. Frames are numbered from 0 here; people see
/// them numbered from 1 (errors say "frame 12" for index 11).
///
/// Implementations are safe to share between threads (values, or classes whose mutable state,
/// such as a decoder or a cache, is behind a lock);
/// reading a frame must not depend on which frame was read before (a video source may
/// still be faster reading forwards).
public protocol FrameSource: Sendable {
    /// Number of frames; indexes run over `0..<frameCount`.
    var frameCount: Int { get }
    /// Full-size frame width in pixels; every frame has it.
    var width: Int { get }
    /// Full-size frame height in pixels; every frame has it.
    var height: Int { get }
    /// Frames per second, for showing times and exporting video tracks.
    var fps: Double { get }

    /// The full-size frame at `index`.
    func frame(at index: Int) throws -> RGBImage

    /// The frame at `index` reduced by `scale` (1, 2, 4 or 8) to
    /// `ceil(width / scale)` x `ceil(height / scale)`, cheaply where the source allows
    /// (libjpeg's scaled decode for JPEG frames).
    func frame(at index: Int, scale: Int) throws -> RGBImage

    /// Whether reading frames in order is much cheaper than jumping (a video: going back
    /// means a seek and decoding from the keyframe before). Readers may plan around it.
    var readsForwardCheapest: Bool { get }

    /// A hint that full-size frames `indices` will be read soon, in that order; a caching
    /// source keeps them longest, the last one given longest of all. Others ignore it.
    func willRead(_ indices: [Int])

    /// Waits for a read in progress on another thread that will hand `index` (at `scale`) to
    /// whoever collects the frames it passes, or leave a reader just before it; true if there was
    /// one. Sources without such reads answer false at once.
    func waitForRead(reaching index: Int, scale: Int) -> Bool
    /// The frame, or nil when a read in progress on another thread will reach it: then wait for
    /// that read (`waitForRead`), look where its frames go, and ask again. Sources without such
    /// reads just read the frame.
    func frameUnlessReading(at index: Int, scale: Int) throws -> RGBImage?
    /// Hands each frame decoded on the way to one asked for, as (index, scale, image), to `sink`
    /// (a frame cache). Sources that decode nothing on the way ignore it.
    func collectDecodedFrames(_ sink: @escaping @Sendable (Int, Int, RGBImage) -> Void)
}

extension FrameSource {
    public func frame(at index: Int) throws -> RGBImage {
        try frame(at: index, scale: 1)
    }

    public var readsForwardCheapest: Bool { false }

    public func willRead(_ indices: [Int]) {}

    public func waitForRead(reaching index: Int, scale: Int) -> Bool { false }

    public func frameUnlessReading(at index: Int, scale: Int) throws -> RGBImage? { try frame(at: index, scale: scale) }

    public func collectDecodedFrames(_ sink: @escaping @Sendable (Int, Int, RGBImage) -> Void) {}

    /// The frame size at `scale`: each side divided by `scale`, rounded up.
    public func frameSize(atScale scale: Int) -> (width: Int, height: Int) {
        ((width + scale - 1) / scale, (height + scale - 1) / scale)
    }
}
