import Geometry
import Foundation

/// Reads COCO instances JSON: a file, or a folder in the layout CVAT and datumaro write
/// (`annotations/instances_<subset>.json`), or with `annotations.json`, `annotations_<split>.json`
/// (earlier microlabel exports) or other `.json` files. Images are matched to frames by file name.
/// Boxes whose `attributes.outside` is true are CVAT track ends that datumaro carried over, not
/// objects, and are skipped.
enum COCOReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        for file in try annotationFiles(url) { try readFile(file, into: &context) }
    }

    static func annotationFiles(_ url: URL) throws -> [URL] {
        guard isDirectory(url) else { return [url] }
        let nested = files(in: url.appendingPathComponent("annotations"), extension: "json")
        let instances = nested.filter { $0.lastPathComponent.hasPrefix("instances_") }
        if !instances.isEmpty { return instances }
        let single = url.appendingPathComponent("annotations.json")
        if FileManager.default.fileExists(atPath: single.path) { return [single] }
        let json = files(in: url, extension: "json")
        let splits = json.filter { $0.lastPathComponent.hasPrefix("annotations_") }
        if !splits.isEmpty { return splits }
        if !json.isEmpty { return json }
        if !nested.isEmpty { return nested }
        throw ExchangeError.nothingToImport(
            path: url.path, reason: "no annotations/instances_<subset>.json, annotations.json or other .json file in this folder")
    }

    private struct Image {
        var frame: Int?
        var size: (width: Int, height: Int)?
    }

    static func readFile(_ file: URL, into context: inout ImportContext) throws {
        let path = file.path
        let root: JSONValue
        do {
            let data = try readData(file)
            _ = try utf8Bytes(data, path: path)
            root = try JSONReader.parse(data)
        } catch let error as JSONSyntaxError {
            throw ExchangeError.malformed(path: path, location: "line \(error.line), column \(error.column)",
                                          reason: "broken JSON: \(error.message)")
        }
        guard let top = root.object else {
            throw ExchangeError.malformed(path: path, location: "line 1", reason: "expected a COCO object with images, annotations and categories")
        }
        func list(_ key: String) throws -> [JSONValue] {
            guard let value = top[key] else {
                throw ExchangeError.malformed(path: path, location: "line \(top.line)", reason: "no '\(key)' list")
            }
            guard let array = value.array else {
                throw ExchangeError.malformed(path: path, location: "'\(key)'", reason: "'\(key)' is not a list")
            }
            return array
        }

        var classes: [Int: String] = [:]
        for (index, entry) in try list("categories").enumerated() {
            let location = "categories[\(index)]" + (entry.object.map { " (line \($0.line))" } ?? "")
            guard let category = entry.object, let id = integer(category["id"]), let name = category["name"]?.string else {
                throw ExchangeError.malformed(path: path, location: location, reason: "a category needs a numeric id and a name")
            }
            guard classes[id] == nil else {
                throw ExchangeError.malformed(path: path, location: location, reason: "category id \(id) is used twice")
            }
            classes[id] = name
            context.declare(name)
        }

        var images: [Int: Image] = [:]
        for (index, entry) in try list("images").enumerated() {
            let location = "images[\(index)]" + (entry.object.map { " (line \($0.line))" } ?? "")
            guard let image = entry.object, let id = integer(image["id"]), let name = image["file_name"]?.string else {
                throw ExchangeError.malformed(path: path, location: location, reason: "an image needs a numeric id and a file_name")
            }
            let width = integer(image["width"]) ?? 0, height = integer(image["height"]) ?? 0
            let frame = context.frame(forImage: name)
            if frame == nil { context.noteUnmatched(name) }
            images[id] = Image(frame: frame, size: width > 0 && height > 0 ? (width, height) : nil)
        }

        if top["annotations"] == nil {
            context.warn("\(path) has no 'annotations' list: no boxes in it (a COCO image list, or not an instances file?)")
        }
        let annotations = top["annotations"] == nil ? [] : try list("annotations")
        var outside = 0
        for (index, entry) in annotations.enumerated() {
            guard let annotation = entry.object else {
                throw ExchangeError.malformed(path: path, location: "annotations[\(index)]", reason: "an annotation must be an object")
            }
            let idText = integer(annotation["id"]).map { "id \($0), " } ?? ""
            let location = "annotations[\(index)] (\(idText)line \(annotation.line))"
            guard let imageID = integer(annotation["image_id"]) else {
                throw ExchangeError.malformed(path: path, location: location, reason: "no numeric image_id")
            }
            guard let image = images[imageID] else {
                throw ExchangeError.malformed(path: path, location: location, reason: "image_id \(imageID) is not in 'images'")
            }
            guard let classID = annotation["category_id"] else {
                throw ExchangeError.malformed(path: path, location: location, reason: "no category_id")
            }
            guard let id = integer(classID), let label = classes[id] else {
                throw ExchangeError.unknownClass(path: path, location: location, classID: describe(classID),
                                                 defined: classes.keys.sorted().map { "\($0)=\(classes[$0]!)" })
            }
            guard let numbers = annotation["bbox"]?.array?.compactMap(\.number), numbers.count == 4 else {
                throw ExchangeError.malformed(path: path, location: location, reason: "bbox must be [x, y, width, height]")
            }
            guard let frame = image.frame else { continue }
            if let flag = annotation["attributes"]?.object?["outside"], flag.bool == true {
                outside += 1
                continue
            }
            var track: Int64?
            if let value = annotation["attributes"]?.object?["track_id"] ?? annotation["track_id"], let id = integer(value) {
                track = Int64(id)
            }
            try context.add(frame: frame, trackID: track, label: label,
                            rect: BoxRect(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]),
                            score: annotation["score"]?.number, imageSize: image.size, path: path, location: location)
        }
        if outside > 0 {
            context.note("\(outside) boxes in \(baseName(path)) marked outside (CVAT track ends) are not objects and were skipped")
        }
    }

    private static func integer(_ value: JSONValue?) -> Int? {
        guard let number = value?.number, number == number.rounded(), abs(number) < 1e15 else { return nil }
        return Int(number)
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .string(let text): return "\"\(text)\""
        default: return "\(value)"
        }
    }
}
