@testable import ReviewRoom

/// A terminal for screen tests: it keeps what a person would see and what crossed the wire.
///
/// Text is handled as curses does it: `draw` puts a screen in place and `refresh` sends the
/// cells that differ from what shows (all of them after `invalidateAll`). Raw bytes (pictures,
/// queries) are kept as written. Each DA1 query written is answered, as a terminal does once
/// it has taken in the bytes before it; `answersDelayed` holds the answers back.
final class RecordingTerminal: RoomTerminal {
    var isUTF8 = true
    /// Input waiting to be read.
    var input: [Event] = []
    /// Queries are not answered while this is set.
    var answersDelayed = false
    /// What shows on the screen (text), after the last refresh.
    private(set) var screen: ScreenText?
    /// Every byte written beside the text, in order.
    private(set) var written: [UInt8] = []
    /// Text cells sent by refreshes.
    private(set) var cellsSent = 0
    private(set) var refreshes = 0
    /// Where in `written` a refresh cleared the whole screen (curses sends ED 2 for its first
    /// screen, after `invalidateAll` and after a resize), in order.
    private(set) var clears: [Int] = []

    private var pending: ScreenText?
    private var repaintAll = false
    private var queries = 0

    func readEvent(wait: Bool, timeout: Int32) -> Event? {
        input.isEmpty ? nil : input.removeFirst()
    }

    func takeAnswers() -> Int {
        guard !answersDelayed else { return 0 }
        defer { queries = 0 }
        return queries
    }

    func draw(_ text: ScreenText) { pending = text }

    func invalidateAll() { repaintAll = true }

    func refresh() {
        refreshes += 1
        guard let pending else { return }
        if let screen, !repaintAll, screen.columns == pending.columns, screen.rows == pending.rows {
            cellsSent += zip(screen.cells, pending.cells).filter { $0 != $1 }.count
        } else {
            cellsSent += pending.cells.count
            clears.append(written.count)
        }
        screen = pending
        repaintAll = false
    }

    func write(_ bytes: [UInt8]) {
        written += bytes
        let query = Array(Painter.probe.utf8)
        var i = bytes.startIndex
        while let range = bytes[i...].firstRange(of: query) {
            queries += 1
            i = range.upperBound
        }
    }

    func flush() {}

    /// A row of the screen as text.
    func line(_ row: Int) -> String { screen?.line(row) ?? "" }

    /// Bytes written since `mark` (a count of `written` taken earlier).
    func written(since mark: Int) -> [UInt8] { Array(written[mark...]) }
}
