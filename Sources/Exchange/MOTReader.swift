import LabelStore
import Foundation

/// Reads MOT lines `frame,id,x,y,w,h[,conf[,class[,visibility...]]]` (1-based frames): a file, or a
/// MOT sequence folder with `gt/gt.txt`. Class ids are 1-based indices into the project's labels,
/// which MOT files do not name; a class of -1, 0 or none gets the default label. conf 1 means a
/// confirmed box, any other conf a proposal with that confidence; id -1 means no object id.
enum MOTReader {
    static func read(_ url: URL, into context: inout ImportContext) throws {
        var file = url
        if isDirectory(url) {
            let candidates = [url.appendingPathComponent("gt/gt.txt"), url.appendingPathComponent("gt.txt")]
                + files(in: url, extension: "txt")
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw ExchangeError.nothingToImport(path: url.path, reason: "no gt/gt.txt or .txt file in this folder")
            }
            file = found
        }
        let path = file.path
        for (number, line) in lines(of: try readText(file)) {
            let location = "line \(number)"
            let values = numbers(in: line)
            guard values.count >= 6, values.prefix(7).allSatisfy({ $0 != nil }) else {
                throw ExchangeError.malformed(path: path, location: location, reason: "expected frame,id,x,y,w,h,conf,class,visibility numbers")
            }
            guard let frameNumber = values[0], frameNumber == frameNumber.rounded(), abs(frameNumber) < 1e9 else {
                throw ExchangeError.malformed(path: path, location: location, reason: "the frame must be a whole number")
            }
            let frame = try context.checkFrame(Int(frameNumber), path: path, location: location)
            let id = values[1]!
            let track: Int64? = id < 0 || id != id.rounded() || abs(id) > 1e15 ? nil : Int64(id)
            let confidence = values.count > 6 ? values[6]! : 1
            var label = context.options.defaultLabel
            if values.count > 7, let classValue = values[7], classValue > 0 {
                guard classValue == classValue.rounded(), classValue <= Double(context.options.labels.count) else {
                    throw ExchangeError.unknownClass(path: path, location: location, classID: fieldText(line, 7),
                                                     defined: context.options.labels.enumerated().map { "\($0.offset + 1)=\($0.element)" })
                }
                label = context.options.labels[Int(classValue) - 1]
            }
            try context.add(frame: frame, trackID: track, label: label,
                            rect: BoxRect(x: values[2]!, y: values[3]!, width: values[4]!, height: values[5]!),
                            score: confidence == 1 ? nil : confidence, imageSize: nil, path: path, location: location)
        }
    }

    private static func fieldText(_ line: String, _ index: Int) -> String {
        let fields = line.split(whereSeparator: { $0 == "," || $0 == "\t" || $0 == " " })
        return index < fields.count ? String(fields[index]) : "?"
    }
}

/// Reads OTB ground truth: one `x,y,w,h` line per frame (commas, tabs or spaces), line k is frame k.
/// A line of NaN or with no area means the target is absent on that frame. A file, or a folder with
/// `groundtruth_rect.txt`.
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
            guard [rect.x, rect.y, rect.width, rect.height].allSatisfy({ !$0.isNaN }), rect.width > 0, rect.height > 0 else {
                continue
            }
            let frame = try context.checkFrame(index + 1, path: path, location: location)
            try context.add(frame: frame, trackID: 1, label: label, rect: rect, score: nil, imageSize: nil,
                            path: path, location: location)
        }
    }
}
