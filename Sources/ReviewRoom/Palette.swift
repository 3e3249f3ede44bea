import Imaging

/// Theme colours as terminal colour numbers.
enum Palette {
    /// The nearest colour of the xterm 256-colour palette (6x6x6 cube or grey ramp), 16...255.
    static func xterm256(_ c: RGB) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0
            for (i, l) in levels.enumerated() where abs(l - Int(v)) < abs(levels[best] - Int(v)) { best = i }
            return best
        }
        let r = nearestLevel(c.r), g = nearestLevel(c.g), b = nearestLevel(c.b)
        let cube = 16 + 36 * r + 6 * g + b
        let cubeColor = RGB(UInt8(levels[r]), UInt8(levels[g]), UInt8(levels[b]))
        let average = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let greyIndex = min(23, max(0, (average - 8 + 5) / 10))
        let greyLevel = UInt8(8 + 10 * greyIndex)
        let grey = RGB(greyLevel, greyLevel, greyLevel)
        return distance(c, grey) < distance(c, cubeColor) ? 232 + greyIndex : cube
    }

    /// The nearest of the 8 basic ANSI colours.
    static func ansi8(_ c: RGB) -> Int {
        // Greys would land on whichever hue is nearest; keep them black or white.
        let high = max(c.r, c.g, c.b), low = min(c.r, c.g, c.b)
        if Int(high) - Int(low) < 48 { return Int(c.r) + Int(c.g) + Int(c.b) < 3 * 64 ? 0 : 7 }
        let basic: [RGB] = [
            RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
            RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        ]
        return basic.indices.min { distance(c, basic[$0]) < distance(c, basic[$1]) }!
    }

    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }

    /// Foreground and background of each text role.
    static func colors(_ role: Role, _ t: Theme) -> (RGB, RGB) {
        switch role {
        case .normal: (t.text, t.background)
        case .dim: (t.dim, t.background)
        case .accent: (t.accent, t.background)
        case .title: (t.accent, t.background)
        case .status: (t.status.foreground, t.status.background)
        case .highlight: (t.background, t.accent)
        case .warning: (t.warning, t.background)
        case .seed: (t.timeline[.seed] ?? t.text, t.background)
        case .pending: (t.timeline[.pending] ?? t.text, t.background)
        case .accepted: (t.timeline[.accepted] ?? t.text, t.background)
        case .rejected: (t.timeline[.rejected] ?? t.text, t.background)
        case .cut: (t.cut, t.background)
        case .cursor: (t.background, t.cursor)
        case .confidenceHigh: (t.confidence[.high] ?? t.text, t.background)
        case .confidenceMedium: (t.confidence[.medium] ?? t.text, t.background)
        case .confidenceLow: (t.confidence[.low] ?? t.text, t.background)
        }
    }
}
