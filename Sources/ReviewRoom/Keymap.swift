/// Where a key is read: each mode of the screen has its own keys.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case navigate, draw, edit, pan, review, gallery, confirm, prompt, help

    var title: String {
        switch self {
        case .navigate: "Navigate"
        case .draw: "Drawing a box"
        case .edit: "Editing a box"
        case .pan: "Zoom and pan"
        case .review: "Review queue"
        case .gallery: "Gallery (the review queue as crops, a page at a time)"
        case .confirm: "Confirmation"
        case .prompt: "Prompt"
        case .help: "Help"
        }
    }
}

extension Mode {
    /// The keys that apply in this mode.
    public var context: KeyContext {
        switch self {
        case .navigate: .navigate
        case .draw: .draw
        case .edit: .edit
        case .pan: .pan
        case .review: .review
        case .prompt: .prompt
        case .confirm: .confirm
        case .help: .help
        }
    }

    /// Shown in the status line; names keys as `keymap` binds them.
    public func title(_ keymap: Keymap) -> String {
        switch self {
        case .navigate: "NAVIGATE"
        case .draw(_, let first): first == nil ? "DRAW: first corner" : "DRAW: second corner"
        case .edit(let s): s.fromReview ? "EDIT, \(keymap.keyHint(.confirmStep)) accepts (changed: a seed)" : "EDIT"
        case .pan: "PAN"
        case .review: "REVIEW"
        case .prompt: "PROMPT"
        case .confirm: "CONFIRM"
        case .help: "HELP"
        }
    }
}

/// Every named command of the review room. The raw value is the name used in
/// the config file (`bind KEY COMMAND`) and the help overlay.
public enum Command: String, Sendable, Hashable, CaseIterable {
    case quit, help, train = "train", cancelTraining = "cancel-training"
    case undo, redo, export, openReview = "review", toggleFine = "fine-steps"
    case toggleBoxColors = "box-colors", zoom
    case nextFrame = "next-frame", previousFrame = "previous-frame"
    case forward10 = "forward-10", back10 = "back-10", forward100 = "forward-100", back100 = "back-100"
    case firstFrame = "first-frame", lastFrame = "last-frame", goToFrame = "go-to-frame"
    case nextSeed = "next-seed", previousSeed = "previous-seed"
    case nextPending = "next-pending", previousPending = "previous-pending"
    case newBox = "new-box", selectNext = "select-next", selectPrevious = "select-previous"
    case label1 = "label-1", label2 = "label-2", label3 = "label-3", label4 = "label-4", label5 = "label-5"
    case label6 = "label-6", label7 = "label-7", label8 = "label-8", label9 = "label-9"
    case newObject = "new-object"
    case left, right, up, down
    case left8 = "left-8", right8 = "right-8", up8 = "up-8", down8 = "down-8"
    case growRight = "grow-right", shrinkRight = "shrink-right", growDown = "grow-down", shrinkDown = "shrink-down"
    case growLeft = "grow-left", shrinkLeft = "shrink-left", growUp = "grow-up", shrinkUp = "shrink-up"
    case deleteBox = "delete-box"
    case confirmStep = "enter", leave = "leave"
    case accept, reject, editAccept = "edit-accept", acceptAll = "accept-all", toggleSort = "sort"
    case nextTab = "next-tab", previousTab = "previous-tab", gallery
    case mark, acceptPage = "accept-page", rejectMarked = "reject-marked"
    case nextDraw = "next-draw"
    case queueNext = "queue-next", queuePrevious = "queue-previous", queueDown = "queue-down", queueUp = "queue-up"
    case queuePageDown = "queue-page-down", queuePageUp = "queue-page-up"
    case yes, no
    case submit, erase
    case scrollDown = "scroll-down", scrollUp = "scroll-up", scrollPageDown = "scroll-page-down", scrollPageUp = "scroll-page-up"

    /// 1...9 for the label commands.
    var labelNumber: Int? {
        switch self {
        case .label1: 1
        case .label2: 2
        case .label3: 3
        case .label4: 4
        case .label5: 5
        case .label6: 6
        case .label7: 7
        case .label8: 8
        case .label9: 9
        default: nil
        }
    }
}

