import Foundation

/// How one option shows in help: `--name VALUE` when it takes a value, `--name` alone when it is
/// a flag. Built only by `Flag` and `Option`, the typed keys commands declare.
struct OptionSpec: Sendable {
    var name: String
    var value: String?  // the value's placeholder in help, nil for a flag
    var help: String
}

/// A typed key for one option, declared once as a stored property of a command's `OptionGroup`;
/// the parser, the help text and every lookup read that one declaration.
protocol DeclaredOption: Sendable {
    var spec: OptionSpec { get }
}

/// `--name` alone: present or not.
struct Flag: DeclaredOption {
    let spec: OptionSpec
    init(_ name: String, _ help: String) { spec = OptionSpec(name: name, value: nil, help: help) }
}

/// `--name VALUE` or `--name=VALUE`, turned into a `Value` when the command looks it up (so a bad
/// value is reported where the command reads it, naming the option).
struct Option<Value: Sendable>: DeclaredOption {
    let spec: OptionSpec
    /// Converts the text given on the command line; throws a message without the command's name.
    let convert: @Sendable (_ text: String, _ option: String) throws(OptionValueError) -> Value
}

/// A value that does not fit its option; `ParsedArguments` turns it into a `UsageError`.
struct OptionValueError: Error {
    var message: String
}

extension Option where Value == String {
    init(_ name: String, _ placeholder: String, _ help: String) {
        spec = OptionSpec(name: name, value: placeholder, help: help)
        convert = { text, _ in text }
    }
}

extension Option where Value == [String] {
    /// A comma-separated list, e.g. `--labels a,b,c`; blanks around items and empty items dropped.
    static func list(_ name: String, _ placeholder: String, _ help: String) -> Option {
        Option(spec: OptionSpec(name: name, value: placeholder, help: help)) { text, _ in
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}

extension Option where Value == Int {
    static func integer(_ name: String, _ placeholder: String, range: ClosedRange<Int>? = nil, _ help: String) -> Option {
        Option(spec: OptionSpec(name: name, value: placeholder, help: help)) { text, option throws(OptionValueError) in
            guard let value = Int(text) else {
                throw OptionValueError(message: "--\(option) must be a whole number, not '\(text)'")
            }
            if let range, !range.contains(value) {
                throw OptionValueError(message: "--\(option) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            }
            return value
        }
    }
}

extension Option where Value == Double {
    static func number(_ name: String, _ placeholder: String, range: ClosedRange<Double>? = nil, _ help: String) -> Option {
        Option(spec: OptionSpec(name: name, value: placeholder, help: help)) { text, option throws(OptionValueError) in
            guard let value = Double(text), value.isFinite else {
                throw OptionValueError(message: "--\(option) must be a number, not '\(text)'")
            }
            if let range, !range.contains(value) {
                throw OptionValueError(message: "--\(option) must be between \(range.lowerBound) and \(range.upperBound), not \(text)")
            }
            return value
        }
    }
}

/// A command's options: one stored `Flag` or `Option` property each, in the order help lists
/// them. Commands look options up by key path into this type, so an undeclared option does
/// not compile.
protocol OptionGroup: Sendable {
    init()
}

extension OptionGroup {
    /// The declared options, in declaration order.
    static var declarations: [OptionSpec] {
        Mirror(reflecting: Self()).children.compactMap { ($0.value as? any DeclaredOption)?.spec }
    }
}

/// What a command looks like from the command line; also the source of its `--help`.
struct CommandSpec: Sendable {
    var name: String
    var summary: String
    var usage: String  // e.g. "PROJECT --source PATH [--labels a,b]"
    var positionals: [(name: String, help: String)] = []
    /// Filled from the command's `OptionGroup` by `Subcommand`.
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
        let shown = options + [OptionSpec(name: "help", value: nil, help: "Show this help.")]
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

/// A command line taken apart by a `CommandSpec`, its options read through `Options`' keys.
struct ParsedArguments<Options: OptionGroup>: Sendable {
    var positionals: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    private let declared: Options
    let command: String

    init(_ arguments: [String], spec: CommandSpec) throws {
        command = spec.name
        declared = Options()
        // From the group itself, not from `spec`: what is parsed is always what can be looked up.
        let known = Dictionary(Options.declarations.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
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
            guard let placeholder = option.value else {
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
                    throw UsageError(command: spec.name, message: "--\(name) needs a value (\(placeholder))")
                }
                value = arguments[index]
                index += 1
            }
            if values[name] != nil {
                throw UsageError(command: spec.name, message: "--\(name) is given twice")
            }
            values[name] = value
        }
        if positionals.count > spec.positionals.count && !spec.repeatsLastPositional {
            throw UsageError(command: spec.name, message: "unexpected argument '\(positionals[spec.positionals.count])'")
        }
    }

    /// Whether the flag was given.
    func flag(_ key: KeyPath<Options, Flag>) -> Bool {
        flags.contains(declared[keyPath: key].spec.name)
    }

    /// The option's value, nil when it was not given; a usage error naming it when it does not fit.
    func value<Value>(_ key: KeyPath<Options, Option<Value>>) throws -> Value? {
        let option = declared[keyPath: key]
        guard let text = values[option.spec.name] else { return nil }
        do {
            return try option.convert(text, option.spec.name)
        } catch {
            throw UsageError(command: command, message: error.message)
        }
    }

    /// A whole-number option whose bounds are known only at run time (e.g. the project's frames).
    func value(_ key: KeyPath<Options, Option<Int>>, range: ClosedRange<Int>) throws -> Int? {
        guard let value = try value(key) else { return nil }
        guard range.contains(value) else {
            let name = declared[keyPath: key].spec.name
            throw UsageError(command: command, message: "--\(name) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    /// The option's value, or a usage error saying it is required.
    func required<Value>(_ key: KeyPath<Options, Option<Value>>) throws -> Value {
        guard let value = try value(key) else {
            throw UsageError(command: command, message: "--\(declared[keyPath: key].spec.name) is required")
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
}
