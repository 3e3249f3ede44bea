import Foundation

/// Writes the image of a frame (0-based index) to a file; supplied by the caller, who owns the codecs.
/// It may decode the frame from a video, copy or hard-link a source file, or encode one.
public typealias ImageWriter = (_ frameIndex: Int, _ destination: URL) throws -> Void

/// Reports progress of an export: `done` of `total` exported frames.
public typealias ExportProgress = (_ done: Int, _ total: Int) -> Void

/// What an export wrote.
public struct ExportSummary: Sendable, Equatable {
    /// The file (MOT) or folder written.
    public var output: URL
    /// Frames carrying at least one box; each is one image when images are written.
    public var frameCount: Int
    public var boxCount: Int
    /// Exported frames per split, in the order the splits were named; empty without splits.
    public var framesPerSplit: [String: Int]
}

/// Writes datasets in the formats of other tools.
public enum DatasetExporter {
    /// Exports `dataset` to `output`: a folder for COCO, YOLO, VOC and CVAT, a text file for MOT.
    ///
    /// The export is written under a temporary sibling name and renamed into place at the end; on
    /// any error the temporary output is removed and the target is left as it was. Without
    /// `writeImage` only the annotations are written.
    public static func export(
        _ dataset: Dataset, format: DatasetFormat, to output: URL, options: ExportOptions = ExportOptions(),
        writeImage: ImageWriter? = nil, progress: ExportProgress? = nil
    ) throws -> ExportSummary {
        guard format.canExport else { throw ExchangeError.invalidOptions("\(format.rawValue) can be imported but not exported") }
        if options.split != nil && (format == .mot || format == .cvatVideo) {
            throw ExchangeError.invalidOptions("\(format.rawValue) keeps the video whole; --split applies to coco, yolo and voc")
        }
        guard ["jpg", "jpeg", "png"].contains(options.imageExtension.lowercased()) else {
            throw ExchangeError.invalidOptions("image format '\(options.imageExtension)' is not jpg or png")
        }
        let plan = try ExportPlan(dataset: dataset, options: options)
        let safe = try SafeOutput(target: output, isDirectory: format != .mot, force: options.force,
                                  protecting: options.protectedPaths)
        do {
            switch format {
            case .coco: try COCOWriter.write(plan, into: safe.staging, writeImage: writeImage, progress: progress)
            case .yolo: try YOLOWriter.write(plan, into: safe.staging, finalRoot: safe.target, writeImage: writeImage, progress: progress)
            case .voc: try VOCWriter.write(plan, into: safe.staging, finalRoot: safe.target, writeImage: writeImage, progress: progress)
            case .mot: try writeFile(MOTWriter.text(plan), to: safe.staging)
            case .cvatVideo: try CVATWriter.write(plan, into: safe.staging, writeImage: writeImage, progress: progress)
            case .otb: break
            }
            try safe.commit()
        } catch {
            safe.discard()
            throw error
        }
        if writeImage == nil { progress?(plan.frames.count, plan.frames.count) }
        var perSplit: [String: Int] = [:]
        for (index, name) in plan.splitNames.enumerated() {
            perSplit[name] = plan.frames.reduce(0) { $0 + ($1.split == index ? 1 : 0) }
        }
        return ExportSummary(output: safe.target, frameCount: plan.frames.count, boxCount: plan.boxCount,
                             framesPerSplit: perSplit)
    }
}

/// Writes the images of `plan`'s frames through the caller's writer into `folder(frame)`.
func writeImages(_ plan: ExportPlan, folder: (ExportPlan.Frame) -> URL, writeImage: ImageWriter?,
                 progress: ExportProgress?) throws {
    guard let writeImage else { return }
    var made = Set<String>()
    for (position, frame) in plan.frames.enumerated() {
        let directory = folder(frame)
        if made.insert(directory.path).inserted { try makeDirectory(directory) }
        let destination = directory.appendingPathComponent(plan.imageName(frame))
        do {
            try writeImage(frame.index, destination)
        } catch let error as ExchangeError {
            throw error
        } catch {
            throw ExchangeError.imageFailed(frame: frame.index, path: destination.path, reason: describe(error))
        }
        progress?(position + 1, plan.frames.count)
    }
}