/// One row of the key table: a command, its keys, where it applies, and how it is shown —
/// a line on the help screen, and a word or two in the status line of the modes it is
/// hinted in (the status line shows the first key of each, in table order).
public struct KeyBinding: Sendable, Hashable {
    public var command: Command
    public var keys: [Key]
    public var contexts: Set<KeyContext>
    public var help: String
    /// The status line's text for the command, by mode; a mode without one does not show it.
    public var hints: [KeyContext: String] = [:]
    /// How soon each hint gives way when the status line is too narrow for all: 0 (the
    /// default) last, spare 2 before spare 1.
    public var spare: [KeyContext: Int] = [:]

    public init(command: Command, keys: [Key], contexts: Set<KeyContext>, help: String, hints: [KeyContext: String] = [:]) {
        self.command = command
        self.keys = keys
        self.contexts = contexts
        self.help = help
        self.hints = hints
    }

    /// The same binding, shown in the status line as `text` in `contexts` (default: all of its
    /// own); a `spare` hint gives way on a narrow line (see `Keymap.hints(in:width:)`).
    public func hint(_ text: String, in contexts: Set<KeyContext>? = nil, spare: Int = 0) -> KeyBinding {
        var b = self
        for c in contexts ?? self.contexts where self.contexts.contains(c) {
            b.hints[c] = text
            b.spare[c] = spare
        }
        return b
    }
}

