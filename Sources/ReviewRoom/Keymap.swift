/// Where a key is read: each mode of the screen has its own keys.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case navigate, draw, edit, pan, review, confirm, prompt, help

    var title: String {
        switch self {
        case .navigate: "Navigate"
        case .draw: "Drawing a box"
        case .edit: "Editing a box"
        case .pan: "Zoom and pan"
        case .review: "Review queue"
        case .confirm: "Confirmation"
        case .prompt: "Prompt"
        case .help: "Help"
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
    case queueNext = "queue-next", queuePrevious = "queue-previous", queueDown = "queue-down", queueUp = "queue-up"
    case queuePageDown = "queue-page-down", queuePageUp = "queue-page-up"
    case yes, no

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

/// One row of the key table: a command, its keys, where it applies, what it does.
public struct KeyBinding: Sendable, Hashable {
    public var command: Command
    public var keys: [Key]
    public var contexts: Set<KeyContext>
    public var help: String
}

/// The one table from keys to commands. It answers key presses, draws the help
/// overlay and the key hints, and takes user bindings from the config file.
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

    /// The keys of `command`, as shown to the user.
    public func keyNames(_ command: Command) -> [String] {
        binding(command)?.keys.map(\.description) ?? []
    }

    /// Binds `key` to `command` in all of the command's contexts; the key stops
    /// meaning anything else there.
    public mutating func bind(_ key: Key, to command: Command) {
        guard let target = bindings.firstIndex(where: { $0.command == command }) else { return }
        let contexts = bindings[target].contexts
        for i in bindings.indices where i != target && !bindings[i].contexts.isDisjoint(with: contexts) {
            bindings[i].keys.removeAll { $0 == key }
        }
        if !bindings[target].keys.contains(key) { bindings[target].keys.append(key) }
    }

    /// Removes `key` from every command.
    public mutating func unbind(_ key: Key) {
        for i in bindings.indices { bindings[i].keys.removeAll { $0 == key } }
    }

    /// Every key bound in any context.
    public var allKeys: Set<Key> { Set(bindings.flatMap(\.keys)) }

    /// The default keys; part of microlabel's contract.
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
            b(.quit, [.char("q"), .ctrl("c")], everywhere, "Quit (nothing is ever unsaved; running training stops)"),
            b(.help, [.char("?")], everywhere.subtracting([.prompt, .help]), "Show this help"),
            b(.train, [.char("t")], working, "Train and propagate in the background for objects whose seeds changed"),
            b(.cancelTraining, [.char("T")], working, "Cancel training (Esc never does)"),
            b(.undo, [.char("u")], [.navigate, .edit, .pan, .review], "Undo the last edit"),
            b(.redo, [.ctrl("r")], [.navigate, .edit, .pan, .review], "Redo"),
            b(.export, [.char("E")], [.navigate, .review], "Export the labels"),
            b(.openReview, [.char("r")], [.navigate, .pan], "Open the review queue"),
            b(.toggleFine, [.char(",")], [.navigate, .draw, .edit, .pan], "Toggle fine steps of one source pixel"),
            b(.toggleBoxColors, [.char("c")], [.navigate, .edit, .review, .pan], "Colour boxes by kind or by object"),
            b(.zoom, [.char("z")], [.navigate, .draw, .edit, .pan, .review], "Zoom to the selection or cursor: 2x, 4x, fit"),
            b(.nextFrame, [.right, .char("l")], [.navigate], "Next frame"),
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
            b(.newBox, [.char("n")], [.navigate, .pan], "Draw a new box (crosshair at the centre)"),
            b(.selectNext, [.tab], [.navigate, .edit, .pan], "Select the next box on this frame"),
            b(.selectPrevious, [.backTab], [.navigate, .edit, .pan], "Select the previous box on this frame"),
        ]
        for (i, c) in digits.enumerated() {
            rows.append(b(c, [.char(Character(String(i + 1)))], labels, "Label \(i + 1) (current label, or the selected box's)"))
        }
        rows += [
            b(.newObject, [.char("o")], labels, "A new object of the current label (or for the selected box)"),
            b(.left, [.left], cursor, "Move left one step"),
            b(.right, [.right], cursor, "Move right one step"),
            b(.up, [.up], cursor, "Move up one step"),
            b(.down, [.down], cursor, "Move down one step"),
            b(.left8, [Key.left.shifted], [.draw, .pan], "Move left 8 steps"),
            b(.right8, [Key.right.shifted], [.draw, .pan], "Move right 8 steps"),
            b(.up8, [Key.up.shifted], [.draw, .pan], "Move up 8 steps"),
            b(.down8, [Key.down.shifted], [.draw, .pan], "Move down 8 steps"),
            b(.growRight, [Key.right.shifted, .char("L")], [.edit], "Bottom-right corner right"),
            b(.shrinkRight, [Key.left.shifted, .char("H")], [.edit], "Bottom-right corner left"),
            b(.growDown, [Key.down.shifted, .char("J")], [.edit], "Bottom-right corner down"),
            b(.shrinkDown, [Key.up.shifted, .char("K")], [.edit], "Bottom-right corner up"),
            b(.growLeft, [Key.left.controlled], [.edit], "Top-left corner left"),
            b(.shrinkLeft, [Key.right.controlled], [.edit], "Top-left corner right"),
            b(.growUp, [Key.up.controlled], [.edit], "Top-left corner up"),
            b(.shrinkUp, [Key.down.controlled], [.edit], "Top-left corner down"),
            b(.deleteBox, [.delete, .char("d")], [.edit], "Delete the selected box"),
            b(.confirmStep, [.enter], [.draw, .edit], "Fix the corner / finish the box / finish editing"),
            b(.leave, [.escape], [.draw, .edit, .pan, .review, .prompt, .help], "Leave this mode (never cancels training)"),
            b(.accept, [.char("a")], [.review], "Accept the proposal"),
            b(.reject, [.char("x")], [.review], "Reject the proposal"),
            b(.editAccept, [.char("e")], [.review], "Edit the proposal, then accept it with Enter"),
            b(.acceptAll, [.char("A")], [.review], "Accept what reaches expected precision 0.99 (asks first, with how many are expected wrong)"),
            b(.toggleSort, [.char("s")], [.review], "Sort: confidence lowest first, highest first, by frame"),
            b(.nextTab, [.tab], [.review], "Next tab: pending, accepted, rejected"),
            b(.previousTab, [.backTab], [.review], "Previous tab"),
            b(.gallery, [.char("v")], [.review], "Gallery of proposal crops (pixel terminals)"),
            b(.queueNext, [.right, .char("l")], [.review], "Next in the queue"),
            b(.queuePrevious, [.left, .char("h")], [.review], "Previous in the queue"),
            b(.queueDown, [.down, .char("j")], [.review], "Next (gallery: one row down)"),
            b(.queueUp, [.up, .char("k")], [.review], "Previous (gallery: one row up)"),
            b(.queuePageDown, [.pageDown], [.review], "One page on"),
            b(.queuePageUp, [.pageUp], [.review], "One page back"),
            b(.yes, [.char("y"), .enter], [.confirm], "Yes"),
            b(.no, [.char("n"), .escape], [.confirm], "No"),
        ]
        return Keymap(bindings: rows)
    }()

    /// Lines of the help overlay: one section per context, one line per command
    /// with its keys. Prompt keys (digits, Backspace, Enter) are described once.
    public func helpLines() -> [String] {
        var lines: [String] = []
        for context in KeyContext.allCases where context != .prompt {
            let rows = bindings.filter { $0.contexts.contains(context) && !$0.keys.isEmpty }
            guard !rows.isEmpty else { continue }
            lines.append(context.title)
            for row in rows {
                let keys = row.keys.map(\.description).joined(separator: " ")
                lines.append("  " + pad(keys, 16) + " " + pad(row.command.rawValue, 17) + " " + row.help)
            }
            lines.append("")
        }
        lines.append("Prompt: digits or the listed choice, Backspace, Enter; Esc leaves")
        lines.append("Mouse: click selects a box, drag draws or moves one, wheel steps frames")
        return lines
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}
