/// A key press, independent of how the terminal encoded it.
public struct Key: Sendable, Hashable, CustomStringConvertible {
    public enum Base: Sendable, Hashable {
        /// A printable character; its case carries Shift (`A` is Shift+a).
        case char(Character)
        case up, down, left, right
        case pageUp, pageDown, home, end
        case enter, escape, tab, backspace, delete
    }
    public var base: Base
    public var shift: Bool
    public var ctrl: Bool

    public init(_ base: Base, shift: Bool = false, ctrl: Bool = false) {
        self.base = base
        self.shift = shift
        self.ctrl = ctrl
    }

    public static func char(_ c: Character) -> Key { Key(.char(c)) }
    /// Ctrl plus a letter, e.g. `Key.ctrl("r")`.
    public static func ctrl(_ c: Character) -> Key { Key(.char(c), ctrl: true) }

    public static let up = Key(.up), down = Key(.down), left = Key(.left), right = Key(.right)
    public static let enter = Key(.enter), escape = Key(.escape), tab = Key(.tab)
    public static let backTab = Key(.tab, shift: true)
    public static let pageUp = Key(.pageUp), pageDown = Key(.pageDown), home = Key(.home), end = Key(.end)
    public static let delete = Key(.delete), backspace = Key(.backspace)

    public var shifted: Key { Key(base, shift: true, ctrl: ctrl) }
    public var controlled: Key { Key(base, shift: shift, ctrl: true) }

    /// The name used in the config file and the help overlay: `Right`, `S-Right`, `C-r`, `a`, `A`, `Space`.
    public var description: String {
        var prefix = ""
        if ctrl { prefix += "C-" }
        if shift { prefix += "S-" }
        switch base {
        case .char(" "): return prefix + "Space"
        case .char(let c): return prefix + String(c)
        case .up: return prefix + "Up"
        case .down: return prefix + "Down"
        case .left: return prefix + "Left"
        case .right: return prefix + "Right"
        case .pageUp: return prefix + "PageUp"
        case .pageDown: return prefix + "PageDown"
        case .home: return prefix + "Home"
        case .end: return prefix + "End"
        case .enter: return prefix + "Enter"
        case .escape: return prefix + "Esc"
        case .tab: return prefix + "Tab"
        case .backspace: return prefix + "Backspace"
        case .delete: return prefix + "Delete"
        }
    }

    /// Parses a key name as written by `description` (case-insensitive for named keys).
    public init?(name: String) {
        var rest = Substring(name)
        var shift = false, ctrl = false
        while rest.count > 2, rest.dropFirst().first == "-" {
            switch rest.first {
            case "C", "c": ctrl = true
            case "S", "s": shift = true
            default: return nil
            }
            rest = rest.dropFirst(2)
        }
        let named: [String: Base] = [
            "up": .up, "down": .down, "left": .left, "right": .right,
            "pageup": .pageUp, "pgup": .pageUp, "pagedown": .pageDown, "pgdn": .pageDown,
            "home": .home, "end": .end, "enter": .enter, "return": .enter,
            "esc": .escape, "escape": .escape, "tab": .tab, "backspace": .backspace,
            "delete": .delete, "del": .delete, "space": .char(" "),
        ]
        if rest.count == 1, let c = rest.first {
            self.init(.char(c), shift: shift, ctrl: ctrl)
        } else if let base = named[rest.lowercased()] {
            self.init(base, shift: shift, ctrl: ctrl)
        } else {
            return nil
        }
    }
}

/// A mouse report, in screen cells.
public struct MouseEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case press, drag, release, wheelUp, wheelDown
    }
    public var kind: Kind
    public var column: Int
    public var row: Int
    public init(_ kind: Kind, column: Int, row: Int) {
        self.kind = kind
        self.column = column
        self.row = row
    }
}

/// Everything the reducer reacts to.
public enum Event: Sendable, Hashable {
    case key(Key)
    case mouse(MouseEvent)
    /// The terminal is now this many columns and rows.
    case resize(columns: Int, rows: Int)
    case training(TrainingEvent)
    /// The driver created an object (and maybe its label) for a pending box or `o`.
    case objectCreated(ObjectID, label: LabelID)
    /// A one-line note from the driver (an export summary, an undo description).
    case info(String)
    /// A store or engine call failed; the message says what and where.
    case failure(String)
    /// The store changed under the room (a write failed half-way, or another writer):
    /// read it again.
    case storeChanged
    /// The snapshot as read from the store (`Effect.loadSnapshot`).
    case snapshotLoaded(ProjectSnapshot)
    /// The boxes of one frame as read from the store (`Effect.loadBoxes`).
    case boxesLoaded(frame: Int, [ReviewBox])
    /// A review queue as read from the store (`Effect.loadQueue`).
    case queueLoaded(QueueKey, [ReviewBox])
    /// The keys have paused (`ReviewSession.idleDelay`) and a training engine is there:
    /// corrections waiting for training (`ReviewState.retrainDue`) start a pass.
    case idle
    /// Where to draw next, as the store answered `Effect.findNextDraw`.
    case nextDrawFound(NextDrawAnswer)
}

extension Event {
    /// A key or the mouse: what the user did, as opposed to what the room read or heard.
    var isInput: Bool {
        switch self {
        case .key, .mouse: true
        default: false
        }
    }
}
