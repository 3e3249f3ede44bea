import Foundation

/// Everything that can go wrong setting up the review room.
public enum ReviewRoomError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Standard input or output is not a terminal (a pipe, a file, a CI log).
    case notATerminal
    /// curses could not start on this terminal.
    case cursesFailed(term: String)
    /// The terminal cannot do what the room needs (cursor addressing); the text says what.
    case unsuitableTerminal(String)
    /// No theme file with this name in any searched folder.
    case themeNotFound(name: String, searched: [String])
    /// A theme file is not valid JSON or lacks a colour.
    case invalidTheme(path: String, detail: String)
    /// A line of the config file could not be understood.
    case invalidConfig(path: String, line: Int, detail: String)

    public var description: String {
        switch self {
        case .notATerminal:
            "the review room needs a terminal: standard input and output must both be a TTY (not a pipe or a file)"
        case .cursesFailed(let term):
            "curses could not start on this terminal (TERM=\(term)); try TERM=xterm-256color"
        case .unsuitableTerminal(let problem):
            problem
        case .themeNotFound(let name, let searched):
            "no theme named '\(name)'; looked for \(name).json in: \(searched.joined(separator: ", "))"
        case .invalidTheme(let path, let detail):
            "\(path): not a valid theme: \(detail)"
        case .invalidConfig(let path, let line, let detail):
            "\(path):\(line): \(detail)"
        }
    }
}

/// The user's config file, `$XDG_CONFIG_HOME/microlabel/config`
/// (`~/.config/microlabel/config` when XDG_CONFIG_HOME is unset).
///
/// One setting per line; `#` starts a comment:
///
///     theme okabe-ito          # a theme name from themes/ or the config themes/ folder
///     bind f next-frame        # key name, then a command name from the help overlay (`?`)
///     bind C-s accept
///     unbind d                 # the key no longer does anything
///
/// Key names: a single character (`a`, `A`, `]`), `Space`, or one of Up Down Left
/// Right PageUp PageDown Home End Enter Esc Tab Backspace Delete, with `S-` for
/// Shift and `C-` for Ctrl in front (`S-Right`, `C-Left`, `C-r`).
/// A binding applies in every mode where its command is available and replaces
/// whatever the key did there; it becomes the key the status line, the help screen and
/// messages show for the command. The prompt's and the help screen's keys (`submit`,
/// `erase`, `scroll-down`, ...) are commands like any other.
public struct ReviewConfig: Sendable, Equatable {
    public enum Binding: Sendable, Equatable {
        case bind(Key, Command)
        case unbind(Key)
    }
    public var theme: String?
    public var bindings: [Binding] = []

    public init(theme: String? = nil, bindings: [Binding] = []) {
        self.theme = theme
        self.bindings = bindings
    }

    /// Where the config file is, from the environment.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        configDirectory(environment: environment)?.appendingPathComponent("config")
    }

    /// `$XDG_CONFIG_HOME/microlabel`, or `~/.config/microlabel`.
    public static func configDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("microlabel")
        }
        if let home = environment["HOME"], !home.isEmpty {
            return URL(fileURLWithPath: home).appendingPathComponent(".config/microlabel")
        }
        return nil
    }

    /// Reads the config file; a missing file is an empty config.
    public static func load(from url: URL) throws -> ReviewConfig {
        guard let data = FileManager.default.contents(atPath: url.path) else { return ReviewConfig() }
        return try parse(String(decoding: data, as: UTF8.self), path: url.path)
    }

    public static func parse(_ text: String, path: String = "config") throws -> ReviewConfig {
        var config = ReviewConfig()
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var parts = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            // `#` starts a comment, except as the key of `bind # help`.
            if let hash = parts.indices.first(where: { i in
                parts[i].hasPrefix("#") && !(i == 1 && (parts[0] == "bind" || parts[0] == "unbind"))
            }) {
                parts.removeSubrange(hash...)
            }
            guard let keyword = parts.first else { continue }
            func fail(_ detail: String) -> ReviewRoomError {
                .invalidConfig(path: path, line: number + 1, detail: detail)
            }
            switch keyword {
            case "theme":
                guard parts.count == 2 else { throw fail("expected 'theme NAME'") }
                config.theme = parts[1]
            case "bind":
                guard parts.count == 3 else { throw fail("expected 'bind KEY COMMAND'") }
                guard let key = Key(name: parts[1]) else { throw fail("unknown key '\(parts[1])'") }
                guard let command = Command(rawValue: parts[2]) else {
                    throw fail("unknown command '\(parts[2])'; the help overlay (?) lists them")
                }
                config.bindings.append(.bind(key, command))
            case "unbind":
                guard parts.count == 2 else { throw fail("expected 'unbind KEY'") }
                guard let key = Key(name: parts[1]) else { throw fail("unknown key '\(parts[1])'") }
                config.bindings.append(.unbind(key))
            default:
                throw fail("unknown setting '\(keyword)'; expected theme, bind or unbind")
            }
        }
        return config
    }
}

extension Keymap {
    /// This keymap with the config's bindings applied in order.
    public func applying(_ config: ReviewConfig) -> Keymap {
        var map = self
        for binding in config.bindings {
            switch binding {
            case .bind(let key, let command): map.bind(key, to: command)
            case .unbind(let key): map.unbind(key)
            }
        }
        return map
    }
}
