/// The command line was wrong: exit status 2, with a pointer to the command's help.
struct UsageError: Error, CustomStringConvertible {
    var command: String?
    var message: String

    var description: String {
        let help = command.map { "microlabel \($0) --help" } ?? "microlabel --help"
        return "\(message)\n(see '\(help)')"
    }
}

/// A command could not do its job for a reason the user can act on: exit status 1.
struct CommandError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Exit statuses, as documented in the README.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
}
