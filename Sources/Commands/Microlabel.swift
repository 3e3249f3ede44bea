import Foundation

/// The command line: parses arguments, runs one command, maps its errors to exit codes.
public enum Microlabel {
    public static let version = "0.1.0"

    /// Runs the command named by `arguments[0]` and returns the process exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        defer { fflush(nil) }
        guard let name = arguments.first, name != "--help", name != "-h", name != "help" else {
            if arguments.first == "help", arguments.count > 1, let command = CommandRegistry.find(arguments[1]) {
                print(command.spec.helpText, terminator: "")
                return ExitStatus.success
            }
            if arguments.isEmpty {
                FileHandle.standardError.write(Data(CommandRegistry.overview.utf8))
                return ExitStatus.usage
            }
            print(CommandRegistry.overview, terminator: "")
            return ExitStatus.success
        }
        if name == "--version" {
            print("microlabel \(version)")
            return ExitStatus.success
        }
        guard let command = CommandRegistry.find(name) else {
            return report(UsageError(command: nil, message: "unknown command '\(name)'"))
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(command.spec.helpText, terminator: "")
            return ExitStatus.success
        }
        do {
            let parsed = try ParsedArguments(rest, spec: command.spec)
            try command.run(parsed)
            return ExitStatus.success
        } catch {
            return report(error)
        }
    }

    private static func report(_ error: Error) -> Int32 {
        fflush(nil)
        let status = error is UsageError ? ExitStatus.usage : ExitStatus.failure
        let text = "microlabel: error: \(error)\n"
        FileHandle.standardError.write(Data(text.utf8))
        return status
    }
}

/// One command of the command line.
struct Subcommand: Sendable {
    var spec: CommandSpec
    var run: @Sendable (ParsedArguments) throws -> Void
}

/// Every command, in the order the overview lists them.
enum CommandRegistry {
    static let all: [Subcommand] = [
        InitCommand.command,
        InfoCommand.command,
        SeedCommand.command,
        OpenCommand.command,
        PropagateCommand.command,
        ReviewCommands.accept,
        ReviewCommands.reject,
        BoxesCommand.command,
        NextCommand.command,
        ExportCommand.command,
        ImportCommand.command,
        EvalCommand.command,
        DemoCommand.command,
        RenderCommand.command,
        DoctorCommand.command,
        BenchCommand.command,
        WriteStressCommand.command,
    ]

    static func find(_ name: String) -> Subcommand? {
        all.first { $0.spec.name == name }
    }

    static var overview: String {
        var text = """
        microlabel \(Microlabel.version): turn a few hand-drawn boxes on video frames into many reviewed labels.

        Usage: microlabel COMMAND [ARGUMENTS] [OPTIONS]

        Commands:

        """
        for command in all where !command.spec.hidden {
            let name = command.spec.name
            text += "  \(name)\(String(repeating: " ", count: max(2, 12 - name.count)))\(command.spec.summary)\n"
        }
        text += """

        Frame numbers are 1-based; boxes are X,Y,W,H in source pixels.
        Exit status: 0 success, 1 failure, 2 usage error.
        'microlabel COMMAND --help' describes one command.

        """
        return text
    }
}
