import Foundation
import Imaging
import TerminalGraphics

/// Choosing how to draw: `--graphics`, else MICROLABEL_GRAPHICS, else asking the terminal.
enum GraphicsSelection {
    static let option = Option<String>("graphics", "MODE", "auto, sixel, kitty, blocks or ascii (default: $MICROLABEL_GRAPHICS, else auto: ask the terminal).")

    static func decide<Options: GraphicsOptions>(_ arguments: ParsedArguments<Options>) throws -> GraphicsDecision {
        let environment = ProcessInfo.processInfo.environment
        let choice: GraphicsChoice
        do {
            choice = try GraphicsChoice.resolve(flag: try arguments.value(\.graphics), environment: TerminalEnvironment(environment))
        } catch {
            throw UsageError(command: arguments.command, message: "\(error)")
        }
        // These commands hand the terminal back to the shell at once: late answers are waited for.
        return TerminalProbe.detect(choice: choice, environment: environment, waitForLateReplies: true)
    }
}

enum RenderCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "render",
            summary: "Print an image to the terminal (sixel, kitty, Unicode blocks or ASCII).",
            usage: "IMAGE [--graphics MODE] [--width PX | --cols N]",
            positionals: [("IMAGE", "A JPEG, PNG, PPM or PGM file.")],
            details: """
            Without a size, sixel and kitty draw the image at its own pixel size, and the text modes fit
            it to the terminal's width. An explicit --graphics sends no query to the terminal, so output
            can go to a file or a pipe.
            """),
        options: Options.self, run: run)

    struct Options: GraphicsOptions {
        let graphics = GraphicsSelection.option
        let width = Option.integer("width", "PX", range: 1...100_000, "Scale to this width in pixels, keeping the aspect (sixel, kitty).")
        let cols = Option.integer("cols", "N", range: 1...100_000, "Fit to this many terminal columns.")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let image = try ImageCodec.decode(contentsOf: URL(fileURLWithPath: try arguments.positional(0, "IMAGE")))
        let width = try arguments.value(\.width)
        let columns = try arguments.value(\.cols)
        if width != nil && columns != nil {
            throw UsageError(command: "render", message: "give --width or --cols, not both")
        }
        let decision = try GraphicsSelection.decide(arguments)
        let renderer = decision.renderer()
        let bytes: [UInt8]
        switch decision.mode {
        case .sixel, .kitty:
            var target = image
            if let columns {
                let pixels = columns * decision.cellSize.width
                target = image.resized(width: pixels, height: max(1, Int((Double(image.height) * Double(pixels) / Double(image.width)).rounded())))
            } else if let width {
                target = image.resized(width: width, height: max(1, Int((Double(image.height) * Double(width) / Double(image.width)).rounded())))
            }
            bytes = try renderer.render(target, overlays: [], in: CellArea(
                columns: (target.width + decision.cellSize.width - 1) / decision.cellSize.width,
                rows: (target.height + decision.cellSize.height - 1) / decision.cellSize.height + 1,
                cellWidth: decision.cellSize.width, cellHeight: decision.cellSize.height))
        case .blocks, .ascii:
            let fit = columns ?? width.map { max(1, $0 / decision.cellSize.width) } ?? terminalColumns()
            bytes = try renderer.render(image, overlays: [], in: CellArea(columns: fit, rows: 100_000))
        }
        FileHandle.standardOutput.write(Data(bytes))
        if decision.mode == .sixel || decision.mode == .kitty { print("") }
    }

    /// The width of the terminal on standard output, else $COLUMNS, else 80.
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, windowSizeRequest, &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 80
    }
}

enum DoctorCommand {
    static let command = Subcommand(
        spec: CommandSpec(
            name: "doctor",
            summary: "Say what the terminal can show, from which answers, and what will be used.",
            usage: "[--graphics MODE] [--no-link]",
            details: """
            The link line is measured: three queries for the round trip, then a 256 KB burst of
            invisible bytes and one more query for the rate. Over SSH this is the rate the review
            room's pictures get.
            """),
        options: Options.self, run: run)

    struct Options: GraphicsOptions {
        let graphics = GraphicsSelection.option
        let noLink = Flag("no-link", "Skip measuring the link (a 256 KB burst the terminal takes in unseen).")
    }

    static func run(_ arguments: ParsedArguments<Options>) throws {
        let start = monotonicSeconds()
        let decision = try GraphicsSelection.decide(arguments)
        let elapsed = monotonicSeconds() - start
        let environment = ProcessInfo.processInfo.environment
        print("environment")
        for name in ["TERM", "COLORTERM", "TERM_PROGRAM", "TMUX", "NO_COLOR", "MICROLABEL_GRAPHICS"] {
            print("  \(name)=\(environment[name] ?? "(unset)")")
        }
        print("findings (probe took \(String(format: "%.0f", elapsed * 1000)) ms)")
        for reason in decision.reasons { print("  \(reason)") }
        print("using")
        print("  graphics  \(decision.mode)")
        print("  colour    \(decision.colourDepth.rawValue)\(decision.mode == .sixel ? ", \(decision.colourRegisters) colour registers" : "")")
        print("  cell      \(decision.cellSize)\(decision.cellSizeAssumed ? " (assumed: the terminal gave no usable cell size)" : "")")
        if decision.tmuxPassthrough { print("  tmux      passthrough") }
        if !arguments.flag(\.noLink), isatty(STDIN_FILENO) == 1 || isatty(STDOUT_FILENO) == 1 {
            if let link = LinkProbe.measure() {
                print(String(format: "  link      round trip %.0f ms, %.1f Mbit/s (a %d KB burst)", link.roundTrip * 1000,
                             link.megabitsPerSecond, link.burstBytes / 1024))
                let sixelFrame = 650_000.0
                let perFrame = sixelFrame / link.bytesPerSecond + link.roundTrip
                if perFrame > 1.0 / 25 {
                    print(String(format: "            a full sixel frame takes %.2f s here: held keys step with light pictures", perFrame))
                }
            } else {
                print("  link      not measured: the terminal did not answer")
            }
        }
        print("  ffmpeg    \(locateOptional("ffmpeg") ?? "not installed: videos cannot be opened (apt-get install ffmpeg)")")
    }

    private static func locateOptional(_ name: String) -> String? { (try? locateProgram(name))?.path }
}

/// The options of commands that draw: `--graphics`.
protocol GraphicsOptions: OptionGroup {
    var graphics: Option<String> { get }
}

/// The options of commands that open the review room: `--graphics` and `--theme`.
protocol RoomOptions: GraphicsOptions {
    var theme: Option<String> { get }
}
