import Foundation

/// One option a command accepts: `--name VALUE` (or `--name=VALUE`) when it takes a value,
/// `--name` alone when it is a flag.
struct OptionSpec: Sendable {
    var name: String
    var value: String?  // the value's placeholder in help, nil for a flag
    var help: String
    var repeatable = false

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: nil, help: help)
    }

    static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: placeholder, help: help)
    }
}

/// What a command looks like from the command line; also the source of its `--help`.
struct CommandSpec: Sendable {
    var name: String
    var summary: String
    var usage: String  // e.g. "PROJECT --source PATH [--labels a,b]"
    var positionals: [(name: String, help: String)] = []
    var options: [OptionSpec] = []
    var details: String = ""
    var hidden = false
    /// The last positional may repeat (e.g. several files).
    var repeatsLastPositional = false

    var helpText: String {
        var text = "\(summary)\n\nUsage: microlabel \(name) \(usage)\n"
        if !positionals.isEmpty {
            text += "\nArguments:\n"
            for p in positionals { text += Self.row(p.name, p.help) }
        }
        let shown = options + [.flag("help", "Show this help.")]
        text += "\nOptions:\n"
        for o in shown {
            text += Self.row("--\(o.name)" + (o.value.map { " \($0)" } ?? ""), o.help)
        }
        if !details.isEmpty { text += "\n\(details)\n" }
        return text
    }

    private static func row(_ left: String, _ right: String) -> String {
        let pad = left.count < 22 ? String(repeating: " ", count: 22 - left.count) : "\n" + String(repeating: " ", count: 24)
        return "  \(left)\(pad)\(right)\n"
    }
}

/// A command line taken apart by a `CommandSpec`.
struct ParsedArguments: Sendable {
    var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    let command: String

    init(_ arguments: [String], spec: CommandSpec) throws {
        command = spec.name
        let known = Dictionary(uniqueKeysWithValues: spec.options.map { ($0.name, $0) })
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            if !argument.hasPrefix("--") {
                // A lone "-" and negative numbers are values; anything else with a dash is a typo.
                if argument.hasPrefix("-") && argument.count > 1 && Double(argument) == nil {
                    throw UsageError(command: spec.name, message: "unknown option '\(argument)' (options start with --)")
                }
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = known[name] else {
                throw UsageError(command: spec.name, message: "unknown option '--\(name)'")
            }
            if option.value == nil {
                guard inlineValue == nil else {
                    throw UsageError(command: spec.name, message: "--\(name) takes no value")
                }
                flags.insert(name)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else {
                    throw UsageError(command: spec.name, message: "--\(name) needs a value (\(option.value!))")
                }
                value = arguments[index]
                index += 1
            }
            if values[name] != nil && !option.repeatable {
                throw UsageError(command: spec.name, message: "--\(name) is given twice")
            }
            values[name, default: []].append(value)
        }
        if positionals.count > spec.positionals.count && !spec.repeatsLastPositional {
            throw UsageError(command: spec.name, message: "unexpected argument '\(positionals[spec.positionals.count])'")
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? { values[name]?.last }

    func strings(_ name: String) -> [String] { values[name] ?? [] }

    /// A comma-separated list option, e.g. `--labels a,b,c`, empty items dropped.
    func list(_ name: String) -> [String]? {
        guard let raw = values[name] else { return nil }
        return raw.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func int(_ name: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else {
            throw UsageError(command: command, message: "--\(name) must be a whole number, not '\(text)'")
        }
        if let range, !range.contains(value) {
            throw UsageError(command: command, message: "--\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    func double(_ name: String, range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw UsageError(command: command, message: "--\(name) must be a number, not '\(text)'")
        }
        if let range, !range.contains(value) {
            throw UsageError(command: command, message: "--\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(text)")
        }
        return value
    }

    /// The positional argument at `index`, or a usage error naming it.
    func positional(_ index: Int, _ name: String) throws -> String {
        guard index < positionals.count else {
            throw UsageError(command: command, message: "missing \(name)")
        }
        return positionals[index]
    }

    func required(_ name: String) throws -> String {
        guard let value = string(name) else {
            throw UsageError(command: command, message: "--\(name) is required")
        }
        return value
    }
}
