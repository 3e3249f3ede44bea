import Foundation

/// The Ultralytics layout: `images/<subset>/` and `labels/<subset>/` (the subset `train` without a
/// split, the one name datumaro and Ultralytics both take for a lone subset),
/// one `class cx cy w h` line per box, normalised to 0...1 with six decimals (a 0.005 px step at
/// 10,000 px), and `data.yaml` naming the classes and the split folders.
///
/// Pending proposals never go into `labels/`, where a trainer would take them for ground truth:
/// with `includePending` they are written the way Ultralytics writes predictions (`save_conf`), as
/// `class cx cy w h conf` lines in `predictions/labels/`, with their images in `predictions/images/`.
/// A frame whose boxes are all pending is not in `images/` at all, so it does not train as background.
enum YOLOWriter {
    static let defaultSubset = "train"

    static func write(_ plan: ExportPlan, into root: URL, finalRoot: URL, writeImage: VideoImageWriter?,
                      progress: ExportProgress?) throws {
        func folder(_ base: URL, _ frame: ExportPlan.Frame) -> URL {
            base.appendingPathComponent(frame.split.map { plan.splitNames[$0] } ?? defaultSubset)
        }
        let confirmed = plan.frames.filter(\.hasConfirmedBoxes)
        let images = root.appendingPathComponent("images")
        let written = try writeImages(plan, frames: confirmed, folder: { folder(images, $0) }, writeImage: writeImage, progress: progress)
        try writeLabels(plan, frames: confirmed, pending: false, into: root.appendingPathComponent("labels"), folder: folder)
        try makeDirectory(images)

        if plan.includePending {
            let predicted = plan.frames.filter(\.hasPendingBoxes)
            let predictions = root.appendingPathComponent("predictions")
            let predictionImages = predictions.appendingPathComponent("images")
            try makeDirectory(predictionImages)
            if let writeImage {
                var made = Set<String>()
                for frame in predicted {
                    let directory = folder(predictionImages, frame)
                    if made.insert(directory.path).inserted { try makeDirectory(directory) }
                    let destination = directory.appendingPathComponent(plan.imageName(frame))
                    if let existing = written[ImageKey(video: frame.video, frame: frame.index)] {
                        try duplicateImage(existing, to: destination, frame: frame.index)
                    } else {
                        _ = try writeImages(plan, frames: [frame], folder: { _ in directory }, writeImage: writeImage, progress: nil)
                    }
                }
            }
            try writeLabels(plan, frames: predicted, pending: true, into: predictions.appendingPathComponent("labels"), folder: folder)
        }
        try writeFile(dataYAML(plan, root: finalRoot), to: root.appendingPathComponent("data.yaml"))
    }

    /// One label file per frame: its confirmed boxes, or (`pending`) its proposals with their confidence.
    private static func writeLabels(_ plan: ExportPlan, frames: [ExportPlan.Frame], pending: Bool, into labels: URL,
                                    folder: (URL, ExportPlan.Frame) -> URL) throws {
        try makeDirectory(labels)
        var madeFolders = Set<String>()
        for frame in frames {
            let directory = folder(labels, frame)
            if madeFolders.insert(directory.path).inserted { try makeDirectory(directory) }
            var line = TextBuffer(capacity: 64 * frame.boxes.count)
            let width = Double(frame.width), height = Double(frame.height)
            for box in frame.boxes where box.isPending == pending {
                line.append(box.classIndex)
                line.append(" ")
                line.append((box.rect.x + box.rect.width / 2) / width, decimals: 6)
                line.append(" ")
                line.append((box.rect.y + box.rect.height / 2) / height, decimals: 6)
                line.append(" ")
                line.append(box.rect.width / width, decimals: 6)
                line.append(" ")
                line.append(box.rect.height / height, decimals: 6)
                if pending {
                    line.append(" ")
                    line.append(box.confidence, decimals: 6)
                }
                line.append("\n")
            }
            try writeFile(line, to: directory.appendingPathComponent(frame.stem + ".txt"))
        }
    }

    static func dataYAML(_ plan: ExportPlan, root: URL) -> TextBuffer {
        var out = TextBuffer()
        out.append("# YOLO dataset exported by microlabel from ")
        out.append(plan.name.replacingOccurrences(of: "\n", with: " "))
        out.append("\n# path is the dataset root; change it if you move the folder.\n")
        if plan.splitNames.isEmpty {
            out.append("# WARNING: exported without --split, so train and val are the same images: validation\n")
            out.append("# scores measure the training images. Export with --split train=0.8,val=0.2 for a real val set.\n")
        }
        if plan.includePending {
            out.append("# predictions/ holds pending proposals (class cx cy w h conf); they are not training labels.\n")
        }
        out.append("path: ")
        out.appendYAMLString(root.path)
        out.append("\n")
        if plan.splitNames.isEmpty {
            out.append("train: images/train\nval: images/train\n")
        } else {
            for name in plan.splitNames {
                out.append(name)
                out.append(": images/")
                out.append(name)
                out.append("\n")
            }
        }
        out.append("nc: ")
        out.append(plan.labels.count)
        out.append("\nnames:\n")
        for (index, label) in plan.labels.enumerated() {
            out.append("  ")
            out.append(index)
            out.append(": ")
            out.appendYAMLString(label)
            out.append("\n")
        }
        return out
    }
}
