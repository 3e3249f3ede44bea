import Geometry
import Foundation

/// CVAT for video 1.1: `annotations.xml` beside `images/frame_000000.png` (0-based frame numbers, the
/// names CVAT gives the frames it exports and datumaro looks for). One track per object (and label),
/// frames counted from 0 over the whole video. Every box we have is a keyframe. A track is closed the
/// way CVAT closes one: an `outside` keyframe on the frame after a visible stretch when a gap
/// follows, and after its last box unless that is the video's last frame. datumaro keeps those
/// closing keyframes as boxes with the attribute `outside` true; they are not objects.
/// `occluded` is 0: microlabel does not record occlusion. With pending proposals included, each
/// label declares a mutable `score` attribute that pending boxes carry.
enum CVATWriter {
    static let scoreAttribute = "score"

    static func write(_ plan: ExportPlan, into root: URL, writeImage: VideoImageWriter?, progress: ExportProgress?) throws {
        var named = plan
        for index in named.frames.indices { named.frames[index].stem = imageStem(frame: named.frames[index].index) }
        let images = root.appendingPathComponent("images")
        try writeImages(named, folder: { _ in images }, writeImage: writeImage, progress: progress)
        try writeFile(document(plan), to: root.appendingPathComponent("annotations.xml"))
    }

    /// CVAT's name for a frame's image: `frame_000041` for 0-based frame 41.
    static func imageStem(frame: Int) -> String {
        let number = String(frame)
        return "frame_" + (number.count >= 6 ? number : String(repeating: "0", count: 6 - number.count) + number)
    }

    struct Track {
        var id: Int64
        var classIndex: Int
        var boxes: [(frame: Int, box: ExportPlan.Box)]
    }

    /// Groups boxes into tracks: by object id and label; boxes without an object id get a track each.
    static func tracks(_ plan: ExportPlan) -> [Track] {
        struct Key: Hashable { var track: Int64; var classIndex: Int }
        var byKey: [Key: Int] = [:]
        var tracks: [Track] = []
        var loose: [Track] = []
        for frame in plan.frames {
            for box in frame.boxes {
                guard let id = box.trackID else {
                    loose.append(Track(id: 0, classIndex: box.classIndex, boxes: [(frame.index, box)]))
                    continue
                }
                let key = Key(track: id, classIndex: box.classIndex)
                if let position = byKey[key] {
                    tracks[position].boxes.append((frame.index, box))
                } else {
                    byKey[key] = tracks.count
                    tracks.append(Track(id: id, classIndex: box.classIndex, boxes: [(frame.index, box)]))
                }
            }
        }
        tracks.sort { ($0.id, $0.classIndex) < ($1.id, $1.classIndex) }
        // An object seen with two labels becomes two tracks; later ones and loose boxes get fresh ids.
        var used = Set<Int64>()
        var next = (tracks.map(\.id).max() ?? -1) + 1
        for index in tracks.indices where !used.insert(tracks[index].id).inserted {
            tracks[index].id = next
            next += 1
        }
        for var track in loose {
            track.id = next
            next += 1
            tracks.append(track)
        }
        return tracks
    }

    static func document(_ plan: ExportPlan) -> TextBuffer {
        var out = TextBuffer(capacity: 2048 + plan.frames.count * 200)
        out.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n")
        out.append("      <id>0</id>\n      <name>")
        out.appendXMLEscaped(plan.name)
        out.append("</name>\n      <size>")
        out.append(plan.frameCount)
        out.append("</size>\n      <mode>interpolation</mode>\n      <overlap>0</overlap>\n      <bugtracker></bugtracker>\n")
        out.append("      <flipped>False</flipped>\n      <start_frame>0</start_frame>\n      <stop_frame>")
        out.append(max(plan.frameCount - 1, 0))
        out.append("</stop_frame>\n      <frame_filter></frame_filter>\n      <labels>\n")
        for label in plan.labels {
            out.append("        <label>\n          <name>")
            out.appendXMLEscaped(label)
            out.append("</name>\n          <type>rectangle</type>\n          <attributes>\n")
            if plan.includePending {
                out.append("            <attribute>\n              <name>")
                out.append(scoreAttribute)
                out.append("</name>\n              <mutable>True</mutable>\n              <input_type>number</input_type>\n")
                out.append("              <default_value>1</default_value>\n              <values>0\n1\n0.0001</values>\n")
                out.append("            </attribute>\n")
            }
            out.append("          </attributes>\n        </label>\n")
        }
        out.append("      </labels>\n      <original_size>\n        <width>")
        out.append(plan.width)
        out.append("</width>\n        <height>")
        out.append(plan.height)
        out.append("</height>\n      </original_size>\n    </task>\n  </meta>\n")

        for track in tracks(plan) {
            let allPending = track.boxes.allSatisfy { $0.box.isPending }
            let anyPending = track.boxes.contains { $0.box.isPending }
            out.append("  <track id=\"")
            out.append(track.id)
            out.append("\" label=\"")
            out.appendXMLEscaped(plan.labels[track.classIndex])
            out.append(allPending ? "\" source=\"auto\">\n" : anyPending ? "\" source=\"semi-auto\">\n" : "\" source=\"manual\">\n")
            for (position, entry) in track.boxes.enumerated() {
                appendBox(&out, frame: entry.frame, rect: entry.box.rect, outside: false,
                          score: entry.box.isPending ? entry.box.confidence : nil)
                let nextFrame = position + 1 < track.boxes.count ? track.boxes[position + 1].frame : plan.frameCount
                if nextFrame > entry.frame + 1 {
                    appendBox(&out, frame: entry.frame + 1, rect: entry.box.rect, outside: true, score: nil)
                }
            }
            out.append("  </track>\n")
        }
        out.append("</annotations>\n")
        return out
    }

    private static func appendBox(_ out: inout TextBuffer, frame: Int, rect: BoxRect, outside: Bool, score: Double?) {
        out.append("    <box frame=\"")
        out.append(frame)
        out.append(outside ? "\" keyframe=\"1\" outside=\"1\" occluded=\"0\" xtl=\"" : "\" keyframe=\"1\" outside=\"0\" occluded=\"0\" xtl=\"")
        out.append(rect.x, decimals: 2)
        out.append("\" ytl=\"")
        out.append(rect.y, decimals: 2)
        out.append("\" xbr=\"")
        out.append(rect.maxX, decimals: 2)
        out.append("\" ybr=\"")
        out.append(rect.maxY, decimals: 2)
        if let score {
            out.append("\" z_order=\"0\">\n      <attribute name=\"")
            out.append(scoreAttribute)
            out.append("\">")
            out.append(score, decimals: 4)
            out.append("</attribute>\n    </box>\n")
        } else {
            out.append("\" z_order=\"0\">\n    </box>\n")
        }
    }
}
