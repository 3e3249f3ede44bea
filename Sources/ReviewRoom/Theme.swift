import Foundation
import Imaging

/// Colours of the review room, read from a JSON file in `themes/`.
///
/// Shape (every colour `#rrggbb`):
///
///     { "name": "default", "description": "...",
///       "background", "text", "dim", "accent", "warning",
///       "status": { "foreground", "background" },
///       "boxes": { "seed", "pending", "accepted", "rejected", "selected" },
///       "timeline": { "seed", "pending", "accepted", "rejected", "cut", "cursor",
///                     "high", "medium", "low" },
///       "objects": [ "#...", ... ] }
///
/// `warning`, `objects` and the timeline's confidence bands `high`, `medium`, `low` are
/// optional (objects fall back to a built-in palette; the bands to the timeline's accepted,
/// pending and rejected colours).
public struct Theme: Sendable, Hashable {
    public struct Pair: Sendable, Hashable {
        public var foreground: RGB
        public var background: RGB
    }
    public var name: String
    public var description: String
    public var background: RGB
    public var text: RGB
    public var dim: RGB
    public var accent: RGB
    public var warning: RGB
    public var status: Pair
    /// Box outline colour by kind.
    public var boxes: [ReviewKind: RGB]
    public var selected: RGB
    public var timeline: [ReviewKind: RGB]
    public var cut: RGB
    public var cursor: RGB
    /// Timeline colours of pending frames by how sure the model is (`ConfidenceBand`).
    public var confidence: [ConfidenceBand: RGB]
    /// Colours for objects, used in turn.
    public var objects: [RGB]

    /// The colour of a box of this kind.
    public func color(for kind: ReviewKind) -> RGB { boxes[kind] ?? text }

    /// The colour of an object, stable for its id.
    public func color(forObject id: ObjectID) -> RGB {
        let palette = objects.isEmpty ? Theme.fallbackObjects : objects
        return palette[Int((id % Int64(palette.count) + Int64(palette.count)) % Int64(palette.count))]
    }

    static let fallbackObjects: [RGB] = [
        RGB(0xE6, 0x9F, 0x00), RGB(0x56, 0xB4, 0xE9), RGB(0x00, 0x9E, 0x73), RGB(0xF0, 0xE4, 0x42),
        RGB(0x00, 0x72, 0xB2), RGB(0xD5, 0x5E, 0x00), RGB(0xCC, 0x79, 0xA7), RGB(0xFF, 0xFF, 0xFF),
    ]

