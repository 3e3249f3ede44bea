import Foundation
import Synchronization

/// Progress of long work on standard error: a redrawn bar with rate and ETA on a terminal,
/// a plain line every few seconds otherwise (logs and CI stay readable).
final class ProgressReporter: Sendable {
    private let title: String
    private let total: Int
    private let unit: String
    private let interactive: Bool
    private let start = Date()
    /// When the bar was last drawn, and the last percentage a plain line was written for; the
    /// lock also keeps lines from two threads apart.
    private let drawn = Mutex((time: Date.distantPast, plainPercent: -1))

    init(_ title: String, total: Int, unit: String = "frames") {
        self.title = title
        self.total = max(1, total)
        self.unit = unit
        interactive = isatty(STDERR_FILENO) == 1
    }

    func update(_ done: Int) {
        drawn.withLock { drawn in
            let now = Date()
            if interactive {
                guard now.timeIntervalSince(drawn.time) >= 0.1 || done >= total else { return }
                drawn.time = now
                write("\r\u{1B}[K" + line(done, now: now))
            } else {
                // Plain lines at each 10 %, so a log of a long run stays short, and none for work
                // that ends within a second.
                guard now.timeIntervalSince(start) >= 1 else { return }
                let percent = done * 100 / total
                guard percent / 10 != drawn.plainPercent / 10 || done >= total else { return }
                drawn.plainPercent = percent
                write(line(done, now: now) + "\n")
            }
        }
    }

    func finish(_ summary: String? = nil) {
        drawn.withLock { _ in
            if interactive { write("\r\u{1B}[K") }
            if let summary { write(summary + "\n") }
        }
    }

    private func line(_ done: Int, now: Date) -> String {
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let fraction = Double(min(done, total)) / Double(total)
        var text = "\(title) \(done)/\(total) \(unit)"
        if interactive {
            let width = 24
            let filled = Int(fraction * Double(width))
            text = "\(title) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(done)/\(total)"
        }
        text += String(format: " %3.0f%%  %.1f %@/s", fraction * 100, rate, unit)
        if rate > 0 && done < total {
            text += "  ETA " + Self.duration(Double(total - done) / rate)
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s / 60 % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
