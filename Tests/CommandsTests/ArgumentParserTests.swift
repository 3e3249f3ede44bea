@testable import Commands
import TestSupport
import XCTest

/// The argument parser on its own: typed option keys, their help, and the usage errors (exit 2)
/// that name what was wrong.
final class ArgumentParserTests: XCTestCase {
    private struct Options: OptionGroup {
        let verbose = Flag("verbose", "Say more.")
        let name = Option<String>("name", "TEXT", "A name.")
        let count = Option.integer("count", "N", range: 1...10, "How many.")
        let ratio = Option.number("ratio", "R", range: 0...1, "A share.")
        let tags = Option.list("tags", "LIST", "Comma-separated tags.")
    }

    private let spec = CommandSpec(name: "try", summary: "A test command.", usage: "FILE [--verbose] [--name TEXT] [--count N] [--ratio R] [--tags LIST]",
                                   positionals: [("FILE", "A file.")], options: Options.declarations)

    private func parse(_ words: [String]) throws -> ParsedArguments<Options> {
        try ParsedArguments<Options>(words, spec: spec)
    }

    /// The usage error's message, failing the test when the words parse (or fail otherwise).
    private func usageMessage(_ words: [String], file: StaticString = #filePath, line: UInt = #line,
                              lookup: (ParsedArguments<Options>) throws -> Void = { _ in }) -> String {
        do {
            try lookup(try parse(words))
            XCTFail("\(words) was accepted", file: file, line: line)
            return ""
        } catch let error as UsageError {
            XCTAssertEqual(error.command, "try", file: file, line: line)
            return error.message
        } catch {
            XCTFail("\(words): \(error) is not a usage error", file: file, line: line)
            return ""
        }
    }

    func testDeclarationsAreTheGroupsPropertiesInOrder() {
        XCTAssertEqual(Options.declarations.map(\.name), ["verbose", "name", "count", "ratio", "tags"])
        XCTAssertEqual(Options.declarations.map(\.value), [nil, "TEXT", "N", "R", "LIST"])
    }

    func testFlagsValuesAndPositionals() throws {
        let parsed = try parse(["a.txt", "--verbose", "--name", "rabbit", "--count", "3", "--ratio", "0.25", "--tags", " x, ,y "])
        XCTAssertEqual(parsed.positionals, ["a.txt"])
        XCTAssertTrue(parsed.flag(\.verbose))
        XCTAssertEqual(try parsed.value(\.name), "rabbit")
        XCTAssertEqual(try parsed.value(\.count), 3)
        XCTAssertEqual(try parsed.value(\.ratio), 0.25)
        XCTAssertEqual(try parsed.value(\.tags), ["x", "y"])
        XCTAssertEqual(try parsed.positional(0, "FILE"), "a.txt")
    }

    func testAbsentOptionsAreNilAndFlagsFalse() throws {
        let parsed = try parse([])
        XCTAssertFalse(parsed.flag(\.verbose))
        XCTAssertNil(try parsed.value(\.name))
        XCTAssertNil(try parsed.value(\.count))
        XCTAssertNil(try parsed.value(\.tags))
        XCTAssertEqual(usageMessage([], lookup: { _ = try $0.positional(0, "FILE") }), "missing FILE")
        XCTAssertEqual(usageMessage([], lookup: { _ = try $0.required(\.name) }), "--name is required")
    }

    func testInlineValuesAndDashes() throws {
        let parsed = try parse(["--name=a=b", "--count=4", "--", "--verbose"])
        XCTAssertEqual(try parsed.value(\.name), "a=b")
        XCTAssertEqual(try parsed.value(\.count), 4)
        XCTAssertFalse(parsed.flag(\.verbose), "after --, words are positionals")
        XCTAssertEqual(parsed.positionals, ["--verbose"])
        XCTAssertEqual(try parse(["--name", "-3"]).value(\.name), "-3", "a negative number is a value")
        XCTAssertEqual(try parse(["-"]).positionals, ["-"], "a lone dash is a positional")
        XCTAssertEqual(try parse(["--name="]).value(\.name), "", "an empty inline value is a value")
    }

