import Geometry
import Foundation

/// Reads MOT lines `frame,id,x,y,w,h[,conf[,class[,visibility[,...]]]]` (1-based frames): a file, or
/// a MOT sequence folder with `gt/gt.txt`. Class names come from `labels.txt` beside the file (as
/// datumaro writes it, line k naming class k); without one, class ids are 1-based indices into the
/// project's labels. A class of -1, 0 or none gets the default label. conf 1 means a confirmed box,
/// any other conf a proposal with that confidence; id -1 means no object id. Every field must be a number.
enum MOTReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        var file = url
        if isDirectory(url) {
            let candidates = [url.appendingPathComponent("gt/gt.txt"), url.appendingPathComponent("gt.txt")]
                + files(in: url, extension: "txt").filter { $0.lastPathComponent != "labels.txt" }
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw ExchangeError.nothingToImport(path: url.path, reason: "no gt/gt.txt or .txt file in this folder")
            }
            file = found
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("det/det.txt").path) {
                context.note("det/det.txt (detections) was not read; import it as a file to add its boxes as proposals")
            }
        }
        let path = file.path
        var classes = context.options.labels
        var named = false
        var labelFiles = [file.deletingLastPathComponent().appendingPathComponent("labels.txt")]
        if isDirectory(url) { labelFiles.append(url.appendingPathComponent("labels.txt")) }
        if let names = labelFiles.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            classes = lines(of: try readText(names)).map(\.text)
            named = true
            for name in classes { context.declare(name) }
        }
        for (number, line) in lines(of: try readText(file)) {
            let location = "line \(number)"
            let fields = line.contains(",")
                ? line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                : line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 6 else {
                throw ExchangeError.malformed(path: path, location: location,
                                              reason: "\(fields.count) fields; expected frame,id,x,y,w,h,conf,class,visibility")
            }
            guard fields.count <= 10 else {
                throw ExchangeError.malformed(path: path, location: location,
                                              reason: "\(fields.count) fields; a MOT line has at most 10")
            }
            var values: [Double] = []
            for (index, field) in fields.enumerated() {
                guard let value = Double(field), !value.isNaN else {
                    throw ExchangeError.malformed(path: path, location: location,
                                                  reason: "field \(index + 1) ('\(field.prefix(20))') is not a number")
                }
                values.append(value)
            }
            let frameNumber = values[0]
            guard frameNumber == frameNumber.rounded(), abs(frameNumber) < 1e9 else {
                throw ExchangeError.malformed(path: path, location: location, reason: "the frame must be a whole number")
            }
            let frame = try context.checkFrame(Int(frameNumber), path: path, location: location)
            let id = values[1]
            let track: Int64? = id < 0 || id != id.rounded() || abs(id) > 1e15 ? nil : Int64(id)
            let confidence = values.count > 6 ? values[6] : 1
            var label = context.options.defaultLabel
            if values.count > 7, values[7] > 0 {
                let classValue = values[7]
                guard classValue == classValue.rounded(), classValue <= Double(classes.count) else {
                    let source = named ? "" : " (no labels.txt: ids are the project's labels from 1)"
                    throw ExchangeError.unknownClass(path: path, location: location, classID: fields[7] + source,
                                                     defined: classes.enumerated().map { "\($0.offset + 1)=\($0.element)" })
                }
                label = classes[Int(classValue) - 1]
            }
            try context.add(frame: frame, trackID: track, label: label,
                            rect: BoxRect(x: values[2], y: values[3], width: values[4], height: values[5]),
                            score: confidence == 1 ? nil : confidence, imageSize: nil, path: path, location: location)
        }
    }
}

/// Reads OTB ground truth: one `x,y,w,h` line per frame (commas, tabs or spaces), line k is frame k.
/// A line of NaN or of zero width or height means the target is absent on that frame; a negative
/// width or height is an error. A file, or a folder with `groundtruth_rect.txt`.
enum OTBReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        var file = url
        if isDirectory(url) {
            file = url.appendingPathComponent("groundtruth_rect.txt")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw ExchangeError.nothingToImport(path: url.path, reason: "no groundtruth_rect.txt in this folder")
            }
        }
        let path = file.path
        let label = context.options.defaultLabel
        for (index, entry) in lines(of: try readText(file)).enumerated() {
            let location = "line \(entry.number)"
            let values = numbers(in: entry.text)
            guard values.count >= 4, values.prefix(4).allSatisfy({ $0 != nil }) else {
                throw ExchangeError.malformed(path: path, location: location, reason: "expected x,y,w,h")
            }
            let rect = BoxRect(x: values[0]!, y: values[1]!, width: values[2]!, height: values[3]!)
            if rect.width < 0 || rect.height < 0 {
                throw ExchangeError.malformed(path: path, location: location,
                                              reason: "negative width or height (\(entry.text)); an absent target is 0,0,0,0 or NaN")
            }
            guard [rect.x, rect.y, rect.width, rect.height].allSatisfy({ !$0.isNaN }), rect.width > 0, rect.height > 0 else {
                continue
            }
            let frame = try context.checkFrame(index + 1, path: path, location: location)
            try context.add(frame: frame, trackID: 1, label: label, rect: rect, score: nil, imageSize: nil,
                            path: path, location: location)
        }
    }
}
