/// A size in pixels reported by the terminal.
public struct PixelSize: Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)x\(height) px" }

    /// The sides a terminal cell can have, in pixels; answers outside are not believed.
    public static let plausibleCellSide = 2...largestCell
    public static let largestCell = 512

    /// Whether both sides are a plausible number of pixels for a terminal cell.
    var isPlausibleCell: Bool {
        Self.plausibleCellSide.contains(width) && Self.plausibleCellSide.contains(height)
    }
}

/// What a terminal answered to the probe's queries. Parsing is pure: it reads recorded bytes.
public struct ProbeReplies: Sendable, Equatable {
    /// Parameters of the DA1 reply (`CSI ? 63;1;2;4 c`); nil when it never came.
    public var primaryAttributes: [Int]?
    /// XTSMGRAPHICS colour registers (`CSI ? 1;0;256 S`); nil when not answered or refused.
    public var colourRegisters: Int?
    /// XTSMGRAPHICS maximum sixel geometry (`CSI ? 2;0;W;H S`).
    public var sixelGeometry: PixelSize?
    /// Cell size from `CSI 16 t` (`CSI 6;h;w t`).
    public var cellSize: PixelSize?
    /// Text area size from `CSI 14 t` (`CSI 4;h;w t`).
    public var textAreaSize: PixelSize?
    /// The parameters of a cell-size answer that cannot be a cell (a side under 2 or over
    /// `PixelSize.largestCell` pixels, negative, or not a number), as received; nil when none.
    public var unusableCellSize: String?
    /// Kitty's graphics query was answered with OK (`ESC _G i=31;OK ESC \`).
    public var kittyGraphics = false
    /// How many DA1 replies were seen (two through tmux passthrough: tmux's own, then the outer terminal's).
    var primaryAttributeReplies = 0

    public init() {}

    /// The terminal answered DA1, the last query, so every other answer has arrived too.
    public var complete: Bool { primaryAttributes != nil }

    /// DA1 lists attribute 4: sixel graphics.
    public var sixel: Bool { primaryAttributes?.contains(4) ?? false }

    /// Parses every reply found in `bytes`; unknown sequences and stray bytes are skipped.
    public static func parse(_ bytes: [UInt8]) -> ProbeReplies {
        var replies = ProbeReplies()
        var i = 0
        while i < bytes.count {
            guard bytes[i] == 0x1B, i + 1 < bytes.count else { i += 1; continue }
            switch bytes[i + 1] {
            case UInt8(ascii: "["):
                // CSI: optional private marker, parameters, one final byte in 0x40...0x7E.
                var j = i + 2
                var marker: UInt8?
                if j < bytes.count, (0x3C...0x3F).contains(bytes[j]) { marker = bytes[j]; j += 1 }
                let start = j
                while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                guard j < bytes.count else { return replies } // cut short: wait for more
                let parameters = numbers(bytes[start..<j])
                if bytes[j] == UInt8(ascii: "t"), marker == nil, parameters.first == 6, !replies.usableCell(parameters) {
                    replies.unusableCellSize = String(decoding: bytes[start..<j], as: UTF8.self)
                }
                replies.take(csi: bytes[j], marker: marker, parameters: parameters)
                i = j + 1
            case UInt8(ascii: "_"):
                // APC up to ST (ESC \).
                var j = i + 2
                while j + 1 < bytes.count, !(bytes[j] == 0x1B && bytes[j + 1] == UInt8(ascii: "\\")) { j += 1 }
                guard j + 1 < bytes.count else { return replies }
                let body = String(decoding: bytes[(i + 2)..<j], as: UTF8.self)
                if body.hasPrefix("G"), body.contains("i=31"), body.hasSuffix(";OK") { replies.kittyGraphics = true }
                i = j + 2
            default:
                i += 1
            }
        }
        return replies
    }

    /// Replies read inside tmux with passthrough: tmux answers its own DA1 (sent first, not
    /// wrapped) at once, and the outer terminal's answers to the wrapped queries follow.
    public static func parseThroughTmux(_ bytes: [UInt8]) -> (tmux: ProbeReplies, outer: ProbeReplies) {
        // Split after the first DA1 reply: ESC [ ? ... c
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == 0x1B, bytes[i + 1] == UInt8(ascii: "["), bytes[i + 2] == UInt8(ascii: "?") {
                var j = i + 3
                while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                if j < bytes.count, bytes[j] == UInt8(ascii: "c") {
                    return (parse(Array(bytes[...j])), parse(Array(bytes[(j + 1)...])))
                }
                i = j
            }
            i += 1
        }
        return (parse(bytes), ProbeReplies())
    }

    private mutating func take(csi final: UInt8, marker: UInt8?, parameters: [Int]) {
        switch (final, marker) {
        case (UInt8(ascii: "c"), UInt8(ascii: "?")):
            primaryAttributes = parameters
            primaryAttributeReplies += 1
        case (UInt8(ascii: "S"), UInt8(ascii: "?")):
            // Item; status (0 = success); values.
            guard parameters.count >= 3, parameters[1] == 0 else { return }
            if parameters[0] == 1 { colourRegisters = parameters[2] }
            if parameters[0] == 2, parameters.count >= 4 { sixelGeometry = PixelSize(width: parameters[2], height: parameters[3]) }
        case (UInt8(ascii: "t"), nil):
            if parameters.first == 6, usableCell(parameters) { cellSize = PixelSize(width: parameters[2], height: parameters[1]) }
            guard parameters.count >= 3, parameters[1] > 0, parameters[2] > 0 else { return }
            if parameters[0] == 4 { textAreaSize = PixelSize(width: parameters[2], height: parameters[1]) }
        default:
            break
        }
    }

    /// `6;h;w` with both sides a plausible number of pixels.
    private func usableCell(_ parameters: [Int]) -> Bool {
        parameters.count >= 3 && PixelSize(width: parameters[2], height: parameters[1]).isPlausibleCell
    }

    /// `1;2;;4` -> [1, 2, 0, 4]; an empty parameter counts as 0, and one holding anything but
    /// digits (`-1`, `1.5`) as -1, which no reply uses.
    private static func numbers(_ bytes: ArraySlice<UInt8>) -> [Int] {
        guard !bytes.isEmpty else { return [] }
        var values: [Int] = []
        var current = 0
        for byte in bytes {
            if byte == UInt8(ascii: ";") {
                values.append(current)
                current = 0
            } else if current >= 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                current = min(current * 10 + Int(byte - UInt8(ascii: "0")), 1_000_000)
            } else {
                current = -1
            }
        }
        values.append(current)
        return values
    }
}
