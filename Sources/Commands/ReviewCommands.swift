import Exchange
import Foundation
import LabelStore

/// `accept` and `reject`: bulk review of pending proposals from scripts.
enum ReviewCommands {
    static let accept = Subcommand(
        spec: CommandSpec(
            name: "accept",
            summary: "Accept pending proposals: those the tool vouches for at a target precision, or at or above a score.",
            usage: "PROJECT [--precision P | --min-score S] [--frames A-B] [--object ID]",
            positionals: [("PROJECT", "The project file.")],
            options: [
                .value("precision", "P", "Accept the most pending proposals whose expected precision is at least P (0-1, default 0.99)."),
                .value("min-score", "S", "Accept proposals with confidence >= S (0-1) instead."),
                .value("frames", "A-B", "Only frames A to B (1-based, inclusive)."),
                .value("object", "ID", "Only this object's proposals."),
            ],
            details: """
            A proposal's confidence is the project's estimate of the probability that its box overlaps
            the true one with IoU >= 0.5. Without --min-score, the proposals are taken in decreasing
            confidence for as long as their mean confidence (the expected precision) stays at or above
            P; the command prints how many it accepted and how many of those it expects to be wrong.
            Accepted boxes become labels and training examples. One undoable action.
            """),
        run: { try run($0, to: .accepted) })

    static let reject = Subcommand(
        spec: CommandSpec(
            name: "reject",
            summary: "Reject pending proposals: at or below a score, in a frame range, of one object.",
            usage: "PROJECT [--max-score S] [--frames A-B] [--object ID]",
            positionals: [("PROJECT", "The project file.")],
            options: [
                .value("max-score", "S", "Reject proposals with confidence <= S (0-1). Default: those 'accept' would not take at precision 0.99."),
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
        let inRange = try project.pendingProposals(orderedBy: .frame, objectID: objectID).filter { frames?.contains($0.frame) ?? true }
        let include: (Box) -> Bool
        let rule: String
        if kind == .accepted, let minimum = try arguments.double("min-score", range: 0...1) {
            include = { $0.confidence >= minimum }
            rule = "confidence >= \(UserInput.number(minimum))"
        } else if kind == .accepted {
            let target = PrecisionTarget(precision: try arguments.double("precision", range: 0...1) ?? PrecisionTarget.defaultPrecision)
            let selection = target.select(inRange, confidence: \.confidence)
            guard !selection.items.isEmpty else {
                print("accepted 0 proposals: no set of pending proposals\(frames.map { " on frames \($0.lowerBound + 1)-\($0.upperBound + 1)" } ?? "") reaches expected precision \(UserInput.number(target.precision)) (\(inRange.count) pending)")
                return
            }
            try project.perform("accept \(selection.items.count) proposals at expected precision \(UserInput.number(target.precision))") { action in
                try action.setKind(ids: selection.items.map(\.id), to: .accepted)
            }
            // Nobody looked at them: they are no evidence for the calibration.
            try project.forgetScores(ids: selection.items.map(\.id))
            print(String(format: "accepted %d of %d pending proposals at expected precision %.3f (target %@): about %.1f of them are expected to be wrong",
                         selection.items.count, inRange.count, selection.expectedPrecision, UserInput.number(target.precision), selection.expectedWrong))
            return
        } else if let maximum = try arguments.double("max-score", range: 0...1) {
            include = { $0.confidence <= maximum }
            rule = "confidence <= \(UserInput.number(maximum))"
        } else {
            let target = PrecisionTarget()
            let kept = Set(target.select(inRange, confidence: \.confidence).items.map(\.id))
            include = { !kept.contains($0.id) }
            rule = "confidence too low for expected precision \(UserInput.number(target.precision))"
        }
        let chosen = inRange.filter(include)
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
