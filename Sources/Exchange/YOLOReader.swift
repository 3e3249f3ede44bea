import Geometry
import Foundation

/// Reads YOLO labels: an exported folder (`data.yaml`, `labels/**.txt`, and `predictions/labels/`
/// when present), darknet's folder (`obj.names`, `obj_<subset>_data/`), a `data.yaml`, a folder of
/// label files, or one label file. Lines are `class cx cy w h [conf]`, normalised to the image;
/// the project's frame size gives the pixels. Class names come from `data.yaml` or `classes.txt`;
/// without either, class ids are 0-based indices into the project's labels.
enum YOLOReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        let fileManager = FileManager.default
        var names: [String]?
        var labelFiles: [URL]
        if isDirectory(url), fileManager.fileExists(atPath: url.appendingPathComponent("obj.names").path) {
            // darknet, as datumaro's `yolo` writes it: obj.names, obj.data, obj_<subset>_data/ with the
            // label files beside the images, and image lists (train.txt) that are not label files.
            names = lines(of: try readText(url.appendingPathComponent("obj.names"))).map(\.text)
            let subsets = ((try? fileManager.contentsOfDirectory(atPath: url.path)) ?? [])
                .filter { $0.hasPrefix("obj_") && $0.hasSuffix("_data") }.sorted()
            labelFiles = subsets.flatMap { files(in: url.appendingPathComponent($0), extension: "txt", recursive: true) }
        } else if isDirectory(url) {
            let yaml = [url.appendingPathComponent("data.yaml"), url.appendingPathComponent("data.yml")]
                .first { fileManager.fileExists(atPath: $0.path) } ?? files(in: url, extension: "yaml").first
            if let yaml { names = try readNames(yaml) }
            let labelsFolder = url.appendingPathComponent("labels")
            labelFiles = files(in: isDirectory(labelsFolder) ? labelsFolder : url, extension: "txt", recursive: true)
            // Our exports keep pending proposals (with a confidence column) in predictions/labels/.
            let predictions = url.appendingPathComponent("predictions/labels")
            if isDirectory(labelsFolder) && isDirectory(predictions) {
                labelFiles += files(in: predictions, extension: "txt", recursive: true)
            }
        } else if ["yaml", "yml"].contains(url.pathExtension.lowercased()) {
            names = try readNames(url)
            labelFiles = files(in: url.deletingLastPathComponent().appendingPathComponent("labels"), extension: "txt", recursive: true)
        } else {
            labelFiles = [url]
            var folder = url.deletingLastPathComponent()
            for _ in 0..<3 where names == nil {
                if fileManager.fileExists(atPath: folder.appendingPathComponent("data.yaml").path) {
                    names = try readNames(folder.appendingPathComponent("data.yaml"))
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        let classList = labelFiles.first { $0.lastPathComponent == "classes.txt" }
        labelFiles.removeAll { $0.lastPathComponent == "classes.txt" }
        if names == nil {
            let beside = (labelFiles.first ?? url).deletingLastPathComponent().appendingPathComponent("classes.txt")
            if let list = classList ?? (fileManager.fileExists(atPath: beside.path) ? beside : nil) {
                names = lines(of: try readText(list)).map(\.text)
            }
        }
        guard !labelFiles.isEmpty else {
            throw ExchangeError.nothingToImport(path: url.path, reason: "no YOLO label files (.txt) found")
        }
        let classes = names ?? context.options.labels
        for name in names ?? [] { context.declare(name) }
        for file in labelFiles { try readLabels(file, classes: classes, named: names != nil, into: &context) }
    }

    static func readLabels(_ file: URL, classes: [String], named: Bool, into context: inout ImportContext) throws {
        let path = file.path
        guard let frame = context.frame(forImage: file.lastPathComponent) else {
            context.noteUnmatched(file.lastPathComponent)
            return
        }
        guard let size = context.projectSize(ofFrame: frame) else { throw ExchangeError.missingImageSize(path: path) }
        for (number, line) in lines(of: try readText(file)) {
            let location = "line \(number)"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let values = fields.map { Double($0) }
            guard values.count == 5 || values.count == 6, values.allSatisfy({ $0 != nil }) else {
                let reason = values.count > 6 ? "\(values.count) values: a polygon, not a box" : "expected class cx cy w h [conf]"
                throw ExchangeError.malformed(path: path, location: location, reason: reason)
            }
            guard let classID = Int(fields[0]), classID >= 0, classID < classes.count else {
                let source = named ? "" : " (no data.yaml or classes.txt: ids are the project's labels from 0)"
                throw ExchangeError.unknownClass(path: path, location: location, classID: String(fields[0]) + source,
                                                 defined: classes.enumerated().map { "\($0.offset)=\($0.element)" })
            }
            let width = Double(size.width), height = Double(size.height)
            let w = values[3]! * width, h = values[4]! * height
            let rect = BoxRect(x: values[1]! * width - w / 2, y: values[2]! * height - h / 2, width: w, height: h)
            try context.add(frame: frame, trackID: nil, label: classes[classID], rect: rect,
                            score: values.count == 6 ? values[5]! : nil, imageSize: nil, path: path, location: location)
        }
    }

    /// The class names of a data.yaml: `names: [a, b]`, `names: {0: a}`, or a block list or map below `names:`.
    static func readNames(_ url: URL) throws -> [String] {
        let path = url.path
        let all = rawLines(of: try readText(url)).map(\.text)
        guard let start = all.firstIndex(where: { $0.hasPrefix("names:") || $0.hasPrefix("names :") }) else {
            throw ExchangeError.malformed(path: path, location: "line 1", reason: "no 'names:' list of classes")
        }
        let location = "line \(start + 1)"
        let rest = stripComment(String(all[start].drop(while: { $0 != ":" }).dropFirst())).trimmingCharacters(in: .whitespaces)
        var keyed: [(Int, String)] = []
        var listed: [String] = []
        if rest.hasPrefix("[") || rest.hasPrefix("{") {
            var flow = rest
            var next = start + 1
            let closer: Character = rest.hasPrefix("[") ? "]" : "}"
            while !flow.contains(closer), next < all.count {
                flow += " " + stripComment(all[next])
                next += 1
            }
            guard let end = flow.lastIndex(of: closer) else {
                throw ExchangeError.malformed(path: path, location: location, reason: "names list is not closed")
            }
            let items = splitFlow(String(flow[flow.index(after: flow.startIndex)..<end]))
            for item in items where !item.isEmpty {
                if closer == "]" {
                    listed.append(unquote(item))
                } else {
                    guard let pair = splitKey(item), let key = Int(pair.0) else {
                        throw ExchangeError.malformed(path: path, location: location, reason: "expected 'number: name' in names")
                    }
                    keyed.append((key, unquote(pair.1)))
                }
            }
        } else if !rest.isEmpty {
            throw ExchangeError.malformed(path: path, location: location, reason: "names must be a list or a map")
        } else {
            var index = start + 1
            while index < all.count {
                let raw = all[index]
                let text = stripComment(raw).trimmingCharacters(in: .whitespaces)
                if text.isEmpty { index += 1; continue }
                guard raw.first == " " || raw.first == "\t" || raw.first == "-" else { break }
                if text.hasPrefix("-") {
                    listed.append(unquote(String(text.dropFirst()).trimmingCharacters(in: .whitespaces)))
                } else if let pair = splitKey(text), let key = Int(pair.0) {
                    keyed.append((key, unquote(pair.1)))
                } else {
                    throw ExchangeError.malformed(path: path, location: "line \(index + 1)", reason: "expected '- name' or 'number: name'")
                }
                index += 1
            }
        }
        if keyed.isEmpty { return listed }
        keyed.sort { $0.0 < $1.0 }
        guard keyed.enumerated().allSatisfy({ $0.offset == $0.element.0 }) else {
            throw ExchangeError.malformed(path: path, location: location, reason: "class numbers must run 0, 1, 2, ... without gaps")
        }
        return keyed.map(\.1)
    }

    private static func stripComment(_ text: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (offset, character) in text.enumerated() {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t" || offset == 0) {
                return String(text.prefix(offset))
            }
            previous = character
        }
        return text
    }

    private static func splitFlow(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == "," {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current.trimmingCharacters(in: .whitespaces))
        return items
    }

    private static func splitKey(_ text: String) -> (String, String)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (text[..<colon].trimmingCharacters(in: .whitespaces),
                text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    private static func unquote(_ raw: String) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") {
            var out = ""
            var escaped = false
            for character in text.dropFirst().dropLast() {
                if escaped {
                    switch character {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(character)
                    }
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    out.append(character)
                }
            }
            return out
        }
        return text
    }
}
