import Foundation
import Imaging
import Geometry
import LabelStore

enum InitCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "init",
            summary: "Create a project on a video or a folder of frames.",
            usage: "PROJECT --source PATH [--labels a,b,...]",
            positionals: [("PROJECT", "The project file to create; '.microlabel' is added when missing.")],
            details: "The source path is stored relative to the project file, so the two can move together."),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let source = Option<String>("source", "PATH", "A video file (read with ffmpeg) or a folder of JPEG/PNG/PPM frames.")
        let labels = Option.list("labels", "LIST", "Comma-separated label (class) names to start with.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let url = ProjectPaths.resolve(try arguments.positional(0, "PROJECT"))
        let sourceURL = URL(fileURLWithPath: try arguments.required(\.source)).standardizedFileURL
        let labels = try arguments.value(\.labels) ?? []
        if let duplicate = Dictionary(grouping: labels, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw UsageError(command: "init", message: "--labels names '\(duplicate)' twice")
        }
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw CommandError("\(url.path) already exists; open it, or choose another name")
        }
        let source = try openFrameSource(at: sourceURL)
        if let folder = source as? FolderSource, !folder.unreadableFrames.isEmpty {
            for (index, error) in folder.unreadableFrames.sorted(by: { $0.key < $1.key }).prefix(10) {
                FileHandle.standardError.write(Data("warning: frame \(index + 1) is unreadable and will show as such: \(error.underlying)\n".utf8))
            }
            if folder.unreadableFrames.count > 10 {
                FileHandle.standardError.write(Data("warning: \(folder.unreadableFrames.count - 10) more unreadable frames\n".utf8))
            }
        }
        let info = SourceInfo(
            path: sourceURL.path, kind: source is VideoSource ? .video : .folder,
            frameCount: source.frameCount, width: source.width, height: source.height, fps: source.fps)
        let project = try Project.create(at: url, source: info, labels: labels, frameFiles: (source as? FolderSource)?.fileNames)
        print("created \(project.url.path): \(info.frameCount) frames, \(info.width)x\(info.height), \(UserInput.number(info.fps)) fps, from \(sourceURL.path)")
        if !labels.isEmpty { print("labels: \(labels.joined(separator: ", "))") }
    }
}

enum InfoCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "info",
            summary: "Show a project's source, labels, objects and box counts.",
            usage: "PROJECT [--json]",
            positionals: [("PROJECT", "The project file.")]),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let json = Flag("json", "Print one JSON object (for scripts) instead of text.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.openForReading(try arguments.positional(0, "PROJECT"))
        let source = try project.source()
        let labels = try project.labels()
        let objects = try project.objects()
        let counts = try project.counts()
        let labelNames = Dictionary(uniqueKeysWithValues: labels.map { ($0.id, $0.name) })
        let autoAccept = PrecisionTarget().select(try project.pendingProposals(), confidence: \.confidence)
        // How the source on disk compares with what the project recorded.
        var sourceNotes: [String] = []
        var unreadable: [Int] = []
        do {
            let frames = try ProjectPaths.recordedFrames(of: project)
            if !frames.changes.isEmpty {
                sourceNotes.append("the source changed since the project was made: " + frames.changes.joined(separator: "; "))
            }
            let problems = frames.problems
            unreadable = problems.map { $0.index + 1 }
            if let first = problems.first {
                sourceNotes.append("\(problems.count) frame\(problems.count == 1 ? " cannot" : "s cannot") be read (\(InfoCommand.ranges(unreadable))); first: \(first.error.underlying)")
            }
        } catch {
            sourceNotes.append("the source cannot be opened: \(error)")
        }
        if arguments.flag(\.json) {
            let json: [String: Any] = [
                "project": project.url.path,
                "source": source.path,
                "source_kind": source.kind.rawValue,
                "frames": source.frameCount,
                "width": source.width,
                "height": source.height,
                "fps": source.fps,
                "labels": labels.map { $0.name },
                "objects": objects.map { ["id": $0.id, "label": labelNames[$0.labelID] ?? "", "name": $0.name] as [String: Any] },
                "seeds": counts.seeds,
                "proposals": counts.proposals,
                "accepted": counts.accepted,
                "rejected": counts.rejected,
                "auto_accept": autoAccept.items.count,
                "auto_accept_expected_wrong": autoAccept.expectedWrong,
                "source_problems": sourceNotes,
                "unreadable_frames": unreadable,
            ]
            let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("""
        project   \(project.url.path)
        source    \(source.path) (\(source.kind.rawValue))
        frames    \(source.frameCount), \(source.width)x\(source.height), \(UserInput.number(source.fps)) fps
        labels    \(labels.isEmpty ? "none" : labels.map(\.name).joined(separator: ", "))
        objects   \(objects.isEmpty ? "none" : objects.map { "#\($0.id) \($0.name)\($0.name.hasPrefix(labelNames[$0.labelID] ?? "") ? "" : " (\(labelNames[$0.labelID] ?? "?"))")" }.joined(separator: ", "))
        boxes     \(counts.seeds) seeds, \(counts.proposals) pending proposals, \(counts.accepted) accepted, \(counts.rejected) rejected
        accept    \(String(format: "%d pending proposals reach expected precision \(UserInput.defaultPrecision) (about %.1f of them wrong)", autoAccept.items.count, autoAccept.expectedWrong))
        """)
        for note in sourceNotes { print("warning   \(note)") }
    }

    /// 1-based frame numbers as ranges: "3, 7-9, 12"; at most 8 ranges, then "...".
    static func ranges(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < numbers.count {
            var end = index
            while end + 1 < numbers.count, numbers[end + 1] == numbers[end] + 1 { end += 1 }
            parts.append(end == index ? "\(numbers[index])" : "\(numbers[index])-\(numbers[end])")
            index = end + 1
        }
        return parts.count > 8 ? parts.prefix(8).joined(separator: ", ") + ", ..." : parts.joined(separator: ", ")
    }
}

