import XCTest
@testable import ReviewRoom
import TestSupport

final class KeymapTests: XCTestCase {
    let map = Keymap.standard

    /// The issue's default keys, by context.
    func testEveryDefaultKeyOfTheContractIsBound() {
        let expected: [(String, KeyContext, Command)] = [
            ("Right", .navigate, .nextFrame), ("l", .navigate, .nextFrame), ("Left", .navigate, .previousFrame),
            ("h", .navigate, .previousFrame), ("S-Right", .navigate, .forward10), ("L", .navigate, .forward10),
            ("S-Left", .navigate, .back10), ("H", .navigate, .back10), ("PageDown", .navigate, .forward100),
            ("PageUp", .navigate, .back100), ("Home", .navigate, .firstFrame), ("End", .navigate, .lastFrame),
            ("g", .navigate, .goToFrame), ("]", .navigate, .nextSeed), ("[", .navigate, .previousSeed),
            ("}", .navigate, .nextPending), ("{", .navigate, .previousPending),
            ("n", .navigate, .newBox), ("Right", .draw, .right), ("S-Right", .draw, .right8), ("S-Up", .draw, .up8),
            ("Enter", .draw, .confirmStep), ("Esc", .draw, .leave),
            ("Tab", .navigate, .selectNext), ("S-Tab", .navigate, .selectPrevious), ("Tab", .edit, .selectNext),
            ("Left", .edit, .left), ("Down", .edit, .down), ("S-Right", .edit, .growRight), ("L", .edit, .growRight),
            ("H", .edit, .shrinkRight), ("J", .edit, .growDown), ("K", .edit, .shrinkDown), ("S-Down", .edit, .growDown),
            ("C-Left", .edit, .growLeft), ("C-Up", .edit, .growUp), ("C-Right", .edit, .shrinkLeft), ("C-Down", .edit, .shrinkUp),
            (",", .edit, .toggleFine), (",", .draw, .toggleFine), ("Delete", .edit, .deleteBox), ("d", .edit, .deleteBox),
            ("1", .edit, .label1), ("9", .edit, .label9), ("3", .navigate, .label3), ("o", .edit, .newObject), ("o", .navigate, .newObject),
            ("z", .navigate, .zoom), ("z", .edit, .zoom), ("z", .draw, .zoom), ("Left", .pan, .left),
            ("u", .navigate, .undo), ("C-r", .navigate, .redo), ("u", .edit, .undo), ("u", .review, .undo),
            ("t", .navigate, .train), ("T", .navigate, .cancelTraining), ("T", .review, .cancelTraining),
            ("r", .navigate, .openReview), ("a", .review, .accept), ("x", .review, .reject), ("e", .review, .editAccept),
            ("A", .review, .acceptAll), ("s", .review, .toggleSort), ("Esc", .review, .leave),
            ("E", .navigate, .export), ("?", .navigate, .help), ("?", .review, .help), ("y", .confirm, .yes), ("n", .confirm, .no),
        ]
        for (name, context, command) in expected {
            let key = Key(name: name)!
            XCTAssertEqual(map.command(for: key, in: context), command, "\(name) in \(context)")
        }
    }

    func testQuitIsBoundInEveryContextAndEscNeverCancelsTraining() {
        for context in KeyContext.allCases {
            XCTAssertEqual(map.command(for: .char("q"), in: context), .quit, "q in \(context)")
            XCTAssertNotEqual(map.command(for: .escape, in: context), .cancelTraining)
        }
    }

    func testNoKeyMeansTwoThingsInOneContext() {
        for context in KeyContext.allCases {
            var seen: [Key: Command] = [:]
            for binding in map.bindings where binding.contexts.contains(context) {
                for key in binding.keys {
                    XCTAssertNil(seen[key], "\(key) is both \(seen[key].map { $0.rawValue } ?? "") and \(binding.command.rawValue) in \(context)")
                    seen[key] = binding.command
                }
            }
        }
    }

    func testEveryCommandHasAKeyAndHelp() {
        for command in Command.allCases {
            let binding = map.binding(command)
            XCTAssertNotNil(binding, "\(command) is missing from the table")
            XCTAssertFalse(binding?.keys.isEmpty ?? true, "\(command) has no key")
            XCTAssertFalse(binding?.help.isEmpty ?? true)
        }
    }