    /// Parses a theme file's JSON.
    public static func parse(_ data: Data, path: String) throws -> Theme {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ReviewRoomError.invalidTheme(path: path, detail: "not JSON (\(error.localizedDescription))")
        }
        guard let root = json as? [String: Any] else {
            throw ReviewRoomError.invalidTheme(path: path, detail: "the top level must be an object")
        }
        func color(_ object: [String: Any], _ key: String, _ where_: String) throws -> RGB {
            guard let text = object[key] as? String else {
                throw ReviewRoomError.invalidTheme(path: path, detail: "missing colour \(where_)\(key)")
            }
            guard let rgb = Theme.hex(text) else {
                throw ReviewRoomError.invalidTheme(path: path, detail: "\(where_)\(key): '\(text)' is not #rrggbb")
            }
            return rgb
        }
        func group(_ key: String) throws -> [String: Any] {
            guard let g = root[key] as? [String: Any] else {
                throw ReviewRoomError.invalidTheme(path: path, detail: "missing object '\(key)'")
            }
            return g
        }
        let status = try group("status"), boxes = try group("boxes"), timeline = try group("timeline")
        var kinds: [ReviewKind: RGB] = [:], marks: [ReviewKind: RGB] = [:]
        for kind in ReviewKind.allCases {
            kinds[kind] = try color(boxes, kind.rawValue, "boxes.")
            marks[kind] = try color(timeline, kind.rawValue, "timeline.")
        }
        var objects: [RGB] = []
        if let list = root["objects"] as? [String] {
            for (i, text) in list.enumerated() {
                guard let rgb = Theme.hex(text) else {
                    throw ReviewRoomError.invalidTheme(path: path, detail: "objects[\(i)]: '\(text)' is not #rrggbb")
                }
                objects.append(rgb)
            }
        }
        let fallbackBands: [ConfidenceBand: RGB] = [.high: marks[.accepted]!, .medium: marks[.pending]!, .low: marks[.rejected]!]
        var bands: [ConfidenceBand: RGB] = [:]
        for band in ConfidenceBand.allCases {
            bands[band] = timeline[band.rawValue] == nil ? fallbackBands[band] : try color(timeline, band.rawValue, "timeline.")
        }
        let accent = try color(root, "accent", "")
        return Theme(
            name: root["name"] as? String ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
            description: root["description"] as? String ?? "",
            background: try color(root, "background", ""),
            text: try color(root, "text", ""),
            dim: try color(root, "dim", ""),
            accent: accent,
            warning: root["warning"] == nil ? kinds[.rejected]! : try color(root, "warning", ""),
            status: Pair(foreground: try color(status, "foreground", "status."), background: try color(status, "background", "status.")),
            boxes: kinds,
            selected: try color(boxes, "selected", "boxes."),
            timeline: marks,
            cut: try color(timeline, "cut", "timeline."),
            cursor: try color(timeline, "cursor", "timeline."),
            confidence: bands,
            objects: objects)
    }

    /// `#rrggbb` to a colour.
    public static func hex(_ text: String) -> RGB? {
        guard text.count == 7, text.first == "#", let v = UInt32(text.dropFirst(), radix: 16) else { return nil }
        return RGB(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
    }

    /// The folders searched for `NAME.json`, first match wins: the user's
    /// `$XDG_CONFIG_HOME/microlabel/themes`, then `themes/` next to the executable
    /// (or in one of its parent folders, as in a source checkout), then `./themes`.
    public static func searchFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var folders: [URL] = []
        if let config = ReviewConfig.configDirectory(environment: environment) {
            folders.append(config.appendingPathComponent("themes"))
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("themes")
            if FileManager.default.fileExists(atPath: candidate.path) { folders.append(candidate); break }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        folders.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("themes"))
        return folders
    }

    /// Loads the theme `name` from the first folder that has `name.json`.
    /// `default` always works: without a file, the built-in copy is used.
    public static func load(name: String, folders: [URL] = Theme.searchFolders()) throws -> Theme {
        for folder in folders {
            let url = folder.appendingPathComponent(name + ".json")
            if let data = FileManager.default.contents(atPath: url.path) {
                return try parse(data, path: url.path)
            }
        }
        if name == "default" { return builtIn }
        throw ReviewRoomError.themeNotFound(name: name, searched: folders.map(\.path))
    }

    /// The names of all themes found in `folders`.
    public static func available(folders: [URL] = Theme.searchFolders()) -> [String] {
        var names = Set<String>()
        for folder in folders {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files where file.hasSuffix(".json") { names.insert(String(file.dropLast(5))) }
        }
        return names.sorted()
    }

    /// A copy of themes/default.json, for installs without the themes folder.
    public static let builtIn: Theme = {
        let json = """
        {"name":"default","description":"Dark background, saturated box colours.",
         "background":"#101014","text":"#d8d8d8","dim":"#7a7a80","accent":"#5fafff","warning":"#ff5f5f",
         "status":{"foreground":"#101014","background":"#5fafff"},
         "boxes":{"seed":"#00e5ff","pending":"#ffd000","accepted":"#3ddc5a","rejected":"#ff3b3b","selected":"#ffffff"},
         "timeline":{"seed":"#00e5ff","pending":"#ffd000","accepted":"#3ddc5a","rejected":"#ff3b3b","cut":"#c070ff","cursor":"#ffffff",
                     "high":"#b8f080","medium":"#ffd000","low":"#ff7a1a"}}
        """
        return try! parse(Data(json.utf8), path: "built-in default theme")
    }()
}
