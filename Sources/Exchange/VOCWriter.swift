import Geometry
import Foundation

/// Pascal VOC as LabelImg writes it: `Annotations/NNNNNN.xml` for `JPEGImages/NNNNNN.<ext>`, integer
/// pixel corners (0-based edges, rounded), `truncated` set when the box touches the image border,
/// `ImageSets/Main/<subset>.txt` listing each split's images (the subset `default` without a split),
/// and datumaro's `labelmap.txt` declaring the classes, so that readers find the dataset and its labels.
enum VOCWriter {
    static func write(_ plan: ExportPlan, into root: URL, finalRoot: URL, writeImage: VideoImageWriter?,
                      progress: ExportProgress?) throws {
        let images = root.appendingPathComponent("JPEGImages")
        let annotations = root.appendingPathComponent("Annotations")
        try writeImages(plan, folder: { _ in images }, writeImage: writeImage, progress: progress)
        try makeDirectory(annotations)
        let finalImages = finalRoot.appendingPathComponent("JPEGImages")
        for frame in plan.frames {
            let xml = document(plan, frame: frame, imagePath: finalImages.appendingPathComponent(plan.imageName(frame)).path)
            try writeFile(xml, to: annotations.appendingPathComponent(frame.stem + ".xml"))
        }
        let sets = root.appendingPathComponent("ImageSets").appendingPathComponent("Main")
        try makeDirectory(sets)
        let subsets = plan.splitNames.isEmpty ? [COCOWriter.defaultSubset] : plan.splitNames
        for (index, name) in subsets.enumerated() {
            var list = TextBuffer()
            for frame in plan.splitNames.isEmpty ? plan.frames : plan.frames(inSplit: index) {
                list.append(frame.stem)
                list.append("\n")
            }
            try writeFile(list, to: sets.appendingPathComponent(name + ".txt"))
        }
        try writeFile(labelMap(plan), to: root.appendingPathComponent("labelmap.txt"))
    }

    /// datumaro's label map: a `name:color:parts:actions` line per class, colour, parts and actions left empty.
    static func labelMap(_ plan: ExportPlan) -> TextBuffer {
        var out = TextBuffer()
        out.append("# label:color_rgb:parts:actions\n")
        for label in plan.labels {
            out.append(label)
            out.append(":::\n")
        }
        return out
    }

    /// The integer corners VOC stores for a box: rounded, inside the image, at least one pixel wide.
    static func corners(_ rect: BoxRect, width: Int, height: Int) -> (xmin: Int, ymin: Int, xmax: Int, ymax: Int) {
        func span(_ low: Double, _ high: Double, _ limit: Int) -> (Int, Int) {
            var a = min(max(Int(low.rounded()), 0), limit)
            var b = min(max(Int(high.rounded()), 0), limit)
            if b <= a {
                if b < limit { b = a + 1 } else { a = b - 1 }
            }
            return (a, b)
        }
        let (xmin, xmax) = span(rect.x, rect.maxX, width)
        let (ymin, ymax) = span(rect.y, rect.maxY, height)
        return (xmin, ymin, xmax, ymax)
    }

    static func document(_ plan: ExportPlan, frame: ExportPlan.Frame, imagePath: String) -> TextBuffer {
        var out = TextBuffer(capacity: 512 + 256 * frame.boxes.count)
        out.append("<annotation>\n\t<folder>JPEGImages</folder>\n\t<filename>")
        out.appendXMLEscaped(plan.imageName(frame))
        out.append("</filename>\n\t<path>")
        out.appendXMLEscaped(imagePath)
        out.append("</path>\n\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n\t<size>\n\t\t<width>")
        out.append(frame.width)
        out.append("</width>\n\t\t<height>")
        out.append(frame.height)
        out.append("</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n")
        for box in frame.boxes {
            let c = corners(box.rect, width: frame.width, height: frame.height)
            let truncated = c.xmin == 0 || c.ymin == 0 || c.xmax == frame.width || c.ymax == frame.height
            out.append("\t<object>\n\t\t<name>")
            out.appendXMLEscaped(plan.labels[box.classIndex])
            out.append("</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>")
            out.append(truncated ? "1" : "0")
            out.append("</truncated>\n\t\t<difficult>0</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>")
            out.append(c.xmin)
            out.append("</xmin>\n\t\t\t<ymin>")
            out.append(c.ymin)
            out.append("</ymin>\n\t\t\t<xmax>")
            out.append(c.xmax)
            out.append("</xmax>\n\t\t\t<ymax>")
            out.append(c.ymax)
            out.append("</ymax>\n\t\t</bndbox>\n\t</object>\n")
        }
        out.append("</annotation>\n")
        return out
    }
}
