/// The pictures a kitty terminal shows, worked out from the bytes a `RecordingTerminal` took
/// in, by the rules kitty (0.26 and later) follows: images are stored by id (`a=t`, in chunks)
/// and shown by placements at the cursor (`a=p`); a placement of an image it does not hold is
/// ignored (silently with q=2). Deleting placements (`a=d`, `d=i`) keeps the images. Freeing
/// (`d=A`, or `d=I` for one id) frees every image left without a placement, whatever id it has,
/// and clearing the screen (ED 2, which curses sends for its first screen and after
/// `invalidateAll`) removes every placement and so every image.
struct KittyScreenModel {
    struct Placement: Equatable, CustomStringConvertible {
        var image: UInt32
        var placementID: UInt32
        var row: Int
        var column: Int
        var columns: Int
        var rows: Int
        var description: String { "image \(image) at row \(row), column \(column), \(columns)x\(rows) cells" }
    }

    /// Images the terminal holds.
    private(set) var stored: Set<UInt32> = []
    /// Placements on the screen, oldest first.
    private(set) var placements: [Placement] = []
    /// Images named by placement commands while the terminal did not hold them.
    private(set) var failedPlacements: [UInt32] = []

    private var cursor = (row: 0, column: 0)
    private var saved = (row: 0, column: 0)
    /// The image whose chunks are arriving.
    private var loading: UInt32?
    /// How much of the terminal's bytes and clears has been taken in.
    private var consumed = 0
    private var clearsTaken = 0

    /// Takes in what `terminal` received since the last call: its bytes, with the clears curses
    /// sent between them in their places.
    mutating func takeIn(_ terminal: RecordingTerminal) {
        let bytes = terminal.written
        while clearsTaken < terminal.clears.count {
            let at = terminal.clears[clearsTaken]
            process(bytes, upTo: at)
            clearScreen()
            clearsTaken += 1
        }
        process(bytes, upTo: bytes.count)
    }

    private mutating func clearScreen() {
        placements.removeAll()
        stored.removeAll()
    }

    private mutating func process(_ bytes: [UInt8], upTo end: Int) {
        var i = consumed
        while i < end {
            guard bytes[i] == 0x1B, i + 1 < end else { i += 1; continue }
            switch bytes[i + 1] {
            case UInt8(ascii: "7"):
                saved = cursor
                i += 2
            case UInt8(ascii: "8"):
                cursor = saved
                i += 2
            case UInt8(ascii: "["):
                var j = i + 2
                while j < end, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                guard j < end else { i = end; break }
                let parameters = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                let numbers = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 1 }
                switch bytes[j] {
                case UInt8(ascii: "H"):
                    cursor = (row: (numbers.first ?? 1) - 1, column: (numbers.count > 1 ? numbers[1] : 1) - 1)
                case UInt8(ascii: "J") where parameters == "2":
                    clearScreen()
                default:
                    break
                }
                i = j + 1
            case UInt8(ascii: "_"):
                var j = i + 2
                while j + 1 < end, !(bytes[j] == 0x1B && bytes[j + 1] == UInt8(ascii: "\\")) { j += 1 }
                guard j + 1 < end else { i = end; break }
                if bytes[i + 2] == UInt8(ascii: "G") {
                    let body = String(decoding: bytes[(i + 3)..<j], as: UTF8.self)
                    graphics(body.split(separator: ";", maxSplits: 1).first.map(String.init) ?? "")
                }
                i = j + 2
            default:
                i += 2
            }
        }
        consumed = max(consumed, end)
    }

    private mutating func graphics(_ keyText: String) {
        var keys: [String: String] = [:]
        for pair in keyText.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { keys[String(parts[0])] = String(parts[1]) }
        }
        let id = keys["i"].flatMap { UInt32($0) }
        let more = keys["m"] == "1"
        switch keys["a"] {
        case nil where loading != nil:
            if !more, let loading { stored.insert(loading) }
            if !more { loading = nil }
        case "t"?, "T"?:
            guard let id else { return }
            // Sending an id again replaces the image and ends its placements.
            placements.removeAll { $0.image == id }
            stored.remove(id)
            if more { loading = id } else { stored.insert(id) }
            if keys["a"] == "T" { place(id, keys) }
        case "p"?:
            guard let id else { return }
            place(id, keys)
        case "d"?:
            switch keys["d"] ?? "a" {
            case "a":
                placements.removeAll()
            case "A":
                placements.removeAll()
                stored.removeAll()
            case "i", "I":
                guard let id else { return }
                let placement = keys["p"].flatMap { UInt32($0) }
                placements.removeAll { $0.image == id && (placement == nil || $0.placementID == placement) }
                // Kitty frees with it every image left without a placement, not only this one.
                if keys["d"] == "I" { stored.formIntersection(placements.map(\.image)) }
            default:
                break
            }
        default:
            break
        }
    }

    private mutating func place(_ id: UInt32, _ keys: [String: String]) {
        guard stored.contains(id) else { return failedPlacements.append(id) }
        let placementID = keys["p"].flatMap { UInt32($0) } ?? 0
        let new = Placement(image: id, placementID: placementID, row: cursor.row, column: cursor.column,
                            columns: keys["c"].flatMap { Int($0) } ?? 0, rows: keys["r"].flatMap { Int($0) } ?? 0)
        // A placement id names one placement of its image: placing it again moves it.
        if placementID != 0, let old = placements.firstIndex(where: { $0.image == id && $0.placementID == placementID }) {
            placements[old] = new
        } else {
            placements.append(new)
        }
    }
}
