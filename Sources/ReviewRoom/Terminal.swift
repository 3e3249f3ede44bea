import CNcursesw
import Foundation
import enum TerminalGraphics.TerminalGuard

/// What the room's drawing needs from a terminal: text screens (sent as the difference to
/// what shows), raw bytes beside them (pictures, queries), and events with the answers to the
/// queries that came with them. `CursesTerminal` is the real one; tests use a recording double.
protocol RoomTerminal: AnyObject {
    /// Whether text may carry UTF-8 (row markers need it to stay invisible).
    var isUTF8: Bool { get }
    /// Waits up to `timeout` milliseconds for one event (not at all when `wait` is false).
    func readEvent(wait: Bool, timeout: Int32) -> Event?
    /// How many DA1 answers came since the last call.
    func takeAnswers() -> Int
    /// Puts a composed screen in place; `refresh` sends what changed.
    func draw(_ text: ScreenText)
    /// The next refresh repaints every cell (which also erases every picture).
    func invalidateAll()
    func refresh()
    func write(_ bytes: [UInt8])
    func flush()
}

extension RoomTerminal {
    func write(_ text: String) { write(Array(text.utf8)) }
}

/// The one place that talks to curses: start and stop, keys and mouse, text
/// with colour roles, and raw bytes (images) written beside curses.
final class CursesTerminal: RoomTerminal {
    private let window: UnsafeMutablePointer<WINDOW>
    private let screen: OpaquePointer
    private var attributes: [Role: Int32] = [:]
    /// Key codes of modified arrows, found in terminfo or defined by us.
    private var extraKeys: [Int32: Key] = [:]
    private var mouseDown = false

    init(theme: Theme, noColor: Bool) throws {
        setlocale(LC_ALL, "")
        guard ml_is_tty(0) == 1, ml_is_tty(1) == 1 else { throw ReviewRoomError.notATerminal }
        if let problem = TerminalRequirements.problem(term: ProcessInfo.processInfo.environment["TERM"]) {
            throw ReviewRoomError.unsuitableTerminal(problem)
        }
        // The user's tty modes, for a signal to restore (curses keeps its own copy for endwin).
        var userModes = termios()
        let haveModes = tcgetattr(STDIN_FILENO, &userModes) == 0
        guard let screen = ml_newterm() else {
            throw ReviewRoomError.cursesFailed(term: ProcessInfo.processInfo.environment["TERM"] ?? "unset")
        }
        self.screen = screen
        set_term(screen)
        window = ml_stdscr()!
        raw()
        noecho()
        nonl()
        keypad(window, true)
        // Never move text by scrolling the terminal: that would drag pictures along.
        idlok(window, false)
        scrollok(window, false)
        set_escdelay(25)
        curs_set(0)
        wtimeout(window, 40)
        // The mouse is read here, not by ncurses: ncurses 6.4 drops the press that follows
        // a release when motion is reported (measured in xterm 379). SGR reports (1006)
        // of presses, drags (1002) and releases are parsed in `readEscape`.
        keyok(ml_key_mouse(), false)
        TerminalGuard.arm(descriptor: STDIN_FILENO, modes: haveModes ? userModes : nil, resetBytes: TerminalGuard.roomResetBytes)
        write("\u{1B}[?1000h\u{1B}[?1002h\u{1B}[?1006h")
        flush()
        defineModifiedArrows()
        setUpColors(theme: theme, noColor: noColor)
    }

    func stop() {
        write("\u{1B}[?1006l\u{1B}[?1002l\u{1B}[?1000l")
        flush()
        endwin()
        delscreen(screen)
        TerminalGuard.disarm()
    }

    var size: (columns: Int, rows: Int) { (Int(ml_cols()), Int(ml_lines())) }