/// The one table from keys to commands. It answers key presses, and makes the help screen,
/// the status-line hints and every key named in a message; user bindings from the config
/// file change it, and with it all of those.
public struct Keymap: Sendable, Hashable {
    public private(set) var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) { self.bindings = bindings }

    /// The command `key` runs in `context`, if any.
    public func command(for key: Key, in context: KeyContext) -> Command? {
        for binding in bindings where binding.contexts.contains(context) && binding.keys.contains(key) {
            return binding.command
        }
        return nil
    }

    public func binding(_ command: Command) -> KeyBinding? {
        bindings.first { $0.command == command }
    }

    /// The first key of `command` as a message or hint shows it (`→` for Right), or the
    /// command's name when no key is bound to it.
    public func keyHint(_ command: Command) -> String {
        binding(command)?.keys.first?.symbol ?? command.rawValue
    }

    /// The status line's hints in `context`: the first key and the hint text of each
    /// binding hinted there that has a key, in table order.
    public func hints(in context: KeyContext) -> [(key: String, text: String)] {
        hints(in: context, width: .max)
    }

    /// The hints of `context` that fit in `width` columns, joined as `hintLine` joins them. When
    /// not all fit, the sparest give way a whole level at a time (spare 2, then spare 1), and the
    /// help key, when it works here and is not hinted already, says that there are more keys;
    /// if even the hints that are never spare do not fit, the last of them go.
    public func hints(in context: KeyContext, width: Int) -> [(key: String, text: String)] {
        func length(_ hints: [(key: String, text: String)]) -> Int {
            hints.reduce(0) { $0 + $1.key.count + 1 + $1.text.count } + 2 * max(0, hints.count - 1)
        }
        let all = bindings.compactMap { binding -> (hint: (key: String, text: String), spare: Int, command: Command)? in
            guard let text = binding.hints[context], let key = binding.keys.first else { return nil }
            return ((key.symbol, text), binding.spare[context] ?? 0, binding.command)
        }
        if length(all.map(\.hint)) <= width { return all.map(\.hint) }
        var more: [(key: String, text: String)] = []
        if let help = binding(.help), help.contexts.contains(context), let key = help.keys.first,
           !all.contains(where: { $0.command == .help }) {
            more = [(key.symbol, "more")]
        }
        var shown = all.map(\.hint)
        for level in Set(all.map(\.spare)).sorted(by: >).dropLast() where length(shown + more) > width {
            shown = all.filter { $0.spare < level }.map(\.hint)
        }
        while !shown.isEmpty && length(shown + more) > width { shown.removeLast() }
        return shown + more
    }

    /// The hints of `context` as one line: `Enter go  Esc leave`, cut to `width` as `hints` cuts them.
    public func hintLine(_ context: KeyContext, width: Int = .max) -> String {
        hints(in: context, width: width).map { "\($0.key) \($0.text)" }.joined(separator: "  ")
    }

    /// Binds `key` to `command` in all of the command's contexts; the key stops meaning
    /// anything else there. The user's key comes first, so hints and messages show it.
    public mutating func bind(_ key: Key, to command: Command) {
        guard let target = bindings.firstIndex(where: { $0.command == command }) else { return }
        let contexts = bindings[target].contexts
        for i in bindings.indices where !bindings[i].contexts.isDisjoint(with: contexts) {
            bindings[i].keys.removeAll { $0 == key }
        }
        bindings[target].keys.insert(key, at: 0)
    }

    /// Removes `key` from every command.
    public mutating func unbind(_ key: Key) {
        for i in bindings.indices { bindings[i].keys.removeAll { $0 == key } }
    }

    /// Every key bound in any context.
    public var allKeys: Set<Key> { Set(bindings.flatMap(\.keys)) }

    /// The default keys; part of microlabel's contract. The order is that of the help
    /// screen's sections and of the status-line hints.
    public static let standard: Keymap = {
        let everywhere = Set(KeyContext.allCases)
        let working: Set<KeyContext> = [.navigate, .draw, .edit, .pan, .review]
        let nav: Set<KeyContext> = [.navigate, .pan]
        let cursor: Set<KeyContext> = [.draw, .edit, .pan]
        let labels: Set<KeyContext> = [.navigate, .edit]
        func b(_ c: Command, _ keys: [Key], _ ctx: Set<KeyContext>, _ help: String) -> KeyBinding {
            KeyBinding(command: c, keys: keys, contexts: ctx, help: help)
        }
        let digits: [Command] = [.label1, .label2, .label3, .label4, .label5, .label6, .label7, .label8, .label9]
        var rows: [KeyBinding] = [
            b(.nextFrame, [.right, .char("l")], [.navigate], "Next frame").hint("frame"),
            b(.previousFrame, [.left, .char("h")], [.navigate], "Previous frame"),
            b(.forward10, [Key.right.shifted, .char("L")], [.navigate], "Forward 10 frames"),
            b(.back10, [Key.left.shifted, .char("H")], [.navigate], "Back 10 frames"),
            b(.forward100, [.pageDown], nav, "Forward 100 frames"),
            b(.back100, [.pageUp], nav, "Back 100 frames"),
            b(.firstFrame, [.home], nav, "First frame"),
            b(.lastFrame, [.end], nav, "Last frame"),
            b(.goToFrame, [.char("g")], nav, "Go to a frame number"),
            b(.nextSeed, [.char("]")], nav, "Next seed"),
            b(.previousSeed, [.char("[")], nav, "Previous seed"),
            b(.nextPending, [.char("}")], nav, "Next pending proposal"),
            b(.previousPending, [.char("{")], nav, "Previous pending proposal"),
            b(.left, [.left], cursor, "Move left one step"),
            b(.right, [.right], cursor, "Move right one step").hint("move", in: [.draw, .edit]).hint("pan", in: [.pan]),
            b(.up, [.up], cursor, "Move up one step"),
            b(.down, [.down], cursor, "Move down one step"),
            b(.left8, [Key.left.shifted], [.draw, .pan], "Move left 8 steps"),
            b(.right8, [Key.right.shifted], [.draw, .pan], "Move right 8 steps").hint("8x", in: [.draw], spare: 1),
            b(.up8, [Key.up.shifted], [.draw, .pan], "Move up 8 steps"),
            b(.down8, [Key.down.shifted], [.draw, .pan], "Move down 8 steps"),
            b(.growRight, [Key.right.shifted, .char("L")], [.edit], "Bottom-right corner right").hint("size"),
            b(.shrinkRight, [Key.left.shifted, .char("H")], [.edit], "Bottom-right corner left"),
            b(.growDown, [Key.down.shifted, .char("J")], [.edit], "Bottom-right corner down"),
            b(.shrinkDown, [Key.up.shifted, .char("K")], [.edit], "Bottom-right corner up"),
            b(.growLeft, [Key.left.controlled], [.edit], "Top-left corner left").hint("top-left", spare: 1),
            b(.shrinkLeft, [Key.right.controlled], [.edit], "Top-left corner right"),
            b(.growUp, [Key.up.controlled], [.edit], "Top-left corner up"),
            b(.shrinkUp, [Key.down.controlled], [.edit], "Top-left corner down"),
            b(.newBox, [.char("n")], [.navigate, .pan], "Draw a new box (crosshair at the centre)").hint("box", in: [.navigate]),
            b(.nextDraw, [.char("N")], [.navigate, .pan, .review],
              "Go to the frame and object where one drawn box is expected to save the most review").hint("next", in: [.navigate], spare: 1),
            b(.selectNext, [.tab], [.navigate, .edit, .pan], "Select the next box on this frame").hint("select", in: [.navigate], spare: 2),
            b(.selectPrevious, [.backTab], [.navigate, .edit, .pan], "Select the previous box on this frame"),
        ]
        for (i, c) in digits.enumerated() {
            rows.append(b(c, [.char(Character(String(i + 1)))], labels, "Label \(i + 1) (current label, or the selected box's)"))
        }
        rows += [
            b(.newObject, [.char("o")], labels, "A new object of the current label (or for the selected box)"),
            b(.confirmStep, [.enter], [.draw, .edit], "Fix the corner / finish the box / finish editing")
                .hint("corner", in: [.draw]).hint("done", in: [.edit]),
            b(.deleteBox, [.delete, .char("d")], [.edit], "Delete the selected box").hint("delete"),
            // In the gallery the page's own keys come first; one box at a time gives way before them.
            b(.accept, [.char("a")], [.review, .gallery], "Accept the proposal")
                .hint("accept", in: [.review]).hint("accept", in: [.gallery], spare: 1),
            b(.reject, [.char("x")], [.review, .gallery], "Reject the proposal")
                .hint("reject", in: [.review]).hint("reject", in: [.gallery], spare: 1),
            b(.mark, [.char("m"), .char(" ")], [.review, .gallery], "Mark or unmark the box under the cursor for rejection")
                .hint("mark", in: [.gallery]),
            b(.acceptPage, [.char("p")], [.gallery], "Accept every box on the page that is not marked").hint("accept page"),
            b(.rejectMarked, [.char("X")], [.review, .gallery], "Reject the marked boxes").hint("reject marked", in: [.gallery]),
            b(.editAccept, [.char("e")], [.review], "Edit the proposal, then accept it with Enter").hint("edit", spare: 1),
            b(.acceptAll, [.char("A")], [.review], "Accept what reaches the expected precision target (asks first, with how many are expected wrong)")
                .hint("accept all", spare: 1),
            b(.toggleSort, [.char("s")], [.review], "Sort: confidence lowest first, highest first, by frame").hint("sort", spare: 2),
            b(.nextTab, [.tab], [.review], "Next tab: pending, accepted, rejected").hint("tab", spare: 2),
            b(.previousTab, [.backTab], [.review], "Previous tab"),
            b(.gallery, [.char("v")], [.review, .gallery], "Gallery of crops around the boxes (pixel terminals); again: one at a time")
                .hint("gallery", in: [.review], spare: 1).hint("single", in: [.gallery]),
            b(.queueNext, [.right, .char("l")], [.review], "Next in the queue"),
            b(.queuePrevious, [.left, .char("h")], [.review], "Previous in the queue"),
            b(.queueDown, [.down, .char("j")], [.review], "Next (gallery: one row down)"),
            b(.queueUp, [.up, .char("k")], [.review], "Previous (gallery: one row up)"),
            b(.queuePageDown, [.pageDown], [.review, .gallery], "One page on").hint("page", in: [.gallery], spare: 1),
            b(.queuePageUp, [.pageUp], [.review], "One page back"),
            b(.yes, [.char("y"), .enter], [.confirm], "Yes").hint("yes"),
            b(.no, [.char("n"), .escape], [.confirm], "No").hint("no"),
            b(.submit, [.enter], [.prompt], "Go to the typed frame (other keys type: digits, or a listed choice)").hint("go"),
            b(.erase, [.backspace], [.prompt], "Erase the last typed character").hint("erase"),
            b(.scrollDown, [.down, .char("j")], [.help], "Scroll down a line").hint("scroll"),
            b(.scrollUp, [.up, .char("k")], [.help], "Scroll up a line"),
            b(.scrollPageDown, [.pageDown, .char(" ")], [.help], "Scroll down a page").hint("page"),
            b(.scrollPageUp, [.pageUp], [.help], "Scroll up a page"),
            b(.zoom, [.char("z")], [.navigate, .draw, .edit, .pan, .review], "Zoom to the selection or cursor: 2x, 4x, fit")
                .hint("zoom", in: [.navigate, .draw], spare: 2).hint("zoom", in: [.pan]),
            b(.toggleFine, [.char(",")], [.navigate, .draw, .edit, .pan], "Toggle fine steps of one source pixel").hint("fine", in: [.draw, .edit], spare: 2),
            b(.toggleBoxColors, [.char("c")], [.navigate, .edit, .review, .pan], "Colour boxes by kind or by object"),
            b(.openReview, [.char("r")], [.navigate, .pan], "Open the review queue").hint("review", in: [.navigate]),
            b(.train, [.char("t")], working, "Train and propagate in the background for objects whose seeds changed").hint("train", in: [.navigate], spare: 1),
            b(.cancelTraining, [.char("T")], working, "Cancel training (Esc never does)"),
            b(.undo, [.char("u")], [.navigate, .edit, .pan, .review], "Undo the last edit").hint("undo", in: [.navigate], spare: 1),
            b(.redo, [.ctrl("r")], [.navigate, .edit, .pan, .review], "Redo"),
            b(.export, [.char("E")], [.navigate, .review], "Export the labels"),
            b(.leave, [.escape], [.draw, .edit, .pan, .review, .prompt, .help], "Leave this mode (never cancels training)")
                .hint("cancel", in: [.draw, .prompt]).hint("leave", in: [.edit, .pan, .review]).hint("close", in: [.help]),
            b(.help, [.char("?")], everywhere.subtracting([.prompt]), "Show this help (in the help: close it)").hint("help", in: [.navigate, .pan]),
            b(.quit, [.char("q"), .ctrl("c")], everywhere, "Quit (nothing is ever unsaved; running training stops)")
                .hint("quit", in: [.navigate, .confirm, .help]),
        ]
        // The gallery is the review queue shown a page at a time: the queue's keys work there
        // too, with the same hints unless a row gives the gallery its own.
        for i in rows.indices where rows[i].contexts.contains(.review) {
            rows[i].contexts.insert(.gallery)
            if rows[i].hints[.gallery] == nil, let hint = rows[i].hints[.review] {
                rows[i].hints[.gallery] = hint
                rows[i].spare[.gallery] = rows[i].spare[.review]
            }
        }
        return Keymap(bindings: rows)
    }()

    /// Lines of the help screen: one section per context, one line per command with its keys.
    public func helpLines() -> [String] {
        var lines: [String] = []
        for context in KeyContext.allCases {
            let rows = bindings.filter { $0.contexts.contains(context) && !$0.keys.isEmpty }
            guard !rows.isEmpty else { continue }
            lines.append(context.title)
            for row in rows {
                let keys = row.keys.map(\.description).joined(separator: " ")
                lines.append("  " + pad(keys, 16) + " " + pad(row.command.rawValue, 17) + " " + row.help)
            }
            lines.append("")
        }
        lines.append("Mouse: click selects a box, drag draws or moves one, wheel steps frames")
        return lines
    }
}

extension Key {
    /// The key as hints show it: arrows as arrows, other keys by name.
    public var symbol: String {
        let arrow: String? = switch base {
        case .right: "→"
        case .left: "←"
        case .up: "↑"
        case .down: "↓"
        default: nil
        }
        guard let arrow else { return description }
        return (ctrl ? "C-" : "") + (shift ? "S-" : "") + arrow
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
