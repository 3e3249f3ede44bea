import Geometry
import Foundation
import Imaging
import struct TerminalGraphics.PixelSize

/// How a piece of text is coloured; the driver maps roles to colour pairs of the theme.
public enum Role: Int, Sendable, Hashable, CaseIterable {
    case normal, dim, accent, title, status, highlight, warning
    case seed, pending, accepted, rejected, cut, cursor
    /// Timeline frames whose pending box the model is sure of, half sure of, unsure of.
    case confidenceHigh, confidenceMedium, confidenceLow
}

/// The text of the screen as cells, drawn by the driver with curses (which
/// sends only what changed). The frame area is left blank: images go there.
public struct ScreenText: Sendable, Hashable {
    public struct Cell: Sendable, Hashable {
        public var character: Character
        public var role: Role
    }
    public let columns: Int
    public let rows: Int
    public private(set) var cells: [Cell]

    public init(columns: Int, rows: Int) {
        self.columns = max(columns, 0)
        self.rows = max(rows, 0)
        cells = Array(repeating: Cell(character: " ", role: .normal), count: self.columns * self.rows)
    }

    /// Writes `text` from a cell, clipped to `width` cells and the screen's edge.
    public mutating func put(_ text: String, column: Int, row: Int, role: Role = .normal, width: Int? = nil) {
        guard row >= 0, row < rows else { return }
        let end = min(columns, column + (width ?? columns))
        var c = column
        for ch in text {
            if c >= end { break }
            if c >= 0 { cells[row * columns + c] = Cell(character: ch, role: role) }
            c += 1
        }
    }

    /// Fills a row segment with one role (e.g. the status bar's background).
    public mutating func fill(row: Int, from column: Int = 0, width: Int? = nil, role: Role) {
        put(String(repeating: " ", count: max(0, width ?? columns - column)), column: column, row: row, role: role, width: width)
    }

    public subscript(column: Int, row: Int) -> Cell { cells[row * columns + column] }

    /// One row as plain text, trailing spaces kept.
    public func line(_ row: Int) -> String {
        String(cells[(row * columns)..<((row + 1) * columns)].map(\.character))
    }

    /// Puts an invisible no-break space in each row of `area`, at a column that
    /// differs from row to row, so no two of those rows are ever equal.
    ///
    /// curses moves lines that reappear elsewhere by scrolling the terminal, and a
    /// scroll drags pictures with it (leaving a stripe of the old picture behind).
    /// Lines that never repeat are never scrolled.
    public mutating func markRows(of area: CellRect) {
        guard area.columns > 0 else { return }
        for row in area.row..<min(area.maxRow, rows) {
            let column = area.column + row % area.columns
            guard column < columns, self[column, row].character == " " else { continue }
            cells[row * columns + column] = Cell(character: "\u{00A0}", role: self[column, row].role)
        }
    }

    /// The whole screen as plain text.
    public var text: String { (0..<rows).map(line).joined(separator: "\n") }
}

/// Builds the screen from the state. Pure: the same state (and link note) gives the same screen.
public enum View {
    /// `linkNote` is the painter's word on the link (`link 9.8 Mbit/s`), shown in the status line;
    /// it belongs to the drawing path, not to the room's state.
    public static func compose(_ state: ReviewState, linkNote: String? = nil) -> ScreenText {
        let layout = state.layout
        var screen = ScreenText(columns: state.columns, rows: state.rows)
        if layout.tooSmall {
            tooSmall(&screen, state)
            return screen
        }
        if case .help(let scroll, _) = state.mode {
            help(&screen, state, scroll: scroll)
            return screen
        }
        // Separator between the frame and the panel.
        for r in layout.panel.row..<layout.panel.maxRow {
            screen.put("│", column: layout.panel.column - 1, row: r, role: .dim)
        }
        if state.mode.base == .review {
            reviewPanel(&screen, state, layout.panel)
            if let tiles = state.galleryTiles { galleryCaptions(&screen, state, tiles) }
        } else {
            panel(&screen, state, layout.panel)
        }
        if state.project.frameCount == 0 {
            screen.put("This project has no frames.", column: 2, row: 1, role: .warning)
        }
        timeline(&screen, state, layout.timeline)
        messageLine(&screen, state, row: layout.messageRow)
        statusLine(&screen, state, linkNote: linkNote, row: layout.statusRow)
        return screen
    }

