import Foundation

/// MOT lines `frame,id,x,y,w,h,conf,class,visibility`: 1-based frames, id -1 when unknown,
/// conf 1 for seeds and accepted boxes, class the 1-based label index, visibility 1.
/// Coordinates and confidences are written exactly (shortest round-trip form), so that scoring
/// this file gives the same numbers as scoring the boxes it came from.
enum MOTWriter {
    static func text(_ plan: ExportPlan) -> TextBuffer {
        var out = TextBuffer(capacity: plan.frames.count * 80)
        for frame in plan.frames {
            for box in frame.boxes {
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
