import Exchange
import Foundation
import LabelStore

/// `boxes PROJECT [--json]`: the project's boxes, for scripts (the review queue among them).
enum BoxesCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "boxes",
            summary: "List the project's boxes (seeds, proposals, accepted, rejected), as text or JSON.",
            usage: "PROJECT [--json] [--kind seed|proposal|accepted|rejected] [--frames A-B] [--object ID]",
            positionals: [("PROJECT", "The project file.")],
            details: """
            Boxes are listed by frame, then object. A proposal's confidence is the estimated probability
            that its box overlaps the true one with IoU >= 0.5; drawn boxes have confidence 1. Reads
            the project without writing to it, so it works on a read-only file.
            """),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let json = Flag("json", "Print a JSON array of boxes with the keys frame (1-based), object, label, kind, x, y, w, h, confidence.")
        let kind = Option<String>("kind", "KIND", "Only boxes of this kind: seed, proposal, accepted or rejected.")
        let frames = Option<String>("frames", "A-B", "Only frames A to B (1-based, inclusive).")
        let object = Option<String>("object", "ID", "Only this object's boxes.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.openForReading(try arguments.positional(0, "PROJECT"))
        var frames: ClosedRange<Int>?
        if let text = try arguments.value(\.frames) {
            do { frames = try ExportOptions.frames(parsing: text) } catch { throw UsageError(command: "boxes", message: "\(error)") }
        }
        let kind = try arguments.value(\.kind).map { text -> BoxKind in
            guard let kind = BoxKind(rawValue: text) else {
                throw UsageError(command: "boxes", message: "--kind must be seed, proposal, accepted or rejected, not '\(text)'")
            }
            return kind
        }
        let objectID = try arguments.value(\.object).map { text -> Int64 in
            guard let id = Int64(text) else { throw UsageError(command: "boxes", message: "--object must be an object id (a number), not '\(text)'") }
            return id
        }
        if let objectID, try project.object(id: objectID) == nil {
            throw CommandError("object #\(objectID) does not exist (see 'microlabel info')")
        }
        let labels = Dictionary(uniqueKeysWithValues: try project.labels().map { ($0.id, $0.name) })
        let objectLabels = Dictionary(uniqueKeysWithValues: try project.objects().map { ($0.id, labels[$0.labelID] ?? "") })
        let boxes = try project.boxes(frames: frames, objectID: objectID, kinds: kind.map { [$0] })
        if arguments.flag(\.json) {
            let rows: [[String: Any]] = boxes.map { box in
                ["frame": box.frame + 1, "object": box.objectID, "label": objectLabels[box.objectID] ?? "", "kind": box.kind.rawValue,
                 "x": box.rect.x, "y": box.rect.y, "w": box.rect.width, "h": box.rect.height, "confidence": box.confidence]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("frame  object  label         kind        x        y        w        h  confidence")
        for box in boxes {
            let label = objectLabels[box.objectID] ?? ""
            print(String(format: "%5d  %6lld  %@  %-8@ %8.1f %8.1f %8.1f %8.1f  %10.3f", box.frame + 1, box.objectID,
                         label.padding(toLength: max(12, label.count), withPad: " ", startingAt: 0), box.kind.rawValue,
                         box.rect.x, box.rect.y, box.rect.width, box.rect.height, box.confidence))
        }
    }
}
