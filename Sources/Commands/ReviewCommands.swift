import Exchange
import Foundation
import LabelStore

/// `accept` and `reject`: bulk review of pending proposals from scripts.
enum ReviewCommands {
    static let accept = Subcommand(
        spec: CommandSpec(
            name: "accept",
            summary: "Accept pending proposals: at or above a score, in a frame range, of one object.",
            usage: "PROJECT [--min-score S] [--frames A-B] [--object ID]",
            positionals: [("PROJECT", "The project file.")],
            options: [
                .value("min-score", "S", "Accept proposals with confidence >= S (0-1). Default: the suggested auto-accept threshold."),
                .value("frames", "A-B", "Only frames A to B (1-based, inclusive)."),
                .value("object", "ID", "Only this object's proposals."),
            ],
            details: "Accepted boxes become labels and training examples. One undoable action."),
        run: { try run($0, to: .accepted) })

    static let reject = Subcommand(
        spec: CommandSpec(
            name: "reject",
            summary: "Reject pending proposals: at or below a score, in a frame range, of one object.",
            usage: "PROJECT [--max-score S] [--frames A-B] [--object ID]",
            positionals: [("PROJECT", "The project file.")],
            options: [
                .value("max-score", "S", "Reject proposals with confidence <= S (0-1). Default: those below the suggested auto-accept threshold."),
                .value("frames", "A-B", "Only frames A to B (1-based, inclusive)."),
                .value("object", "ID", "Only this object's proposals."),
            ],
            details: "Rejected boxes become hard negatives for the next training. One undoable action."),
        run: { try run($0, to: .rejected) })

    static func run(_ arguments: ParsedArguments, to kind: BoxKind) throws {
        let project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        let command = kind == .accepted ? "accept" : "reject"
        var frames: ClosedRange<Int>?
        if let text = arguments.string("frames") {
            do { frames = try ExportOptions.frames(parsing: text) } catch { throw UsageError(command: command, message: "\(error)") }
        }
        let objectID = try arguments.string("object").map { text -> Int64 in
            guard let id = Int64(text) else { throw UsageError(command: command, message: "--object must be an object id (a number), not '\(text)'") }
            return id
        }
        if let objectID, try project.object(id: objectID) == nil {
            throw CommandError("object #\(objectID) does not exist (see 'microlabel info')")
        }
        let threshold = try project.setting(SettingKey.autoAcceptThreshold).flatMap(Double.init)
        let include: (Double) -> Bool
        let rule: String
        if kind == .accepted {
            guard let minimum = try arguments.double("min-score", range: 0...1) ?? threshold else {
                throw CommandError("no suggested threshold yet (run 'microlabel propagate' first), so give --min-score")
            }
            include = { $0 >= minimum }
            rule = "confidence >= \(UserInput.number(minimum))"
        } else if let maximum = try arguments.double("max-score", range: 0...1) {
            include = { $0 <= maximum }
            rule = "confidence <= \(UserInput.number(maximum))"
        } else {
            guard let threshold else {
                throw CommandError("no suggested threshold yet (run 'microlabel propagate' first), so give --max-score")
            }
            include = { $0 < threshold }
            rule = "confidence < \(UserInput.number(threshold))"
        }
        let chosen = try project.pendingProposals(orderedBy: .frame, objectID: objectID).filter { box in
            include(box.confidence) && (frames?.contains(box.frame) ?? true)
        }
        guard !chosen.isEmpty else {
            print("no pending proposals with \(rule)\(frames.map { " on frames \($0.lowerBound + 1)-\($0.upperBound + 1)" } ?? "")")
            return
        }
        try project.perform("\(command) \(chosen.count) proposals with \(rule)") { action in
            try action.setKind(ids: chosen.map(\.id), to: kind)
        }
        print("\(kind == .accepted ? "accepted" : "rejected") \(chosen.count) proposals with \(rule)")
    }
}
