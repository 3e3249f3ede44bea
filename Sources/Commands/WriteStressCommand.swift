import Foundation
import Geometry
import LabelStore

/// A hidden command for the durability test: adds seed boxes one action at a time and prints
/// `ack N` after each commit, so a test can kill -9 it and check that every acknowledged box
/// is in the project.
enum WriteStressCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "_write-stress",
            summary: "Add COUNT seeds one action at a time, acknowledging each (for tests).",
            usage: "PROJECT --count N",
            positionals: [("PROJECT", "The project file.")],
            hidden: true),
        options: Options.self, run: run)

    struct Options: OptionGroup {
        let count = Option.integer("count", "N", range: 1...10_000_000, "How many boxes to add.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let project = try ProjectPaths.open(try arguments.positional(0, "PROJECT"))
        let source = try project.source()
        let count = try arguments.value(\.count) ?? 1000
        guard source.frameCount > 0 else { throw CommandError("\(project.url.path) has no frames to put boxes on") }
        for n in 1...count {
            let frame = (n - 1) % source.frameCount
            let rect = BoxRect(x: Double(n % 50), y: Double(n % 30), width: 10, height: 10)
            _ = try SeedPlacement.add(to: project, frame: frame, rect: rect, labelName: nil, objectID: nil)
            print("ack \(n)")
            fflush(nil)
        }
    }
}
