/// What the user asked for with `--graphics` or MICROLABEL_GRAPHICS.
public enum GraphicsChoice: Sendable, Equatable {
    /// Probe the terminal and decide.
    case auto
    /// Use this mode; nothing is sent to the terminal to find out.
    case explicit(GraphicsMode)

    /// Parses `auto|sixel|kitty|blocks|ascii`; `source` names where the value came from.
    public init(parsing value: String, source: String) throws {
        let word = value.lowercased()
        if word == "auto" {
            self = .auto
        } else if let mode = GraphicsMode(rawValue: word) {
            self = .explicit(mode)
        } else {
            throw TerminalGraphicsError.unknownGraphicsMode(value, source: source)
        }
    }

    /// The flag wins over the environment variable; neither means auto.
    public static func resolve(flag: String?, environment: TerminalEnvironment) throws -> GraphicsChoice {
        if let flag { return try GraphicsChoice(parsing: flag, source: "--graphics") }
        if let value = environment.graphicsOverride, !value.isEmpty {
            return try GraphicsChoice(parsing: value, source: "MICROLABEL_GRAPHICS")
        }
        return .auto
    }
}

/// The environment variables that say something about the terminal.
public struct TerminalEnvironment: Sendable, Equatable {
    public var term: String?
    public var colorTerm: String?
    public var termProgram: String?
    public var tmux: String?
    public var noColor: Bool
    public var kittyWindowID: String?
    public var graphicsOverride: String?

    public init(_ variables: [String: String]) {
        term = variables["TERM"]
        colorTerm = variables["COLORTERM"]
        termProgram = variables["TERM_PROGRAM"]
        tmux = variables["TMUX"]
        // no-color.org: set and not empty.
        noColor = !(variables["NO_COLOR"] ?? "").isEmpty
        kittyWindowID = variables["KITTY_WINDOW_ID"]
        graphicsOverride = variables["MICROLABEL_GRAPHICS"]
    }

    public var insideTmux: Bool { !(tmux ?? "").isEmpty }
    public var dumb: Bool { term == "dumb" }

    /// Colours that text output may use.
    public var colourDepth: ColourDepth {
        if noColor || dumb { return .none }
        let colorTerm = (colorTerm ?? "").lowercased()
        if colorTerm == "truecolor" || colorTerm == "24bit" { return .trueColour }
        if ["xterm-kitty", "xterm-ghostty", "wezterm"].contains(term ?? "") { return .trueColour }
        return .palette256
    }

    /// The terminal names itself as one that speaks the kitty graphics protocol.
    var kittyByName: Bool {
        ["xterm-kitty", "xterm-ghostty"].contains(term ?? "") || (termProgram ?? "").lowercased() == "ghostty" || kittyWindowID != nil
    }
}

/// The terminal's size from TIOCGWINSZ; pixel sides are 0 when the terminal does not fill them.
public struct WindowSize: Sendable, Equatable {
    public var columns: Int
    public var rows: Int
    public var pixelWidth: Int
    public var pixelHeight: Int
    public init(columns: Int, rows: Int, pixelWidth: Int = 0, pixelHeight: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.pixelWidth = pixelWidth
        self.pixelHeight = pixelHeight
    }
}

/// Everything the probe found out, before deciding.
public struct ProbeResult: Sendable, Equatable {
    /// Replies to the queries; nil when no query was sent (no terminal, or an explicit choice).
    /// Inside tmux these are tmux's own.
    public var replies: ProbeReplies?
    /// Inside tmux with passthrough: the outer terminal's replies.
    public var outerReplies: ProbeReplies?
    public var windowSize: WindowSize?
    /// `tmux show -gv allow-passthrough` is on; nil outside tmux or when tmux did not say.
    public var tmuxPassthrough: Bool?
    public var environment: TerminalEnvironment

    public init(replies: ProbeReplies?, outerReplies: ProbeReplies? = nil, windowSize: WindowSize?, tmuxPassthrough: Bool?,
                environment: TerminalEnvironment) {
        self.replies = replies
        self.outerReplies = outerReplies
        self.windowSize = windowSize
        self.tmuxPassthrough = tmuxPassthrough
        self.environment = environment
    }
}