    // MARK: Parts

    static func tooSmall(_ s: inout ScreenText, _ state: ReviewState) {
        let lines = [
            "Terminal too small",
            "\(state.columns)x\(state.rows); microlabel needs at least \(Layout.minimumColumns)x\(Layout.minimumRows).",
            "Enlarge the window, or press \(state.keymap.keyHint(.quit)) to quit.",
        ]
        let top = max(0, (state.rows - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            s.put(line, column: max(0, (state.columns - line.count) / 2), row: top + i, role: i == 0 ? .warning : .normal)
        }
    }

    static func help(_ s: inout ScreenText, _ state: ReviewState, scroll: Int) {
        let lines = state.keymap.helpLines()
        s.fill(row: 0, role: .status)
        s.put(" microlabel keys  │ \(state.keymap.hintLine(.help))  (other keys close)", column: 0, row: 0, role: .status)
        let visible = max(1, state.rows - 2)
        let first = min(scroll, max(0, lines.count - visible))
        for (i, line) in lines.dropFirst(first).prefix(visible).enumerated() {
            let isTitle = !line.hasPrefix(" ") && !line.isEmpty && !line.contains(":")
            s.put(line, column: 1, row: 1 + i, role: isTitle ? .title : .normal)
        }
        let shown = "lines \(first + 1)-\(min(lines.count, first + visible)) of \(lines.count)"
        s.put(shown, column: max(0, state.columns - shown.count - 1), row: state.rows - 1, role: .dim)
    }

    static func panel(_ s: inout ScreenText, _ state: ReviewState, _ area: CellRect) {
        var row = area.row
        let col = area.column + 1, width = area.columns - 1
        func line(_ text: String, _ role: Role = .normal) {
            guard row < area.maxRow else { return }
            s.put(text, column: col, row: row, role: role, width: width)
            row += 1
        }
        let p = state.project
        line("LABELS", .title)
        if p.labels.isEmpty { line(" none yet: \(state.keymap.keyHint(.newBox)) draws a box", .dim) }
        for (i, label) in p.labels.prefix(9).enumerated() {
            let current = label.id == state.currentLabel
            line("\(current ? "▸" : " ")\(i + 1) \(label.name)", current ? .highlight : .normal)
        }
        line("OBJECTS", .title)
        let objects = p.objects
        let shownObjects = objects.count > 6 ? Array(objects.suffix(6)) : objects
        if objects.isEmpty { line(" none yet", .dim) }
        if objects.count > 6 { line(" … \(objects.count - 6) more", .dim) }
        for o in shownObjects {
            let current = o.id == state.currentObject
            line("\(current ? "▸" : " ") \(o.name)", current ? .highlight : .normal)
        }
        line("ON THIS FRAME", .title)
        let onFrame = state.boxes.filter { $0.frame == state.frame }
        if onFrame.isEmpty { line(" no boxes", .dim) }
        for box in onFrame.prefix(5) {
            let name = p.object(box.object)?.name ?? "?"
            let conf = box.kind == .pending ? " " + format(box.confidence) : ""
            let mark = box.id == state.selection ? "▸" : " "
            line("\(mark) \(name) \(box.kind.rawValue)\(conf)", role(for: box.kind))
        }
        if let box = state.selectedBox {
            line("  \(box.rect.panelText) px", .accent)
        } else if case .draw(let cursor, let first) = state.mode {
            let at = first.map { "\(BoxRect(corner: $0, corner: cursor))" } ?? "\(Int(cursor.x)),\(Int(cursor.y))"
            line("  \(at) px", .accent)
        }
        line("QUEUE", .title)
        line(" seeds \(p.counts.seed)  pending \(p.counts.pending)")
        line(" accepted \(p.counts.accepted)  rejected \(p.counts.rejected)")
        if let t = p.threshold { line(" threshold \(format(t)): \(p.aboveThreshold) above", .dim) }
        line("MODEL", .title)
        line(" " + trainingText(state.training, state.keymap), state.training.isRunning ? .accent : .normal)
    }

    static func reviewPanel(_ s: inout ScreenText, _ state: ReviewState, _ area: CellRect) {
        var row = area.row
        let col = area.column + 1, width = area.columns - 1
        func line(_ text: String, _ role: Role = .normal) {
            guard row < area.maxRow else { return }
            s.put(text, column: col, row: row, role: role, width: width)
            row += 1
        }
        line("REVIEW", .title)
        for tab in [ReviewKind.pending, .accepted, .rejected] {
            let current = tab == state.review.tab
            line("\(current ? "▸" : " ") \(pad(tab.rawValue, 9)) \(String(state.project.counts[tab]).leftPad(6))", current ? .highlight : .dim)
        }
        line("sort: \(state.review.order.shortName)", .dim)
        let q = state.queue
        let marked = state.review.marked.isEmpty ? "" : ", \(state.review.marked.count) marked"
        line(q.isEmpty ? "empty" : "\(state.review.index + 1) of \(q.count)\(marked)", .dim)
        let slots = max(1, area.maxRow - row - 2)
        let first = max(0, min(state.review.index - slots / 2, q.count - slots))
        for i in first..<min(q.count, first + slots) {
            let box = q[i]
            let name = state.project.object(box.object)?.name ?? "?"
            let mark = state.review.marked.contains(box.id) ? "✗" : " "
            let text = "\(i == state.review.index ? "▸" : " ")\(mark)\(String(box.frame + 1).leftPad(5)) \(format(box.confidence)) \(name)"
            line(text, i == state.review.index ? .highlight : role(for: box.kind))
        }
        row = area.maxRow - 1
        line(trainingText(state.training, state.keymap), state.training.isRunning ? .accent : .dim)
    }

    static func galleryCaptions(_ s: inout ScreenText, _ state: ReviewState, _ tiles: [CellRect]) {
        for (tile, i) in zip(tiles, state.galleryPage) {
            let box = state.queue[i]
            let marked = state.review.marked.contains(box.id)
            let text = "\(marked ? "✗" : " ")\(box.frame + 1) \(format(box.confidence))"
            let role: Role = i == state.review.index ? .highlight : marked ? .rejected : .dim
            s.put(text, column: tile.column, row: tile.maxRow - 1, role: role, width: tile.columns - 1)
        }
    }

    static func timeline(_ s: inout ScreenText, _ state: ReviewState, _ area: CellRect) {
        let t = Timeline(frameCount: state.project.frameCount, width: area.columns)
        let cells = t.cells(state.project.marks)
        let lowest = t.lowest(state.project.lowestPending)
        let cursor = t.cell(forFrame: state.frame)
        for (i, marks) in cells.enumerated() {
            let band = i < lowest.count ? lowest[i].map { ConfidenceBand.of($0, threshold: state.project.threshold) } : nil
            var (glyph, role) = timelineGlyph(marks, pending: band)
            if i == cursor { role = .cursor; if glyph == "─" { glyph = "█" } }
            s.put(String(glyph), column: area.column + i, row: area.row, role: role)
        }
    }

    /// The strongest mark of a timeline cell: seed, cut, pending (by the band of its least
    /// sure box, when known), rejected, accepted.
    static func timelineGlyph(_ marks: FrameMarks, pending band: ConfidenceBand? = nil) -> (Character, Role) {
        if marks.contains(.seed) { return ("◆", .seed) }
        if marks.contains(.sceneCut) { return ("┃", .cut) }
        if marks.contains(.pending) {
            switch band {
            case .high: return ("▫", .confidenceHigh)
            case .medium: return ("▪", .confidenceMedium)
            case .low: return ("▮", .confidenceLow)
            case nil: return ("▪", .pending)
            }
        }
        if marks.contains(.rejected) { return ("×", .rejected) }
        if marks.contains(.accepted) { return ("▬", .accepted) }
        return ("─", .dim)
    }

    static func messageLine(_ s: inout ScreenText, _ state: ReviewState, row: Int) {
        switch state.mode {
        case .prompt(let prompt, _):
            switch prompt.kind {
            case .goToFrame:
                s.put("Go to frame (1-\(state.project.frameCount)): \(prompt.text)▏", column: 0, row: row, role: .accent)
            case .exportFormat(let formats):
                let choices = formats.enumerated().map { "\($0.offset + 1) \($0.element)" }.joined(separator: "  ")
                s.put("Export as: \(choices)   \(state.keymap.keyHint(.leave)) cancels", column: 0, row: row, role: .accent)
            }
            return
        case .confirm(let confirmation, _):
            s.put(confirmation.question, column: 0, row: row, role: .warning)
            return
        default:
            break
        }
        if let message = state.message {
            s.put(message.text, column: 0, row: row, role: message.isError ? .warning : .normal)
        } else if case .running = state.training {
            s.put(trainingText(state.training, state.keymap), column: 0, row: row, role: .accent)
        }
    }

    static func statusLine(_ s: inout ScreenText, _ state: ReviewState, linkNote: String?, row: Int) {
        s.fill(row: row, role: .status)
        var left = " \(state.project.frameCount == 0 ? 0 : state.frame + 1)/\(state.project.frameCount)  \(state.mode.title(state.keymap))"
        if state.zoom > 1 { left += "  \(state.zoom)x" }
        if state.fineSteps { left += "  fine" }
        if case .running(let f, _) = state.training { left += "  training \(Int(f * 100))%" }
        if let linkNote { left += "  \(linkNote)" }
        left += "  │ "
        s.put(left, column: 0, row: row, role: .status)
        let width = max(0, state.columns - left.count)
        let hints = state.keymap.hintLine(state.keyContext, width: width)
        s.put(hints, column: left.count, row: row, role: .status, width: width)
    }

    static func trainingText(_ t: TrainingStatus, _ keymap: Keymap) -> String {
        switch t {
        case .idle: "model idle (\(keymap.keyHint(.train)) trains)"
        case .running(let f, let detail):
            "training \(bar(f, width: 10)) \(Int(f * 100))% \(detail)"
        case .finished(let summary): "trained: \(summary)"
        case .cancelled: "training cancelled"
        case .failed(let message): "training failed: \(message)"
        }
    }

    static func bar(_ fraction: Double, width: Int) -> String {
        let filled = Int((fraction * Double(width)).rounded())
        return String(repeating: "▰", count: filled) + String(repeating: "▱", count: max(0, width - filled))
    }

    static func role(for kind: ReviewKind) -> Role {
        switch kind {
        case .seed: .seed
        case .pending: .pending
        case .accepted: .accepted
        case .rejected: .rejected
        }
    }

    // MARK: Frame overlays

    /// What is drawn over the frame, in the rendered image's dots.
    public static func overlays(_ state: ReviewState, theme: Theme, geometry: FrameGeometry) -> [ViewOverlay] {
        var result: [ViewOverlay] = []
        let names = Dictionary(uniqueKeysWithValues: state.project.objects.map { ($0.id, $0.name) })
        for box in state.boxes where box.frame == state.frame {
            let color = state.colorByObject ? theme.color(forObject: box.object) : theme.color(for: box.kind)
            let selected = box.id == state.selection
            var tag = names[box.object] ?? ""
            if box.kind == .pending { tag += " " + format(box.confidence) }
            result.append(ViewOverlay(shape: .box(geometry.imageRect(box.rect), tag: tag), color: selected ? theme.selected : color, emphasized: selected))
        }
        if case .draw(let cursor, let first) = state.mode {
            if let first {
                result.append(ViewOverlay(shape: .box(geometry.imageRect(BoxRect(corner: first, corner: cursor)), tag: nil), color: theme.selected, emphasized: true))
            }
            result.append(ViewOverlay(shape: .crosshair(geometry.imagePoint(cursor)), color: theme.selected))
        }
        return result
    }

    /// The fewest source pixels a gallery crop spans each way, so a tiny box still shows what
    /// is around it.
    public static let minimumCrop = 32.0

    /// A gallery crop: the box with a margin of half its size on each side (at least
    /// `minimumCrop` pixels across), widened to the tile's shape and kept inside the frame.
    /// The tile draws it at its own size, so a small box is scaled up.
    public static func cropRegion(_ box: BoxRect, frame: PixelSize, aspect: Double) -> BoxRect {
        var w = max(box.width * 2, minimumCrop), h = max(box.height * 2, minimumCrop)
        if w / h < aspect { w = h * aspect } else { h = w / aspect }
        w = min(w, Double(frame.width))
        h = min(h, Double(frame.height))
        let c = box.center
        let x = min(max(c.x - w / 2, 0), Double(frame.width) - w)
        let y = min(max(c.y - h / 2, 0), Double(frame.height) - h)
        return BoxRect(x: x, y: y, width: w, height: h)
    }
}

extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
