import Geometry
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the importer knows about the project it imports into.
public struct ImportOptions: Sendable {
    /// The project's frame count; boxes on later frames are errors (frame-numbered formats) or unmatched (images).
    public var frameCount: Int?
    /// The project's frame size: YOLO's normalised coordinates need it, and boxes are scaled to it
    /// when a file's images have another size.
    public var width: Int?
    public var height: Int?
    /// Per-frame details: the source's own frame file names, used to match images that are not
    /// named by our six-digit frame numbers, and per-frame sizes.
    public var frames: [DatasetFrame]
    /// The project's labels: MOT class ids and YOLO files without class names refer to them, 1-based and 0-based.
    public var labels: [String]
    /// The label of boxes in formats without classes (OTB; MOT class -1 or absent).
    public var defaultLabel: String
    /// `defaultLabel` when the caller names none; the same name as the store's `Label.defaultName`
    /// (a test holds them equal: Exchange does not depend on the store).
    public static let unnamedLabel = "object"
    /// The project's name as a multi-project export prefixes its images (`NAME_000042.jpg`); nil for none.
    public var videoName: String?

    public init(frameCount: Int? = nil, width: Int? = nil, height: Int? = nil, frames: [DatasetFrame] = [],
                labels: [String] = [], defaultLabel: String = ImportOptions.unnamedLabel, videoName: String? = nil) {
        self.videoName = videoName
        self.frameCount = frameCount
        self.width = width
        self.height = height
        self.frames = frames
        self.labels = labels
        self.defaultLabel = defaultLabel
    }

    /// Options describing `dataset`'s video and labels.
    public init(project dataset: Dataset, defaultLabel: String = ImportOptions.unnamedLabel) {
        self.init(frameCount: dataset.frameCount, width: dataset.width, height: dataset.height,
                  frames: dataset.frames, labels: dataset.labels, defaultLabel: defaultLabel,
                  videoName: ExportPlan.videoNames([dataset.name])[0])
    }
}

/// What an import found.
public struct ImportResult: Sendable, Equatable {
    /// The classes the file names or needs, in the file's order: add those the project lacks.
    public var labels: [String]
    /// Boxes in file order, clipped to the image, in the project's pixels. Boxes with a score are
    /// `.proposal`s with that confidence, the others `.accepted` with confidence 1.
    public var boxes: [DatasetBox]
    /// Image names that matched no frame; their boxes are left out.
    public var unmatchedImages: [String]
    /// Things worth telling the user, such as boxes scaled from another image size.
    public var notes: [String]
    /// Things that may be wrong, such as a COCO file without annotations.
    public var warnings: [String] = []
}

/// Reads datasets written by microlabel or other tools.
public enum DatasetImporter {
    /// Reads `url` — the annotation file itself or the exported folder — in `format`.
    public static func read(_ format: DatasetFormat, from url: URL, options: ImportOptions = ImportOptions()) throws -> ImportResult {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ExchangeError.unreadable(path: url.path, reason: "no such file or folder")
        }
        var context = ImportContext(options: options)
        switch format {
        case .coco: try COCOReader.read(url, into: &context)
        case .yolo: try YOLOReader.read(url, into: &context)
        case .voc: try VOCReader.read(url, into: &context)
        case .mot: try MOTReader.read(url, into: &context)
        case .cvatVideo: try CVATReader.read(url, into: &context)
        case .otb: try OTBReader.read(url, into: &context)
        }
        let result = context.result
        if result.boxes.isEmpty && !result.unmatchedImages.isEmpty {
            let shown = result.unmatchedImages.prefix(3).joined(separator: ", ")
            throw ExchangeError.nothingToImport(
                path: url.path,
                reason: "no image name matches a frame of the project (\(result.unmatchedImages.count) images, e.g. \(shown)); "
                    + "images are matched as 000042 (frame 42), frame_000041 (CVAT's 0-based numbers), "
                    + (options.videoName.map { "\($0)_000042, " } ?? "") + "or the source's own file names")
        }
        return result
    }
}

/// Shared state of one import: frame matching, box checks, the labels and boxes found so far.
struct ImportContext {
    let options: ImportOptions
    private var labelSet = Set<String>()
    private(set) var result = ImportResult(labels: [], boxes: [], unmatchedImages: [], notes: [])
    private var scaledImages = 0
    private var scaledFrom: (Int, Int)?
    private let sizes: [Int: (Int, Int)]
    private let byName: [String: Int]
    private let byStem: [String: Int]

    init(options: ImportOptions) {
        self.options = options
        var sizes: [Int: (Int, Int)] = [:]
        var byName: [String: Int] = [:]
        var stems: [String: Int] = [:]
        var ambiguous = Set<String>()
        for frame in options.frames {
            sizes[frame.index] = (frame.width, frame.height)
            guard let name = frame.fileName else { continue }
            let base = baseName(name)
            byName[base] = frame.index
            let stem = stemOf(base)
            if stems[stem] != nil { ambiguous.insert(stem) } else { stems[stem] = frame.index }
        }
        for stem in ambiguous { stems[stem] = nil }
        self.sizes = sizes
        self.byName = byName
        self.byStem = stems
    }

