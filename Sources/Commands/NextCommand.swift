import Foundation
import LabelStore
import MicroModel
import Pipeline

/// `next PROJECT [--json]`: where one drawn box is expected to save the most review.
enum NextCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "next",
            summary: "Name the frame and object where one drawn box is expected to save the most review.",
            usage: "PROJECT [--json] [--object ID] [--precision P] [--max-distance N]",
            positionals: [("PROJECT", "The project file.")],
            details: """
            The review left is what a person would spend finishing the project without another pass:
            a check (1.6 s) of each pending proposal that 'accept' would not take, and a drawn box (7 s)
            where it is wrong and on each frame between two decided boxes that has none (the costs
            annotsim.py uses: Papadopoulos et al., CVPR 2016 and ICCV 2017). A box drawn on a frame
            cuts the stretch between its object's decided boxes there; after the next propagate, each
            proposal near it becomes one 'accept' takes with the chance this project shows at that
            distance from a drawn box. The expected saving is the review that goes; the box costs 7 s.
            Reads the project without writing to it.
            """),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let json = Flag("json", "Print one JSON object: status, frame (1-based), object, label, expected_saving_s, net_saving_s, reason, ...")
        let object = Option<String>("object", "ID", "Only this object.")
        let precision = Option.number("precision", "P", range: 0...1, "The precision target 'accept' uses (0-1, default \(UserInput.defaultPrecision)): what it takes needs no review.")
        let maxDistance = Option.integer("max-distance", "N", range: 1...1_000_000, "How far the engine's runs reach from a seed, as given to 'propagate' (default 150).")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let path = try arguments.positional(0, "PROJECT")
        let project = try ProjectPaths.openForReading(path)
        let objectID = try arguments.value(\.object).map { text -> Int64 in
            guard let id = Int64(text) else { throw UsageError(command: "next", message: "--object must be an object id (a number), not '\(text)'") }
            return id
        }
        let precision = try arguments.value(\.precision) ?? PrecisionTarget.defaultPrecision
        let reach = try arguments.value(\.maxDistance) ?? PropagationConfig().maxDistance
        let objects = try project.objects()
        if let objectID, !objects.contains(where: { $0.id == objectID }) {
            throw CommandError("object #\(objectID) does not exist (see 'microlabel info')")
        }
        let costs = ReviewCosts()
        switch try NextDraw.suggest(in: project, objectID: objectID, precision: precision, costs: costs, reach: reach) {
        case .noFrames:
            throw CommandError("\(project.url.path): the source has no frames, so there is nothing to label")
        case .noSeeds:
            throw CommandError("\(project.url.path): no boxes drawn yet\(objectID.map { " for object #\($0)" } ?? ""): add a seed with 'microlabel seed \(path) --frame N --box X,Y,W,H' or in 'microlabel open \(path)', then run 'microlabel propagate \(path)'")
        case .noProposals:
            throw CommandError("\(project.url.path): no proposals yet: run 'microlabel propagate \(path)' first")
        case let .nothingLeft(left):
            let reason = left.pending > 0
                ? "nothing left to review: 'accept' takes all \(left.pending) pending proposals at expected precision \(UserInput.number(precision)) (run 'microlabel accept \(path)')"
                : "nothing left to review: no pending proposals, and no frame between two decided boxes lacks one"
            if arguments.flag(\.json) {
                var row = summary(left, costs: costs)
                row["status"] = "done"
                row["reason"] = reason
                for key in ["frame", "object", "object_name", "label", "expected_saving_s", "net_saving_s", "expected_checks_saved",
                            "confidence", "stretch_start", "stretch_end", "stretch_unsure", "stretch_missing", "stretch_lowest_confidence"] {
                    row[key] = NSNull()
                }
                try printJSON(row)
            } else {
                print(reason)
            }
        case let .draw(suggestion, left):
            let object = objects.first { $0.id == suggestion.objectID }
            let label = try object.flatMap { try project.label(id: $0.labelID) }?.name ?? ""
            let name = object?.name ?? "object \(suggestion.objectID)"
            let reason = explain(suggestion, costs: costs)
            if arguments.flag(\.json) {
                var row = summary(left, costs: costs)
                row["status"] = "draw"
                row["frame"] = suggestion.frame + 1
                row["object"] = suggestion.objectID
                row["object_name"] = name
                row["label"] = label
                row["expected_saving_s"] = rounded(suggestion.expectedSavingSeconds)
                row["net_saving_s"] = rounded(suggestion.netSavingSeconds)
                row["expected_checks_saved"] = rounded(suggestion.expectedChecksSaved)
                row["confidence"] = suggestion.confidenceAtFrame.map { rounded($0, places: 4) as Any } ?? NSNull()
                row["stretch_start"] = suggestion.stretchStart.map { ($0 + 1) as Any } ?? NSNull()
                row["stretch_end"] = suggestion.stretchEnd.map { ($0 + 1) as Any } ?? NSNull()
                row["stretch_unsure"] = suggestion.unsureInStretch
                row["stretch_missing"] = suggestion.missingInStretch
                row["stretch_lowest_confidence"] = suggestion.lowestConfidence.map { rounded($0, places: 4) as Any } ?? NSNull()
                row["reason"] = reason
                try printJSON(row)
            } else {
                let worth = suggestion.netSavingSeconds > 0
                    ? String(format: "%.1f s net of the %@ s draw", suggestion.netSavingSeconds, UserInput.number(costs.drawSeconds))
                    : String(format: "less than the %@ s the draw takes: checking them may be cheaper", UserInput.number(costs.drawSeconds))
                // An object's name usually starts with its label; otherwise the label is said too.
                let who = name.hasPrefix(label) ? "\(name) (object #\(suggestion.objectID))" : "\(name) (\(label), object #\(suggestion.objectID))"
                print(String(format: "draw %@ on frame %d: expected to save %.1f s of review (about %.1f fewer checks; %@); %@",
                             who, suggestion.frame + 1, suggestion.expectedSavingSeconds, suggestion.expectedChecksSaved, worth, reason))
            }
        }
    }

    /// Why that frame, in words: the stretch it cuts and what needs review there.
    static func explain(_ s: NextDraw.Suggestion, costs: ReviewCosts) -> String {
        let stretch: String
        switch (s.stretchStart, s.stretchEnd) {
        case let (a?, b?): stretch = "between the decided boxes on frames \(a + 1) and \(b + 1)"
        case let (nil, b?): stretch = "before the first decided box (frame \(b + 1))"
        case let (a?, nil): stretch = "after the last decided box (frame \(a + 1))"
        case (nil, nil): stretch = "with no decided box"
        }
        var parts: [String] = []
        if s.unsureInStretch > 0 {
            parts.append("\(s.unsureInStretch) proposal\(s.unsureInStretch == 1 ? "" : "s") need a look" + (s.lowestConfidence.map { String(format: " (lowest confidence %.3f)", $0) } ?? ""))
        }
        if s.missingInStretch > 0 {
            parts.append("\(s.missingInStretch) \(s.missingInStretch == 1 ? "frame has" : "frames have") no box")
        }
        let here = s.confidenceAtFrame.map { String(format: "; the proposal there has confidence %.3f", $0) } ?? "; no proposal there"
        return "\(stretch), \(parts.joined(separator: " and "))\(here)"
    }

    private static func summary(_ left: NextDraw.ReviewLeft, costs: ReviewCosts) -> [String: Any] {
        ["precision": left.precision, "threshold": left.threshold.map { rounded($0, places: 4) as Any } ?? NSNull(),
         "pending": left.pending, "auto_acceptable": left.autoAcceptable, "unsure": left.unsure, "missing": left.missing,
         "review_left_s": rounded(left.seconds), "draw_cost_s": costs.drawSeconds, "check_cost_s": costs.checkSeconds]
    }

    private static func rounded(_ value: Double, places: Int = 1) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    private static func printJSON(_ row: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: row, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}