    func testUnknownOptionsAreNamed() {
        XCTAssertEqual(usageMessage(["--colour", "red"]), "unknown option '--colour'")
        XCTAssertEqual(usageMessage(["--colour=red"]), "unknown option '--colour'")
        XCTAssertEqual(usageMessage(["-v"]), "unknown option '-v' (options start with --)")
    }

    func testMissingValueRepeatedOptionAndFlagWithValue() {
        XCTAssertEqual(usageMessage(["--name"]), "--name needs a value (TEXT)")
        XCTAssertEqual(usageMessage(["--name", "a", "--name", "b"]), "--name is given twice")
        XCTAssertEqual(usageMessage(["--name=a", "--name", "b"]), "--name is given twice")
        XCTAssertEqual(usageMessage(["--verbose=yes"]), "--verbose takes no value")
        XCTAssertEqual(usageMessage(["a", "b"]), "unexpected argument 'b'")
    }

    func testBadNumbersNameTheOption() {
        XCTAssertEqual(usageMessage(["--count", "three"], lookup: { _ = try $0.value(\.count) }),
                       "--count must be a whole number, not 'three'")
        XCTAssertEqual(usageMessage(["--count", "11"], lookup: { _ = try $0.value(\.count) }),
                       "--count must be between 1 and 10, not 11")
        XCTAssertEqual(usageMessage(["--ratio", "nan"], lookup: { _ = try $0.value(\.ratio) }),
                       "--ratio must be a number, not 'nan'")
        XCTAssertEqual(usageMessage(["--ratio", "1.5"], lookup: { _ = try $0.value(\.ratio) }),
                       "--ratio must be between 0.0 and 1.0, not 1.5")
        XCTAssertEqual(usageMessage(["--count", "5"], lookup: { _ = try $0.value(\.count, range: 1...4) }),
                       "--count must be between 1 and 4, not 5")
    }

    func testHelpListsEveryDeclaredOption() {
        let help = spec.helpText
        for option in Options.declarations {
            XCTAssertTrue(help.contains("--\(option.name)" + (option.value.map { " \($0)" } ?? "")), option.name)
            XCTAssertTrue(help.contains(option.help), option.name)
        }
    }

    /// Every command's options: named once, and shown in its usage line and its help.
    func testEveryCommandsOptionsAppearInItsUsageAndHelp() {
        XCTAssertEqual(Set(CommandRegistry.all.map(\.spec.name)).count, CommandRegistry.all.count)
        for command in CommandRegistry.all {
            let spec = command.spec
            let names = spec.options.map(\.name)
            XCTAssertEqual(Set(names).count, names.count, "\(spec.name) declares an option twice")
            XCTAssertFalse(names.contains("help"), "\(spec.name): --help is everyone's")
            for option in spec.options {
                XCTAssertTrue(spec.usage.contains("--\(option.name)"), "'\(spec.name)' usage lacks --\(option.name)")
                XCTAssertTrue(spec.helpText.contains("--\(option.name)"), "'\(spec.name)' help lacks --\(option.name)")
            }
        }
    }

    /// Through `main`, as the shell sees it: exit status 2 and a message naming the option.
    func testUnknownOptionExitsWithUsageStatus() throws {
        let result = try runMicrolabel(["info", "p.microlabel", "--jsn"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("unknown option '--jsn'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("microlabel info --help"), result.stderr)
        let bad = try runMicrolabel(["propagate", "p.microlabel", "--threads", "many"])
        XCTAssertEqual(bad.status, 1, "the project is opened first: \(bad.stderr)")
        XCTAssertEqual(Microlabel.main(["seed", "p.microlabel", "--frame"]), 2)
    }
}
