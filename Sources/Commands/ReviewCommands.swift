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
            details: """
            A proposal's confidence is the project's estimate of the probability that its box overlaps
            the true one with IoU >= 0.5. Without --min-score, the proposals are taken in decreasing
            confidence for as long as their mean confidence (the expected precision) stays at or above
            P; the command prints how many it accepted and how many of those it expects to be wrong.
            Accepted boxes become labels and training examples. One undoable action.
            """),
        options: AcceptOptions.self, run: runAccept)

    static let reject = Subcommand(
        spec: CommandSpec(
            name: "reject",
            summary: "Reject pending proposals: at or below a score, in a frame range, of one object.",
            usage: "PROJECT [--max-score S] [--frames A-B] [--object ID]",
            positionals: [("PROJECT", "The project file.")],
            details: "Rejected boxes become hard negatives for the next training. One undoable action."),
        options: RejectOptions.self, run: runReject)

    struct AcceptOptions: ProposalFilterOptions {
        let precision = Option.number("precision", "P", range: 0...1, "Accept the most pending proposals whose expected precision is at least P (0-1, default \(UserInput.defaultPrecision)).")
        let minScore = Option.number("min-score", "S", range: 0...1, "Accept proposals with confidence >= S (0-1) instead.")
        let frames = ProposalFilter.frames
        let object = ProposalFilter.object
    }

    struct RejectOptions: ProposalFilterOptions {
        let maxScore = Option.number("max-score", "S", range: 0...1, "Reject proposals with confidence <= S (0-1). Default: those 'accept' would not take at precision \(UserInput.defaultPrecision).")
        let frames = ProposalFilter.frames
        let object = ProposalFilter.object
    }

    static func runAccept(_ arguments: ParsedArguments<AcceptOptions>) throws {
        let filter = try ProposalFilter(arguments)
        if let minimum = try arguments.value(\.minScore) {
            try filter.apply(.accepted, where: { $0.confidence >= minimum }, rule: "confidence >= \(UserInput.number(minimum))")
            return
        }
        let project = filter.project, frames = filter.frames, inRange = filter.inRange
        let target = PrecisionTarget(precision: try arguments.value(\.precision) ?? PrecisionTarget.defaultPrecision)
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
    }

    static func runReject(_ arguments: ParsedArguments<RejectOptions>) throws {
        let filter = try ProposalFilter(arguments)
        if let maximum = try arguments.value(\.maxScore) {
            try filter.apply(.rejected, where: { $0.confidence <= maximum }, rule: "confidence <= \(UserInput.number(maximum))")
        } else {
            let target = PrecisionTarget()
            let kept = Set(target.select(filter.inRange, confidence: \.confidence).items.map(\.id))
            try filter.apply(.rejected, where: { !kept.contains($0.id) },
                             rule: "confidence too low for expected precision \(UserInput.number(target.precision))")
        }
    }
}

/// The options `accept` and `reject` share: which pending proposals they look at.
protocol ProposalFilterOptions: OptionGroup {
    var frames: Option<String> { get }
    var object: Option<String> { get }
}

/// The pending proposals `accept` or `reject` looks at: of the project named on the command line,
/// in `--frames`, of `--object`.
struct ProposalFilter {
    static let frames = Option<String>("frames", "A-B", "Only frames A to B (1-based, inclusive).")
    static let object = Option<String>("object", "ID", "Only this object's proposals.")

    let project: Project
    let command: String
    let frames: ClosedRange<Int>?
    let inRange: [Box]

    init<Options: ProposalFilterOptions>(_ arguments: ParsedArguments<Options>) throws {
        command = arguments.command
        project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        var frames: ClosedRange<Int>?
        if let text = try arguments.value(\.frames) {
            do { frames = try ExportOptions.frames(parsing: text) } catch { throw UsageError(command: command, message: "\(error)") }
        }
        self.frames = frames
        let objectID = try arguments.value(\.object).map { [command] text -> Int64 in
            guard let id = Int64(text) else { throw UsageError(command: command, message: "--object must be an object id (a number), not '\(text)'") }
            return id
        }
        if let objectID, try project.object(id: objectID) == nil {
            throw CommandError("object #\(objectID) does not exist (see 'microlabel info')")
        }
        inRange = try project.pendingProposals(orderedBy: .frame, objectID: objectID).filter { frames?.contains($0.frame) ?? true }
    }

    /// Sets the chosen proposals to `kind` in one undoable action, and says how many.
    func apply(_ kind: BoxKind, where include: (Box) -> Bool, rule: String) throws {
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
