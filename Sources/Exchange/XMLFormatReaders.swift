import Geometry
import Foundation

/// Parses an XML file, reporting syntax errors with the file and line.
func parseXML(_ file: URL) throws -> XMLElement {
    do {
        let data = try readData(file)
        _ = try utf8Bytes(data, path: file.path)
        return try XMLReader.parse(data)
    } catch let error as XMLSyntaxError {
        throw ExchangeError.malformed(path: file.path, location: "line \(error.line)", reason: "broken XML: \(error.message)")
    }
}

/// Reads Pascal VOC XML: a file, or a folder with `Annotations/*.xml` or `*.xml`. The image is
/// matched by `<filename>`, else by the XML file's own name. Classes are the object names.
enum VOCReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        var documents = [url]
        if isDirectory(url) {
            let annotations = url.appendingPathComponent("Annotations")
            documents = files(in: isDirectory(annotations) ? annotations : url, extension: "xml")
            guard !documents.isEmpty else {
                throw ExchangeError.nothingToImport(path: url.path, reason: "no Pascal VOC .xml files found")
            }
        }
        for file in documents { try readDocument(file, into: &context) }
    }

    static func readDocument(_ file: URL, into context: inout ImportContext) throws {
        let path = file.path
        let root = try parseXML(file)
        guard root.name == "annotation" else {
            throw ExchangeError.malformed(path: path, location: "line \(root.line)", reason: "expected <annotation>, found <\(root.name)>")
        }
        let imageName = root.value("filename").flatMap { $0.isEmpty ? nil : $0 } ?? stemOf(file.lastPathComponent) + ".jpg"
        let frame = context.frame(forImage: imageName)
            ?? context.frame(forImage: stemOf(file.lastPathComponent) + "." + (imageName as NSString).pathExtension)
        var size: (width: Int, height: Int)?
        if let sizeElement = root.child("size"), let width = sizeElement.value("width").flatMap({ Double($0) }),
           let height = sizeElement.value("height").flatMap({ Double($0) }), width > 0, height > 0, width < 1e9, height < 1e9 {
            size = (Int(width), Int(height))
        }
        if frame == nil { context.noteUnmatched(imageName) }
        for object in root.children("object") {
            let location = "line \(object.line)"
            guard let name = object.value("name"), !name.isEmpty else {
                throw ExchangeError.malformed(path: path, location: location, reason: "<object> without a <name>")
            }
            guard let box = object.child("bndbox") else {
                throw ExchangeError.malformed(path: path, location: location, reason: "<object> without a <bndbox>")
            }
            let corners = ["xmin", "ymin", "xmax", "ymax"].map { box.value($0).flatMap { Double($0) } }
            guard corners.allSatisfy({ $0 != nil }) else {
                throw ExchangeError.malformed(path: path, location: "line \(box.line)",
                                              reason: "<bndbox> needs numeric xmin, ymin, xmax and ymax")
            }
            context.declare(name)
            guard let frame else { continue }
            if isOutside(object) { continue }
            let score = object.value("score").flatMap { Double($0) }
            try context.add(frame: frame, trackID: nil, label: name,
                            rect: BoxRect(x: corners[0]!, y: corners[1]!, width: corners[2]! - corners[0]!,
                                          height: corners[3]! - corners[1]!),
                            score: score, imageSize: size, path: path, location: location)
        }
    }
}

/// Whether a VOC object carries datumaro's `outside` attribute (a CVAT track end carried over, not an object).
private func isOutside(_ object: XMLElement) -> Bool {
    guard let attributes = object.child("attributes") else { return false }
    return attributes.children("attribute").contains { attribute in
        attribute.value("name") == "outside" && ["true", "1"].contains(attribute.value("value")?.lowercased() ?? "")
    }
}

