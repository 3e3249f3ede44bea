import Foundation

/// The frames of a folder of images, in natural file-name order (`2.jpg` before `10.jpg`).
///
/// Frames are the files ending in .jpg, .jpeg, .png, .ppm, .pgm or .pnm (any case); other
/// files, sub-folders and hidden files are ignored. Opening reads every frame's header
/// (not its pixels) and refuses a folder whose frames differ in size. A frame whose header
/// cannot be read does not stop the folder from opening: it is listed in
/// `unreadableFrames` and reading it throws, while the other frames stay usable.
public struct FolderSource: FrameSource {
    /// File extensions (lowercased) taken as frames.
    public static let frameExtensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "pgm", "pnm"]

    public let folder: URL
    public let width: Int
    public let height: Int
    /// Frames per second; folders carry no timing, so it is 25 unless set.
    public var fps: Double
    /// Header errors found at opening, by frame index (each a `.badFrame` naming the file).
    public let unreadableFrames: [Int: ImagingError]
    private let urls: [URL]

    public var frameCount: Int { urls.count }

    /// Lists and probes the frames of `folder`.
    public init(folder: URL, fps: Double = 25) throws {
        try self.init(folder: folder, fileNames: nil, fps: fps)
    }

    /// Probes the frames of `folder` named `fileNames`, in that order, as recorded when a project
    /// was made: frame i stays the file it was even when others are removed or added. A named
    /// file that is gone is listed in `unreadableFrames` as `.missingFrame`. Without names, the
    /// folder is listed.
    public init(folder: URL, fileNames: [String]?, fps: Double = 25) throws {
        let path = folder.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let problem = FileBytes.problem(path: path)
            throw ImagingError.unreadableFolder(path: path, reason: problem == nil || problem == "no such file or folder" ? "no such folder" : problem!)
        }
        guard isDirectory.boolValue else { throw ImagingError.unreadableFolder(path: path, reason: "not a folder") }
        let frameNames: [String]
        if let fileNames {
            frameNames = fileNames
        } else {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw ImagingError.unreadableFolder(path: path, reason: "it cannot be listed (permission denied?)")
            }
            frameNames = NaturalOrder.sorted(names.filter(FolderSource.isFrameName))
        }
        let urls = frameNames.map { folder.appendingPathComponent($0, isDirectory: false) }
        guard !urls.isEmpty else { throw ImagingError.noFrames(folder: path) }

        var size: (width: Int, height: Int, index: Int)?
        var unreadable: [Int: ImagingError] = [:]
        for (index, url) in urls.enumerated() {
            let info: ImageInfo
            do {
                info = try FolderSource.probe(url)
            } catch {
                unreadable[index] = .badFrame(number: index + 1, error: error as? ImagingError
                    ?? .unreadableFile(path: url.path, reason: "\(error)"))
                continue
            }
            guard let reference = size else {
                size = (info.width, info.height, index)
                continue
            }
            if info.width != reference.width || info.height != reference.height {
                let mismatch = ImagingError.badFrame(number: index + 1, error: .sizeMismatch(
                    path: url.path, width: info.width, height: info.height,
                    expectedWidth: reference.width, expectedHeight: reference.height,
                    reference: "frame \(reference.index + 1) (\(urls[reference.index].path))"))
                // A project's frames are fixed: one that changed size is unreadable, not a reason to refuse the rest.
                if fileNames != nil { unreadable[index] = mismatch; continue }
                throw mismatch
            }
        }
        guard let size else {
            // Not one frame could be read: report the first.
            throw unreadable[0]!
        }
        self.folder = folder
        self.urls = urls
        self.width = size.width
        self.height = size.height
        self.fps = fps
        self.unreadableFrames = unreadable
    }

    /// Whether a file name is taken as a frame: a known image extension, not hidden.
    public static func isFrameName(_ name: String) -> Bool {
        !name.hasPrefix(".") && frameExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// The header of one frame file, after checking that a JPEG is complete. A JPEG whose last
    /// bytes hold no end-of-image marker is decoded (at 1/8 size, which is quick) to tell a
    /// truncated file from one with harmless bytes after its end; a truncated one throws.
    /// A file the header read took whole is not read again.
    static func probe(_ url: URL) throws -> ImageInfo {
        let path = url.path
        if let problem = FileBytes.problem(path: path), problem == "no such file or folder" {
            throw ImagingError.missingFrame(path: path, sourceFrameCount: 0)
        }
        let header = try ImageCodec.header(ofFile: path)
        guard header.info.format == .jpeg else { return header.info }
        let tail = header.isWholeFile ? Array(header.bytes.suffix(256)) : try FileBytes.tail(path: path, count: 256)
        if zip(tail, tail.dropFirst()).contains(where: { $0 == 0xFF && $1 == 0xD9 }) { return header.info }
        if header.isWholeFile {
            _ = try header.bytes.withUnsafeBytes { try ImageCodec.decode($0, scale: 8, name: path) }
        } else {
            _ = try ImageCodec.decode(contentsOf: url, scale: 8)
        }
        return header.info
    }

    /// The frames' file names, in frame order.
    public var fileNames: [String] { urls.map(\.lastPathComponent) }

    /// The file of the frame at `index` (0-based).
    public func url(at index: Int) -> URL { urls[index] }

    /// The file name of the frame at `index` (0-based), without the folder.
    public func fileName(at index: Int) -> String { urls[index].lastPathComponent }

    /// Decodes the frame at `index`; errors are `.badFrame` with the 1-based number and the file.
    public func frame(at index: Int, scale: Int) throws -> RGBImage {
        guard index >= 0 && index < urls.count else {
            throw ImagingError.frameOutOfRange(index: index, frameCount: urls.count)
        }
        try ImageCodec.checkScale(scale)
        if let error = unreadableFrames[index] { throw error }
        let url = urls[index]
        let image: RGBImage
        do {
            image = try ImageCodec.decode(contentsOf: url, scale: scale)
        } catch {
            throw ImagingError.badFrame(number: index + 1, error: error as? ImagingError
                ?? .unreadableFile(path: url.path, reason: "\(error)"))
        }
        let expected = frameSize(atScale: scale)
        guard image.width == expected.width && image.height == expected.height else {
            // The file changed since the folder was opened.
            throw ImagingError.badFrame(number: index + 1, error: .sizeMismatch(
                path: url.path, width: image.width, height: image.height,
                expectedWidth: expected.width, expectedHeight: expected.height,
                reference: scale == 1 ? "the folder's frame size" : "the folder's frame size at scale \(scale)"))
        }
        return image
    }
}
