import Foundation
import Imaging
import LabelStore
import Pipeline
import ReviewRoom
import TerminalGraphics

/// `microlabel open PROJECT`: the review room, where boxes are drawn, trained from and reviewed.
enum OpenCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "open",
            summary: "Open a project in the review room (the terminal UI).",
            usage: "PROJECT [--graphics auto|sixel|kitty|blocks|ascii] [--theme NAME] [--frame N]",
            positionals: [("PROJECT", "The project file.")],
            details: """
            Standard input and output must be a terminal. Press ? inside for every key.
            Inside tmux without allow-passthrough, frames are drawn with Unicode blocks (tmux set -g
            allow-passthrough on, or --graphics sixel|kitty, lets pictures through). NO_COLOR turns off
            colour in text: the ASCII ramp replaces blocks; sixel and kitty pictures still show.
            Key bindings and the theme can be set in $XDG_CONFIG_HOME/microlabel/config.
            """),
        options: Options.self, run: run)

    struct Options: RoomOptions {
        let graphics = Option<String>("graphics", "MODE", "How frames are drawn: auto (ask the terminal; the default), sixel, kitty, blocks or ascii. Also MICROLABEL_GRAPHICS.")
        let theme = Option<String>("theme", "NAME", "A theme from themes/ or $XDG_CONFIG_HOME/microlabel/themes (default, light, high-contrast, okabe-ito).")
        let frame = Option.integer("frame", "N", "The 1-based frame to open at (default 1).")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        try openRoom(try arguments.positional(0, "PROJECT"), arguments,
                     startFrame: { frameCount in try arguments.value(\.frame, range: 1...max(1, frameCount)) })
    }

    /// Whether `open` can run here: standard input and output both terminals.
    static var hasTerminal: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Runs the review room on the project `name`, with `--graphics` and `--theme` from `arguments`
    /// where given, at the 1-based frame `startFrame` picks for the project's frame count.
    static func openRoom<Options: RoomOptions>(_ name: String, _ arguments: ParsedArguments<Options>,
                                               startFrame: (_ frameCount: Int) throws -> Int? = { _ in nil }) throws {
        // Checked first: nothing below should run (or query a terminal) for a pipe.
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            let which = isatty(STDIN_FILENO) == 1 ? "standard output is" : isatty(STDOUT_FILENO) == 1 ? "standard input is" : "standard input and output are"
            throw CommandError("open needs a terminal, but \(which) not one (a pipe or a file); run it in a terminal, or use 'microlabel info \(name)' for a summary")
        }
        let environment = ProcessInfo.processInfo.environment
        // Before anything is sent to the terminal: one that cannot place the cursor is refused.
        if let problem = TerminalRequirements.problem(term: environment["TERM"]) { throw CommandError(problem) }
        let project = try ProjectPaths.open(name)
        let frames = try ProjectPaths.frames(of: project)
        let store = try ProjectReviewStore(project: project)
        let startFrame = try startFrame(store.frameCount).map { $0 - 1 } ?? 0
        var options = try ReviewRoomOptions.load(themeName: try arguments.value(\.theme), environment: environment)

        let choice = try GraphicsChoice.resolve(flag: try arguments.value(\.graphics), environment: TerminalEnvironment(environment))
        let setup = graphics(choice: choice, environment: environment)
        options.cellPixels = .init(width: setup.decision.cellSize.width, height: setup.decision.cellSize.height)
        options.noColor = TerminalEnvironment(environment).noColor
        options.note = setup.note
        options.startFrame = startFrame

        try ReviewRoom.run(store: store, frames: CachedFrameProvider(source: frames), renderer: TerminalFrameRenderer(setup.renderer),
                           engine: EngineTrainer(project: project, frames: frames, onWrite: store.invalidation),
                           exporter: ProjectExporter(project: project, frames: frames), options: options)
    }

    /// The renderer to draw with and a note for the status line when the choice deserves one
    /// (tmux without passthrough, NO_COLOR forcing ASCII).
    static func graphics(choice: GraphicsChoice, environment: [String: String]) -> (decision: GraphicsDecision, renderer: any TerminalRenderer, note: String?) {
        var decision = TerminalProbe.detect(choice: choice, environment: environment)
        let terminal = TerminalEnvironment(environment)
        var note: String?
        if terminal.noColor && decision.mode == .blocks {
            decision.mode = .ascii
            note = "NO_COLOR is set: frames in ASCII without colour"
        }
        if terminal.insideTmux, let first = decision.reasons.first, first.hasPrefix("inside tmux") {
            if choice == .auto && !decision.mode.isPixel {
                note = "inside tmux without passthrough: frames drawn with \(decision.mode) (tmux set -g allow-passthrough on shows pictures)"
            }
        }
        if terminal.insideTmux, decision.reasons.contains(where: { $0.contains("allow-passthrough off") }) {
            note = "inside tmux with allow-passthrough off: \(decision.mode) may not show (tmux set -g allow-passthrough on)"
        }
        return (decision, decision.renderer(), note)
    }
}