/// Reads CVAT XML: "for video 1.1" tracks (frames from 0; `outside` boxes end a track's visible
/// stretch and carry no box) and also "for images 1.1" `<image>` elements. A file, or a folder with
/// `annotations.xml` or one `.xml` file per subset. Classes are the labels in `<meta>`; a `score` attribute marks a proposal.
enum CVATReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        var documents = [url]
        if isDirectory(url) {
            let single = url.appendingPathComponent("annotations.xml")
            // datumaro writes one file per subset (train.xml, val.xml) instead.
            documents = FileManager.default.fileExists(atPath: single.path) ? [single] : files(in: url, extension: "xml")
            guard !documents.isEmpty else {
                throw ExchangeError.nothingToImport(path: url.path, reason: "no annotations.xml or other .xml file in this folder")
            }
        }
        for file in documents { try readDocument(file, into: &context) }
    }

    static func readDocument(_ file: URL, into context: inout ImportContext) throws {
        let path = file.path
        let root = try parseXML(file)
        guard root.name == "annotations" else {
            throw ExchangeError.malformed(path: path, location: "line \(root.line)", reason: "expected <annotations>, found <\(root.name)>")
        }
        let meta = root.child("meta")
        let owner = meta?.child("task") ?? meta?.child("job") ?? meta?.child("project")
        var defined = Set<String>()
        var definedOrder: [String] = []
        for label in owner?.child("labels")?.children("label") ?? [] {
            guard let name = label.value("name") else { continue }
            if defined.insert(name).inserted { definedOrder.append(name) }
            context.declare(name)
        }
        var size: (width: Int, height: Int)?
        if let original = owner?.child("original_size"), let width = original.value("width").flatMap({ Int($0) }),
           let height = original.value("height").flatMap({ Int($0) }), width > 0, height > 0 {
            size = (width, height)
        }

        for track in root.children("track") {
            let label = track.attributes["label"] ?? ""
            guard defined.contains(label) else {
                throw ExchangeError.unknownClass(path: path, location: "line \(track.line)", classID: "'\(label)'",
                                                 defined: definedOrder)
            }
            let trackID = track.attributes["id"].flatMap { Int64($0) }
            for box in track.children("box") where box.attributes["outside"] != "1" {
                let location = "line \(box.line)"
                guard let frameText = box.attributes["frame"], let cvatFrame = Int(frameText) else {
                    throw ExchangeError.malformed(path: path, location: location, reason: "<box> needs a numeric frame")
                }
                let frame = try context.checkFrame(cvatFrame + 1, path: path, location: location + " (CVAT frame \(cvatFrame))")
                try add(box, frame: frame, trackID: trackID, label: label, size: size, path: path, location: location,
                        into: &context)
            }
        }

        for image in root.children("image") {
            let name = image.attributes["name"] ?? ""
            guard let frame = context.frame(forImage: name) else {
                context.noteUnmatched(name)
                continue
            }
            var imageSize = size
            if let width = image.attributes["width"].flatMap({ Int($0) }), let height = image.attributes["height"].flatMap({ Int($0) }),
               width > 0, height > 0 {
                imageSize = (width, height)
            }
            for box in image.children("box") where box.attributes["outside"] != "1" {
                let label = box.attributes["label"] ?? ""
                guard defined.contains(label) else {
                    throw ExchangeError.unknownClass(path: path, location: "line \(box.line)", classID: "'\(label)'",
                                                 defined: definedOrder)
                }
                try add(box, frame: frame, trackID: nil, label: label, size: imageSize, path: path,
                        location: "line \(box.line)", into: &context)
            }
        }
    }

    private static func add(_ box: XMLElement, frame: Int, trackID: Int64?, label: String, size: (width: Int, height: Int)?,
                            path: String, location: String, into context: inout ImportContext) throws {
        let corners = ["xtl", "ytl", "xbr", "ybr"].map { box.attributes[$0].flatMap { Double($0) } }
        guard corners.allSatisfy({ $0 != nil }) else {
            throw ExchangeError.malformed(path: path, location: location, reason: "<box> needs numeric xtl, ytl, xbr and ybr")
        }
        let score = box.children("attribute").first { $0.attributes["name"] == CVATWriter.scoreAttribute }
            .flatMap { Double($0.text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try context.add(frame: frame, trackID: trackID, label: label,
                        rect: BoxRect(x: corners[0]!, y: corners[1]!, width: corners[2]! - corners[0]!, height: corners[3]! - corners[1]!),
                        score: score, imageSize: size, path: path, location: location)
    }
}