    func testHelpOverlayListsEveryBoundKey() {
        let help = map.helpLines()
        for binding in map.bindings {
            let line = help.first { $0.contains(" \(binding.command.rawValue) ") }
            XCTAssertNotNil(line, "\(binding.command.rawValue) is not in the help")
            // The keys column is what comes before the command's name.
            let keysColumn = line.map { String($0[..<$0.range(of: " \(binding.command.rawValue) ")!.lowerBound]) } ?? ""
            let listed = Set(keysColumn.split(separator: " ").map(String.init))
            for key in binding.keys {
                XCTAssertTrue(listed.contains(key.description), "\(key) of \(binding.command.rawValue) is not in the help")
            }
        }
    }

    func testHelpScreenShowsEveryKeyWhenScrolled() throws {
        let store = FakeStore()
        var state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: 100, rows: 30, graphics: .blocks)
        _ = state.handle(.key(.char("?")))
        var seen = ""
        for _ in 0..<20 {
            seen += View.compose(state).text
            _ = state.handle(.key(.pageDown))
        }
        for binding in map.bindings {
            XCTAssertTrue(seen.contains(binding.command.rawValue), "\(binding.command.rawValue) never appears on the help screen")
        }
        _ = state.handle(.key(.char("x")))
        XCTAssertEqual(state.mode, .navigate, "any other key closes the help")
    }

    func testKeyNamesRoundTrip() {
        for key in map.allKeys {
            XCTAssertEqual(Key(name: key.description), key, key.description)
        }
        XCTAssertEqual(Key(name: "c-R"), .ctrl("R"))
        XCTAssertEqual(Key(name: "space"), .char(" "))
        XCTAssertNil(Key(name: "Hyper-x"))
        XCTAssertNil(Key(name: "F13x"))
    }

    func testUserBindingsOverride() throws {
        let config = try ReviewConfig.parse("""
            # my keys
            theme okabe-ito
            bind f next-frame      # like CVAT
            bind d previous-frame
            bind x accept
            unbind E
            bind # help
            """)
        XCTAssertEqual(config.theme, "okabe-ito")
        let custom = map.applying(config)
        XCTAssertEqual(custom.command(for: .char("f"), in: .navigate), .nextFrame)
        XCTAssertEqual(custom.command(for: .right, in: .navigate), .nextFrame, "defaults stay")
        XCTAssertEqual(custom.command(for: .char("d"), in: .navigate), .previousFrame)
        XCTAssertEqual(custom.command(for: .char("d"), in: .edit), .deleteBox, "other contexts keep their meaning")
        XCTAssertEqual(custom.command(for: .char("x"), in: .review), .accept)
        XCTAssertNotEqual(custom.binding(.reject)?.keys.contains(.char("x")), true, "x no longer rejects")
        XCTAssertNil(custom.command(for: .char("E"), in: .navigate))
        XCTAssertEqual(custom.command(for: .char("#"), in: .navigate), .help)
        XCTAssertTrue(custom.helpLines().contains { $0.contains("f") && $0.contains("next-frame") })
    }

    func testConfigErrorsNameTheLine() {
        XCTAssertThrowsError(try ReviewConfig.parse("theme dark\nbind f fly", path: "/c")) { error in
            XCTAssertEqual(error as? ReviewRoomError, .invalidConfig(path: "/c", line: 2, detail: "unknown command 'fly'; the help overlay (?) lists them"))
            XCTAssertTrue("\(error)".hasPrefix("/c:2:"))
        }
        XCTAssertThrowsError(try ReviewConfig.parse("bind Hyper-x quit"))
        XCTAssertThrowsError(try ReviewConfig.parse("colour red"))
    }

    func testConfigFileFromXDG() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ["XDG_CONFIG_HOME": dir.path, "HOME": "/nonexistent"]
        let url = try XCTUnwrap(ReviewConfig.defaultURL(environment: env))
        XCTAssertEqual(url.path, dir.path + "/microlabel/config")
        XCTAssertEqual(try ReviewConfig.load(from: url), ReviewConfig(), "a missing file is an empty config")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "bind w new-box\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ReviewConfig.load(from: url).bindings, [.bind(.char("w"), .newBox)])
        XCTAssertEqual(ReviewConfig.defaultURL(environment: ["HOME": "/home/u"])?.path, "/home/u/.config/microlabel/config")
    }
}