    /// Whether the locale's character set is UTF-8.
    var isUTF8: Bool {
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    // MARK: Keys

    private func defineModifiedArrows() {
        // xterm style (ESC [ 1 ; mod X) and rxvt style, for terminals whose terminfo lacks them.
        let sequences: [(String, Key)] = [
            ("\u{1B}[1;2A", Key.up.shifted), ("\u{1B}[1;2B", Key.down.shifted),
            ("\u{1B}[1;2C", Key.right.shifted), ("\u{1B}[1;2D", Key.left.shifted),
            ("\u{1B}[1;5A", Key.up.controlled), ("\u{1B}[1;5B", Key.down.controlled),
            ("\u{1B}[1;5C", Key.right.controlled), ("\u{1B}[1;5D", Key.left.controlled),
            ("\u{1B}[a", Key.up.shifted), ("\u{1B}[b", Key.down.shifted),
            ("\u{1B}[c", Key.right.shifted), ("\u{1B}[d", Key.left.shifted),
            ("\u{1B}Oa", Key.up.controlled), ("\u{1B}Ob", Key.down.controlled),
            ("\u{1B}Oc", Key.right.controlled), ("\u{1B}Od", Key.left.controlled),
            ("\u{1B}[Z", Key.backTab),
        ]
        // Our own codes, well above those ncurses gives terminfo's extended keys.
        var next = ml_key_max() + 1000
        for (sequence, key) in sequences {
            let code = key_defined(sequence)
            if code > 0 {
                extraKeys[code] = key
            } else if code == 0 {
                if define_key(sequence, next) == ml_ok() {
                    extraKeys[next] = key
                    next += 1
                }
            }
        }
        // Codes terminfo already names (kRIT5 and friends).
        let known: [String: Key] = [
            "kUP": Key.up.shifted, "kDN": Key.down.shifted, "kRIT": Key.right.shifted, "kLFT": Key.left.shifted,
            "kUP5": Key.up.controlled, "kDN5": Key.down.controlled, "kRIT5": Key.right.controlled, "kLFT5": Key.left.controlled,
        ]
        for code in (ml_key_max() + 1)..<(ml_key_max() + 600) {
            guard extraKeys[code] == nil, let name = keyname(code).map({ String(cString: $0) }) else { continue }
            if let key = known[name] { extraKeys[code] = key }
        }
    }

    /// Waits up to `timeout` milliseconds for one event (not at all when `wait` is false);
    /// nil when nothing came.
    func readEvent(wait: Bool, timeout: Int32 = 40) -> Event? {
        wtimeout(window, wait ? timeout : 0)
        var code = wgetch(window)
        while code != ml_err() {
            if let event = decode(code) { return event }
            // An answer to a query, or a sequence that is not ours: look at what follows.
            wtimeout(window, 0)
            code = wgetch(window)
        }
        return nil
    }

    /// Answers to DA1 queries read since the last call.
    private var answers = 0

    /// How many DA1 answers came since the last call (see `Painter`'s pacing).
    func takeAnswers() -> Int {
        defer { answers = 0 }
        return answers
    }

    private func decode(_ code: Int32) -> Event? {
        if let key = extraKeys[code] { return .key(key) }
        switch code {
        case ml_key_resize(): return .resize(columns: size.columns, rows: size.rows)
        case ml_key_up(): return .key(.up)
        case ml_key_down(): return .key(.down)
        case ml_key_left(): return .key(.left)
        case ml_key_right(): return .key(.right)
        case ml_key_sr(): return .key(Key.up.shifted)
        case ml_key_sf(): return .key(Key.down.shifted)
        case ml_key_sleft(): return .key(Key.left.shifted)
        case ml_key_sright(): return .key(Key.right.shifted)
        case ml_key_home(): return .key(.home)
        case ml_key_end(): return .key(.end)
        case ml_key_npage(): return .key(.pageDown)
        case ml_key_ppage(): return .key(.pageUp)
        case ml_key_dc(): return .key(.delete)
        case ml_key_btab(): return .key(.backTab)
        case ml_key_backspace(), 127, 8: return .key(.backspace)
        case ml_key_enter(), 10, 13: return .key(.enter)
        case 9: return .key(.tab)
        case 27: return readEscape()
        case 1...26: return .key(.ctrl(Character(UnicodeScalar(UInt8(code) + 96))))
        case 32...126: return .key(.char(Character(UnicodeScalar(UInt8(code)))))
        default: return nil
        }
    }

    /// After ESC: a mouse report (`ESC [ < b ; x ; y M|m`), or the Escape key.
    private func readEscape() -> Event? {
        wtimeout(window, 0)
        let next = wgetch(window)
        guard next == 91 else {  // "["
            if next != ml_err() { ungetch(next) }
            return .key(.escape)
        }
        let marker = wgetch(window)
        if marker == 63 {  // "?": a device attributes answer, `ESC [ ? 6 3 ; ... c`
            wtimeout(window, 50)  // the rest of an answer split on the way is close behind
            defer { wtimeout(window, 0) }
            while true {
                let c = wgetch(window)
                if c == ml_err() || !(48...59).contains(c) {
                    if c == 99 { answers += 1 }  // "c"
                    return nil
                }
            }
        }
        guard marker == 60 else { return nil }  // "<"; other CSI sequences are not ours
        var fields: [Int] = [0]
        while true {
            let c = wgetch(window)
            switch c {
            case 48...57: fields[fields.count - 1] = fields[fields.count - 1] * 10 + Int(c - 48)
            case 59: fields.append(0)
            case 77, 109: return mouseEvent(fields, released: c == 109)  // "M" press or motion, "m" release
            default: return nil
            }
        }
    }

    private func mouseEvent(_ fields: [Int], released: Bool) -> Event? {
        guard fields.count == 3 else { return nil }
        let button = fields[0], column = fields[1] - 1, row = fields[2] - 1
        if button & 64 != 0 {
            return .mouse(MouseEvent(button & 1 == 0 ? .wheelUp : .wheelDown, column: column, row: row))
        }
        guard button & 3 == 0 else { return nil }  // the left button only
        if released {
            mouseDown = false
            return .mouse(MouseEvent(.release, column: column, row: row))
        }
        if button & 32 != 0 {
            return mouseDown ? .mouse(MouseEvent(.drag, column: column, row: row)) : nil
        }
        mouseDown = true
        return .mouse(MouseEvent(.press, column: column, row: row))
    }

    // MARK: Text

    private func setUpColors(theme: Theme, noColor: Bool) {
        let plain: [Role: Int32] = [
            .title: ml_a_bold(), .status: ml_a_reverse(), .highlight: ml_a_reverse(), .warning: ml_a_bold(),
            .cursor: ml_a_reverse(), .dim: ml_a_dim(), .seed: ml_a_bold(),
        ]
        guard !noColor, has_colors(), start_color() == ml_ok() else {
            for role in Role.allCases { attributes[role] = plain[role] ?? ml_a_normal() }
            return
        }
        use_default_colors()
        let many = ml_colors() >= 256
        for (i, role) in Role.allCases.enumerated() {
            let (fg, bg) = Palette.colors(role, theme)
            let pair = Int16(i + 1)
            init_pair(pair, Int16(many ? Palette.xterm256(fg) : Palette.ansi8(fg)), Int16(many ? Palette.xterm256(bg) : Palette.ansi8(bg)))
            var attr = ml_color_pair(Int32(pair))
            if role == .title || role == .warning { attr |= ml_a_bold() }
            attributes[role] = attr
        }
        ml_bkgd(window, attributes[.normal] ?? 0)
    }

    /// Puts the composed screen into curses' buffer (curses sends only the difference).
    func draw(_ text: ScreenText) {
        werase(window)
        for row in 0..<text.rows {
            var column = 0
            while column < text.columns {
                let role = text[column, row].role
                var run = ""
                var end = column
                while end < text.columns, text[end, row].role == role {
                    run.append(text[end, row].character)
                    end += 1
                }
                // The bottom-right cell cannot be written without scrolling in some terminals.
                if row == text.rows - 1, end == text.columns { run.removeLast() }
                if !run.isEmpty {
                    ml_attrset(window, attributes[role] ?? 0)
                    ml_move_addstr(window, Int32(row), Int32(column), run)
                }
                column = end
            }
        }
        ml_attrset(window, 0)
    }

    /// The next refresh clears the terminal and repaints every cell, which also
    /// erases every picture (after a resize, or when pictures move).
    func invalidateAll() {
        clearok(window, true)
    }

    func refresh() {
        wnoutrefresh(window)
        doupdate()
    }

    // MARK: Raw output

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { ml_write_raw($0, buffer.count) }
        }
    }

    func flush() { ml_flush() }
}
