import Geometry
import XCTest
@testable import ReviewRoom
import struct TerminalGraphics.PixelSize

/// The key table is the one source of the keys, the help screen and the status-line hints:
/// these tests change the table (or apply user bindings) and look at what the screen shows.
final class KeyTableTests: XCTestCase {
    let columns = 220, rows = 50

    /// A state with a project read in, a seed on frame 0 and a proposal in the queue, in each
    /// mode the table knows; built from events alone.
    func states(keymap: Keymap = .standard) -> [KeyContext: ReviewState] {
        var project = ProjectSnapshot(frameCount: 40, frameSize: PixelSize(width: 640, height: 360))
        project.labels = [ReviewLabel(id: 1, name: "car")]
        project.objects = [ReviewObject(id: 2, label: 1, name: "car 1")]
        project.marks = Array(repeating: [], count: 40)
        project.counts = KindCounts(seed: 1, pending: 1)
        project.threshold = 0.4
        project.aboveThreshold = 1
        var s = ReviewState(project: project, columns: columns, rows: rows, graphics: .blocks, keymap: keymap)
        let seed = ReviewBox(id: 5, frame: 0, object: 2, kind: .seed, rect: BoxRect(x: 10, y: 10, width: 50, height: 40), confidence: 1)
        let proposal = ReviewBox(id: 6, frame: 3, object: 2, kind: .pending, rect: BoxRect(x: 20, y: 10, width: 50, height: 40), confidence: 0.5)
        _ = s.handle(.snapshotLoaded(project))
        _ = s.handle(.boxesLoaded(frame: 0, [seed]))
        func after(_ state: ReviewState, _ commands: Command...) -> ReviewState {
            var state = state
            for c in commands { _ = state.run(c) }
            if state.mode.base == .review { _ = state.handle(.queueLoaded(state.queueKey, [proposal])) }
            return state
        }
        var result: [KeyContext: ReviewState] = [
            .navigate: s, .draw: after(s, .newBox), .edit: after(s, .selectNext), .pan: after(s, .zoom),
            .review: after(s, .openReview), .prompt: after(s, .goToFrame), .help: after(s, .help),
        ]
        result[.confirm] = after(result[.review]!, .acceptAll)
        for (context, state) in result { XCTAssertEqual(state.mode.context, context, "could not reach \(context)") }
        return result
    }

    /// Where the mode's hints are shown: the status line, or the help screen's title row.
    func hintRow(_ state: ReviewState) -> String {
        let screen = View.compose(state)
        if case .help = state.mode { return screen.line(0) }
        return screen.line(rows - 1)
    }

    func testEveryContextIsReachedAndShowsItsFlaggedBindingsInTableOrder() {
        let map = Keymap.standard
        for (context, state) in states() {
            let row = hintRow(state)
            let expected = map.bindings.compactMap { b in b.hints[context].map { "\(b.keys[0].symbol) \($0)" } }
            XCTAssertFalse(expected.isEmpty, "\(context) has no hints")
            var from = row.startIndex
            for hint in expected {
                guard let found = row.range(of: hint, range: from..<row.endIndex) else {
                    XCTFail("\(context): '\(hint)' missing or out of order in: \(row)")
                    break
                }
                from = found.upperBound
            }
            // Bindings without a hint here stay off it.
            for b in map.bindings where b.contexts.contains(context) && b.hints[context] == nil {
                let name = b.keys[0].symbol
                XCTAssertFalse(row.contains("  \(name) ") || row.contains("│ \(name) "),
                               "\(context): \(b.command.rawValue) (\(name)) is not flagged but shows in: \(row)")
            }
        }
    }

    func testAHintAddedToTheTableShowsAndARemovedOneGoes() {
        var bindings = Keymap.standard.bindings
        let redo = bindings.firstIndex { $0.command == .redo }!
        bindings[redo] = bindings[redo].hint("redo", in: [.navigate])
        let undo = bindings.firstIndex { $0.command == .undo }!
        bindings[undo].hints = [:]
        let row = hintRow(states(keymap: Keymap(bindings: bindings))[.navigate]!)
        XCTAssertTrue(row.contains("C-r redo"), row)
        XCTAssertFalse(row.contains("u undo"), row)
    }

    func testHelpScreenListsEveryCommandOfEachContext() {
        let map = Keymap.standard
        let lines = map.helpLines()
        for context in KeyContext.allCases {
            guard let start = lines.firstIndex(of: context.title) else { XCTFail("no section for \(context)"); continue }
            let section = lines[start...].prefix { !$0.isEmpty }
            for b in map.bindings where b.contexts.contains(context) {
                let line = section.first { $0.contains(" \(b.command.rawValue) ") }
                XCTAssertNotNil(line, "\(b.command.rawValue) is missing from the \(context.title) section")
                XCTAssertTrue(line?.contains(b.help) ?? false)
            }
        }
        XCTAssertEqual(Set(map.bindings.map(\.command)), Set(Command.allCases), "every command is in the table")
    }

    func testAUserBindingChangesTheKeyTheHelpTheHintsAndTheMessages() throws {
        let config = try ReviewConfig.parse("""
            bind f next-frame
            bind U undo
            unbind u
            bind C-t train
            bind C-e erase
            bind J scroll-down
            bind C-o enter
            """)
        let map = Keymap.standard.applying(config)
        let shown = states(keymap: map)

        let navigate = hintRow(shown[.navigate]!)
        XCTAssertTrue(navigate.contains("f frame"), navigate)
        XCTAssertTrue(navigate.contains("U undo"), navigate)
        XCTAssertTrue(navigate.contains("C-t train"), navigate)
        XCTAssertFalse(navigate.contains("u undo"), navigate)
        XCTAssertTrue(map.helpLines().contains { $0.hasPrefix("  f Right l ") && $0.contains(" next-frame ") })
        XCTAssertTrue(map.helpLines().contains { $0.hasPrefix("  U ") && $0.contains(" undo ") })
        XCTAssertTrue(View.compose(shown[.navigate]!).text.contains("model idle (C-t trains)"))

        // The key works, and messages name it.
        var s = shown[.navigate]!
        _ = s.handle(.key(.char("f")))
        XCTAssertEqual(s.frame, 1)
        s = shown[.edit]!
        XCTAssertEqual(s.handle(.key(.char("d"))), [.deleteBox(5)])
        XCTAssertEqual(s.message?.text, "box deleted (U undoes)")
        XCTAssertEqual(s.handle(.key(.char("u"))), [], "u is unbound")

        s = shown[.review]!
        _ = s.handle(.key(.char("e")))
        XCTAssertTrue(hintRow(s).contains("EDIT, C-o accepts"), hintRow(s))
        XCTAssertTrue(hintRow(s).contains("C-o done"), hintRow(s))

        // Prompt and help keys are in the table too.
        s = shown[.prompt]!
        for key in [Key.char("1"), .char("2"), .ctrl("e")] { _ = s.handle(.key(key)) }
        guard case .prompt(let prompt, _) = s.mode else { return XCTFail("the prompt closed") }
        XCTAssertEqual(prompt.text, "1")
        XCTAssertTrue(hintRow(s).contains("C-e erase"), hintRow(s))
        s = shown[.help]!
        _ = s.handle(.key(.char("J")))
        XCTAssertEqual(s.mode, .help(scroll: 1, under: .navigate))
        XCTAssertTrue(hintRow(s).contains("J scroll"), hintRow(s))
        _ = s.handle(.key(.char("?")))
        XCTAssertEqual(s.mode, .navigate, "the help key closes the help")
    }
}
