import CNcursesw
import Foundation

/// What the review room needs of a terminal: a terminfo entry that can place the cursor
/// anywhere (`cup`). Without it (TERM=dumb, a hard-copy or glass terminal) the screen cannot
/// be redrawn in place, so the room refuses with a message instead of sitting there unchanged.
public enum TerminalRequirements {
    /// Why the room cannot run on the terminal `term` names; nil when it can.
    public static func problem(term: String?) -> String? {
        guard let term, !term.isEmpty else {
            return "TERM is not set, so the review room cannot tell how to draw; set it to your terminal's type (for example TERM=xterm-256color)"
        }
        let cannot = "the review room redraws the screen in place and needs a terminal that can move the cursor"
        let instead = "; use a terminal such as xterm, or set TERM to one that describes yours (for example TERM=xterm-256color). info, propagate and export work here"
        if term == "dumb" { return "TERM=dumb cannot move the cursor: \(cannot)\(instead)" }
        switch ml_terminal_addressing(term, STDOUT_FILENO) {
        case 1: return "TERM=\(term) has no cursor addressing (terminfo cup): \(cannot)\(instead)"
        case 2: return "TERM=\(term) is a hard-copy terminal: \(cannot)\(instead)"
        default: break  // usable, or unknown to terminfo: curses says so itself (cursesFailed)
        }
        return nil
    }
}