    /// The frame an image belongs to: a six-digit 1-based frame number (`000042.jpg` is frame 41),
    /// CVAT's `frame_000041` (0-based), the project's name and a frame number (`NAME_000042`, from a
    /// multi-project export), else the source's own frame file name, else its name without extension.
    /// Nil when unmatched.
    func frame(forImage name: String) -> Int? {
        let base = baseName(name)
        let stem = stemOf(base)
        func digits(_ text: Substring) -> Int? {
            guard text.utf8.count >= 6, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int(text)
        }
        var frame: Int?
        if let number = digits(stem[...]), stem.utf8.count == 6, number >= 1 {
            frame = number - 1
        } else if let own = byName[base] {
            frame = own
        } else if !stem.isEmpty, stem.utf8.count < 10, stem.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(stem), number >= 1 {
            frame = number - 1  // MOT's frame numbers, as datumaro names the items it read from MOT
        } else if stem.hasPrefix("frame_"), let number = digits(stem.dropFirst(6)) {
            frame = number
        } else if let video = options.videoName, stem.hasPrefix(video + "_"),
                  let number = digits(stem.dropFirst(video.count + 1)), number >= 1 {
            frame = number - 1
        } else {
            frame = byStem[stem]
        }
        if let found = frame, let count = options.frameCount, found >= count { return nil }
        return frame
    }

    /// The project's size of a frame, if known.
    func projectSize(ofFrame frame: Int) -> (width: Int, height: Int)? {
        if let size = sizes[frame] { return size }
        if let width = options.width, let height = options.height { return (width, height) }
        return nil
    }

    mutating func noteUnmatched(_ name: String) {
        result.unmatchedImages.append(name)
    }

    mutating func warn(_ text: String) {
        result.warnings.append(text)
    }

    mutating func note(_ text: String) {
        result.notes.append(text)
    }

    /// Declares a class the file names.
    mutating func declare(_ label: String) {
        if labelSet.insert(label).inserted { result.labels.append(label) }
    }

    /// Checks a frame number from a frame-numbered format (1-based as in the file).
    func checkFrame(_ oneBased: Int, path: String, location: String) throws -> Int {
        let count = options.frameCount
        if oneBased < 1 || (count != nil && oneBased > count!) {
            throw ExchangeError.frameOutOfRange(path: path, location: location, frame: oneBased, frameCount: count ?? 0)
        }
        return oneBased - 1
    }

    /// Checks a box against its image (size from the file when it has one, else the project's) with
    /// half a pixel of slack, clips it, scales it to the project's frame size, and adds it.
    mutating func add(frame: Int, trackID: Int64?, label: String, rect: BoxRect, score: Double?,
                      imageSize fileSize: (width: Int, height: Int)?, path: String, location: String) throws {
        guard [rect.x, rect.y, rect.width, rect.height].allSatisfy(\.isFinite) else {
            throw ExchangeError.malformed(path: path, location: location, reason: "box coordinates are not finite numbers")
        }
        guard rect.width > 0, rect.height > 0 else {
            throw ExchangeError.malformed(path: path, location: location,
                                          reason: "box has no area (width \(rect.width), height \(rect.height))")
        }
        let project = projectSize(ofFrame: frame)
        var box = rect
        if let size = fileSize ?? project {
            let slack = 0.5
            guard rect.x >= -slack, rect.y >= -slack, rect.maxX <= Double(size.width) + slack,
                  rect.maxY <= Double(size.height) + slack else {
                throw ExchangeError.boxOutsideImage(path: path, location: location, box: rect, width: size.width, height: size.height)
            }
            guard let clipped = rect.clipped(toWidth: size.width, height: size.height) else {
                throw ExchangeError.boxOutsideImage(path: path, location: location, box: rect, width: size.width, height: size.height)
            }
            box = clipped
            if let fileSize, let project, fileSize != project, fileSize.width > 0, fileSize.height > 0 {
                let sx = Double(project.width) / Double(fileSize.width)
                let sy = Double(project.height) / Double(fileSize.height)
                box = BoxRect(x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy)
                scaledImages += 1
                if scaledFrom == nil {
                    scaledFrom = fileSize
                    result.notes.append("boxes on \(fileSize.width)x\(fileSize.height) images were scaled to the project's "
                                        + "\(project.width)x\(project.height) frames")
                }
            }
        }
        declare(label)
        result.boxes.append(DatasetBox(frame: frame, trackID: trackID, label: label, rect: box,
                                       kind: score == nil ? .accepted : .proposal, confidence: score ?? 1))
    }
}

func baseName(_ path: String) -> String {
    let separators: Set<Character> = ["/", "\\"]
    if let index = path.lastIndex(where: { separators.contains($0) }) { return String(path[path.index(after: index)...]) }
    return path
}

func stemOf(_ name: String) -> String {
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
    return String(name[..<dot])
}

/// Reads a file's bytes, reporting failures as `ExchangeError.unreadable`.
/// Plain open/read/close, for the same reason as `writeFile`: one file per frame must be cheap.
func readData(_ url: URL) throws -> Data {
    let path = url.path
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw ExchangeError.unreadable(path: path, reason: String(cString: strerror(errno))) }
    defer { close(descriptor) }
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw ExchangeError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if count == 0 { return data }
        data.append(chunk, count: count)
    }
}

func isDirectory(_ url: URL) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
}

/// The files directly in `folder` (or below it when `recursive`) whose names end in `.ext`, sorted by path.
func files(in folder: URL, extension ext: String, recursive: Bool = false) -> [URL] {
    let fileManager = FileManager.default
    var found: [URL] = []
    if recursive {
        guard let enumerator = fileManager.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        for case let url as URL in enumerator where url.pathExtension.lowercased() == ext { found.append(url) }
    } else {
        let names = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
        found = names.filter { ($0 as NSString).pathExtension.lowercased() == ext && !$0.hasPrefix(".") }
            .map { folder.appendingPathComponent($0) }
    }
    return found.filter { !isDirectory($0) }.sorted { $0.path < $1.path }
}
