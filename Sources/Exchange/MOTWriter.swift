import Foundation

/// MOT lines `frame,id,x,y,w,h,conf,class,visibility`: 1-based frames, id -1 when unknown,
/// conf 1 for seeds and accepted boxes, class the 1-based label index, visibility 1.
/// A text file holds every box, pending proposals with their confidence as conf. A folder is a MOT
/// sequence as datumaro and the MOT challenge lay it out: `gt/gt.txt` (confirmed boxes),
/// `gt/labels.txt` (the class names, line k for class k), `img1/NNNNNN.jpg`, and with pending
/// proposals `det/det.txt`, MOT's file for detections with a confidence.
/// Coordinates and confidences are written exactly (shortest round-trip form), so that scoring
/// this file gives the same numbers as scoring the boxes it came from.
enum MOTWriter {
    static func writeSequence(_ plan: ExportPlan, into root: URL, writeImage: VideoImageWriter?, progress: ExportProgress?) throws {
        try writeImages(plan, folder: { _ in root.appendingPathComponent("img1") }, writeImage: writeImage, progress: progress)
        let gt = root.appendingPathComponent("gt")
        try makeDirectory(gt)
        try writeFile(text(plan, pending: false), to: gt.appendingPathComponent("gt.txt"))
        var labels = TextBuffer()
        for label in plan.labels {
            labels.append(label.replacingOccurrences(of: "\n", with: " "))
            labels.append("\n")
        }
        try writeFile(labels, to: gt.appendingPathComponent("labels.txt"))
        if plan.includePending {
            let det = root.appendingPathComponent("det")
            try makeDirectory(det)
            try writeFile(text(plan, pending: true), to: det.appendingPathComponent("det.txt"))
        }
    }

    /// The lines of every box (`pending` nil), of the pending proposals only (true) or of the confirmed boxes only (false).
    static func text(_ plan: ExportPlan, pending: Bool? = nil) -> TextBuffer {
        var out = TextBuffer(capacity: plan.frames.count * 80)
        for frame in plan.frames {
            for box in frame.boxes where pending == nil || box.isPending == pending {
                out.append(frame.index + 1)
                out.append(",")
                if let track = box.trackID { out.append(track) } else { out.append("-1") }
                out.append(",")
                out.appendExact(box.rect.x)
                out.append(",")
                out.appendExact(box.rect.y)
                out.append(",")
                out.appendExact(box.rect.width)
                out.append(",")
                out.appendExact(box.rect.height)
                out.append(",")
                out.appendExact(box.confidence)
                out.append(",")
                out.append(box.classIndex + 1)
                out.append(",1\n")
            }
        }
        return out
    }
}
