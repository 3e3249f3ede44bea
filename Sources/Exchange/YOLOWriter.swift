import Foundation

/// The Ultralytics layout: `images/` and `labels/` (each with one folder per split when split),
/// one `class cx cy w h` line per box, normalised to 0...1 with six decimals (a 0.005 px step at
/// 10,000 px), and `data.yaml` naming the classes and the split folders.
enum YOLOWriter {
    static func write(_ plan: ExportPlan, into root: URL, finalRoot: URL, writeImage: ImageWriter?,
                      progress: ExportProgress?) throws {
        let images = root.appendingPathComponent("images")
        let labels = root.appendingPathComponent("labels")
        func folder(_ base: URL, _ frame: ExportPlan.Frame) -> URL {
            frame.split.map { base.appendingPathComponent(plan.splitNames[$0]) } ?? base
        }
        try writeImages(plan, folder: { folder(images, $0) }, writeImage: writeImage, progress: progress)

        var madeFolders = Set<String>()
        var line = TextBuffer(capacity: 256)
        for frame in plan.frames {
            let directory = folder(labels, frame)
            if madeFolders.insert(directory.path).inserted { try makeDirectory(directory) }
            line = TextBuffer(capacity: 64 * frame.boxes.count)
            let width = Double(frame.width), height = Double(frame.height)
            for box in frame.boxes {
                line.append(box.classIndex)
                line.append(" ")
                line.append((box.rect.x + box.rect.width / 2) / width, decimals: 6)
                line.append(" ")
                line.append((box.rect.y + box.rect.height / 2) / height, decimals: 6)
                line.append(" ")
                line.append(box.rect.width / width, decimals: 6)
                line.append(" ")
                line.append(box.rect.height / height, decimals: 6)
                line.append("\n")
            }
            try writeFile(line, to: directory.appendingPathComponent(exportedStem(frame: frame.index) + ".txt"))
        }
        try writeFile(dataYAML(plan, root: finalRoot), to: root.appendingPathComponent("data.yaml"))
    }

    static func dataYAML(_ plan: ExportPlan, root: URL) -> TextBuffer {
        var out = TextBuffer()
        out.append("# YOLO dataset exported by microlabel from ")
        out.append(plan.name.replacingOccurrences(of: "\n", with: " "))
        out.append("\n# path is the dataset root; change it if you move the folder.\npath: ")
        out.appendYAMLString(root.path)
        out.append("\n")
        if plan.splitNames.isEmpty {
            out.append("train: images\nval: images\n")
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