/// The mode to draw with, its settings, and why, in words `microlabel doctor` can print.
public struct GraphicsDecision: Sendable, Equatable {
    public var mode: GraphicsMode
    public var colourDepth: ColourDepth
    public var colourRegisters: Int
    /// Pixels per cell: from `CSI 16 t`, else TIOCGWINSZ, else 10x20.
    public var cellSize: PixelSize
    /// The terminal gave no usable cell size: `cellSize` is the 10x20 guess.
    public var cellSizeAssumed = false
    /// Wrap pixel-protocol output for tmux passthrough.
    public var tmuxPassthrough: Bool
    public var reasons: [String]

    /// The renderer for this decision.
    public func renderer() -> any TerminalRenderer {
        makeRenderer(mode, colourDepth: colourDepth, colourRegisters: colourRegisters, tmuxPassthrough: tmuxPassthrough)
    }

    /// The cell area for `columns` x `rows` cells with the detected cell size.
    public func area(columns: Int, rows: Int) -> CellArea {
        CellArea(columns: columns, rows: rows, cellWidth: cellSize.width, cellHeight: cellSize.height)
    }
}

/// Chooses the graphics mode from the probe's findings and the user's choice.
public func decideGraphics(_ probe: ProbeResult, choice: GraphicsChoice) -> GraphicsDecision {
    let environment = probe.environment
    let replies = probe.replies
    let outer = probe.outerReplies
    var reasons: [String] = []

    // Cell size, best source first.
    var cellSize = PixelSize(width: 10, height: 20)
    var cellSizeAssumed = false
    if let unusable = outer?.unusableCellSize ?? replies?.unusableCellSize {
        reasons.append("the terminal answered CSI 16 t with '\(unusable)', which is not a cell size (sides of 2 to \(PixelSize.largestCell) px): ignored")
    }
    let window = probe.windowSize.flatMap { $0.columns > 0 && $0.rows > 0 ? $0 : nil }
    let fromWindow = window.flatMap { window in
        window.pixelWidth > 0 && window.pixelHeight > 0
            ? PixelSize(width: window.pixelWidth / window.columns, height: window.pixelHeight / window.rows) : nil
    }
    let fromArea = window.flatMap { window in
        replies?.textAreaSize.map { PixelSize(width: $0.width / window.columns, height: $0.height / window.rows) }
    }
    if let cell = outer?.cellSize ?? replies?.cellSize {
        cellSize = cell
        reasons.append("cell size \(cell) from the terminal's answer to CSI 16 t")
    } else if let window, let cell = fromWindow, cell.isPlausibleCell {
        cellSize = cell
        reasons.append("cell size \(cellSize) from TIOCGWINSZ (\(window.pixelWidth)x\(window.pixelHeight) px over \(window.columns)x\(window.rows) cells)")
    } else if let area = replies?.textAreaSize, let cell = fromArea, cell.isPlausibleCell {
        cellSize = cell
        reasons.append("cell size \(cellSize) from the text area (CSI 14 t, \(area))")
    } else {
        cellSizeAssumed = true
        if let cell = fromWindow, !cell.isPlausibleCell {
            reasons.append("TIOCGWINSZ gives \(cell) per cell, which is not a cell size: ignored")
        }
        reasons.append("no usable cell size; assuming \(cellSize)")
    }

    let registers = min(256, max(2, outer?.colourRegisters ?? replies?.colourRegisters ?? 256))
    let depth = environment.colourDepth
    let inTmux = environment.insideTmux
    let passthrough = inTmux && probe.tmuxPassthrough == true
    func decision(_ mode: GraphicsMode, passthrough: Bool = false) -> GraphicsDecision {
        GraphicsDecision(mode: mode, colourDepth: depth, colourRegisters: registers, cellSize: cellSize,
                         cellSizeAssumed: cellSizeAssumed, tmuxPassthrough: passthrough, reasons: reasons)
    }

    if case let .explicit(mode) = choice {
        reasons.insert("\(mode) chosen explicitly (--graphics or MICROLABEL_GRAPHICS); the terminal was not queried", at: 0)
        if inTmux && (mode == .sixel || mode == .kitty) {
            reasons.append(passthrough || probe.tmuxPassthrough == nil
                ? "inside tmux: \(mode) output is wrapped for passthrough"
                : "inside tmux with allow-passthrough off: \(mode) may not reach the terminal (tmux set -g allow-passthrough on)")
            return decision(mode, passthrough: true)
        }
        if mode == .blocks && depth == .none {
            // Blocks are nothing without colour; NO_COLOR and TERM=dumb get the ASCII ramp.
            reasons.append(environment.noColor ? "NO_COLOR is set: ASCII without colour instead of blocks" : "TERM=dumb: ASCII without colour instead of blocks")
            return decision(.ascii)
        }
        return decision(mode)
    }

    let textMode: GraphicsMode = depth == .none ? .ascii : .blocks
    let textReason = depth == .none
        ? (environment.noColor ? "NO_COLOR is set: ASCII without colour" : "TERM=dumb: ASCII without colour")
        : "text output in \(depth == .trueColour ? "24-bit colour (COLORTERM)" : "the 256-colour palette")"

    guard let replies else {
        reasons.insert("no terminal to ask (output is not a terminal): \(textMode)", at: 0)
        reasons.append(textReason)
        return decision(textMode)
    }
    if let attributes = replies.primaryAttributes {
        reasons.append("DA1 answered \(attributes.map(String.init).joined(separator: ";"))\(replies.sixel ? " (4 = sixel)" : " (no 4: no sixel)")")
    } else {
        reasons.append("the terminal did not answer DA1 within the timeout")
    }
    if let count = replies.colourRegisters { reasons.append("XTSMGRAPHICS: \(count) colour registers") }
    if let geometry = replies.sixelGeometry { reasons.append("XTSMGRAPHICS: sixel images up to \(geometry)") }

    if inTmux {
        if replies.sixel {
            // tmux built with sixel support says so in its own DA1 and draws sixel itself.
            reasons.insert("inside tmux, which reports sixel support itself: sixel", at: 0)
            return decision(.sixel)
        }
        if passthrough, let outer {
            if let attributes = outer.primaryAttributes {
                reasons.append("through tmux passthrough, the outer terminal answered DA1 \(attributes.map(String.init).joined(separator: ";"))")
            }
            if outer.kittyGraphics || (!outer.complete && environment.kittyByName) {
                reasons.insert("inside tmux with allow-passthrough on, the outer terminal speaks kitty graphics: kitty via passthrough", at: 0)
                return decision(.kitty, passthrough: true)
            }
            if outer.sixel {
                reasons.insert("inside tmux with allow-passthrough on, the outer terminal lists sixel in DA1: sixel via passthrough", at: 0)
                return decision(.sixel, passthrough: true)
            }
        }
        let why = probe.tmuxPassthrough == true
            ? "inside tmux: the outer terminal reported neither sixel nor kitty graphics through passthrough; falling back to \(textMode)"
            : "inside tmux without allow-passthrough: falling back to \(textMode) (tmux set -g allow-passthrough on, or --graphics sixel|kitty)"
        reasons.insert(why, at: 0)
        reasons.append(textReason)
        return decision(textMode)
    }
    if replies.kittyGraphics {
        reasons.insert("the terminal answered kitty's graphics query with OK: kitty", at: 0)
        return decision(.kitty)
    }
    if replies.sixel {
        reasons.insert("the terminal lists sixel in DA1: sixel with \(registers) colours", at: 0)
        return decision(.sixel)
    }
    if !replies.complete && environment.kittyByName {
        reasons.insert("no answer, but TERM/TERM_PROGRAM name a kitty-protocol terminal: kitty", at: 0)
        return decision(.kitty)
    }
    reasons.insert("neither sixel nor kitty graphics reported: \(textMode)", at: 0)
    reasons.append(textReason)
    return decision(textMode)
}