enum SeedCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "seed",
            summary: "Add a seed box (a hand-drawn label) on one frame.",
            usage: "PROJECT --frame N --box X,Y,W,H [--label L] [--object ID]",
            positionals: [("PROJECT", "The project file.")]),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let frame = Option.integer("frame", "N", "1-based frame number.")
        let box = Option<String>("box", "X,Y,W,H", "Box in source pixels, top-left corner and size; decimals allowed.")
        let label = Option<String>("label", "L", "Label name; a new name is added to the project. Default: the object's label, or the first label, or '\(Label.defaultName)'.")
        let object = Option<String>("object", "ID", "The object (one instance followed through time) the box belongs to. Default: the label's first object.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        let source = try project.source()
        let frameNumber = try arguments.required(\.frame)
        let frame = try UserInput.frame(frameNumber, count: source.frameCount)
        let rect = try UserInput.box(try arguments.required(\.box), option: "box", command: "seed")
        try UserInput.checkInside(rect, width: source.width, height: source.height, frame: frameNumber)
        let objectID = try arguments.value(\.object).map { text -> Int64 in
            guard let id = Int64(text) else { throw UsageError(command: "seed", message: "--object must be an object id (a number), not '\(text)'") }
            return id
        }
        let added = try SeedPlacement.add(
            to: project, frame: frame, rect: rect, labelName: try arguments.value(\.label), objectID: objectID)
        print("seed #\(added.box.id) on frame \(frameNumber): \(UserInput.format(rect)), label '\(added.label.name)', object #\(added.object.id)")
    }
}

/// The rules for where a new seed goes: its label (added when new) and object (the label's
/// first, created when it has none), all in one undoable action.
enum SeedPlacement {

    static func add(to project: Project, frame: Int, rect: BoxRect, labelName: String?, objectID: Int64?) throws
        -> (box: Box, label: Label, object: TrackedObject)
    {
        let labels = try project.labels()
        let objects = try project.objects()
        var object: TrackedObject?
        if let objectID {
            guard let found = objects.first(where: { $0.id == objectID }) else {
                throw CommandError("object #\(objectID) does not exist (see 'microlabel info')")
            }
            if let labelName, let label = labels.first(where: { $0.name == labelName }), label.id != found.labelID {
                throw CommandError("object #\(objectID) has another label than '\(labelName)'")
            }
            object = found
        }
        let wantedLabel = object.flatMap { o in labels.first { $0.id == o.labelID }?.name } ?? labelName ?? labels.first?.name ?? Label.defaultName
        return try project.perform("add seed on frame \(frame + 1)") { action in
            let label = try labels.first(where: { $0.name == wantedLabel }) ?? action.addLabel(wantedLabel)
            let owner = try object ?? objects.first(where: { $0.labelID == label.id }) ?? action.addObject(labelID: label.id)
            let box = try action.addBox(NewBox(frame: frame, objectID: owner.id, rect: rect, kind: .seed, confidence: 1))
            return (box, label, owner)
        }
    }
}
