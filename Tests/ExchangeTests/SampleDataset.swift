import Geometry
import LabelStore
import Exchange
import Foundation
import TestSupport

/// A small labelled video: 40 frames of 320x240 with three objects, proposals, a rejected box,
/// a box that sticks out of the image, a gap in a track, and frames without boxes (35-37).
enum SampleDataset {
    static let labels = ["person", "car", "dog & <cat>"]

    static func make() -> Dataset {
        var boxes: [DatasetBox] = []
        // person, object 1: seeds and accepted 0-9, proposals 10-14, gap 15-19, accepted 20-24.
        for frame in Array(0..<15) + Array(20..<25) {
            let kind: DatasetBoxKind = frame == 0 || frame == 20 ? .seed : frame < 10 || frame >= 20 ? .accepted : .proposal
            let confidence = kind == .proposal ? 0.3 + 0.05 * Double(frame - 10) + 0.001234 : 1
            boxes.append(DatasetBox(frame: frame, trackID: 1, label: "person",
                                    rect: BoxRect(x: 10.37 + 1.13 * Double(frame), y: 20.81 + 0.41 * Double(frame),
                                                  width: 30.29, height: 61.77 - 0.3 * Double(frame)),
                                    kind: kind, confidence: confidence))
        }
        // car, object 2: frames 5-34, entering from the left edge on frame 5.
        for frame in 5..<35 {
            boxes.append(DatasetBox(frame: frame, trackID: 2, label: "car",
                                    rect: BoxRect(x: frame == 5 ? -3.2 : 2.6 * Double(frame), y: 150.55, width: 80.123, height: 40.5),
                                    kind: frame == 5 ? .seed : .accepted))
        }
        // dog & <cat>, object 7: a rejected box on 30, proposals on 38-39 that reach the right border.
        boxes.append(DatasetBox(frame: 30, trackID: 7, label: "dog & <cat>", rect: BoxRect(x: 200, y: 100, width: 20, height: 20),
                                kind: .rejected, confidence: 0.4))
        for frame in 38..<40 {
            boxes.append(DatasetBox(frame: frame, trackID: 7, label: "dog & <cat>",
                                    rect: BoxRect(x: 280.25, y: 190.5, width: 39.75, height: 49.5), kind: .proposal, confidence: 0.875))
        }
        return Dataset(name: "sample \"clip\"", labels: labels, boxes: boxes, frameCount: 40, width: 320, height: 240, fps: 25)
    }

    /// The boxes an export should contain, clipped to the image, in a canonical order.
    static func expected(_ dataset: Dataset, includePending: Bool) -> [DatasetBox] {
        dataset.boxes.compactMap { box -> DatasetBox? in
            guard box.kind != .rejected, includePending || box.kind != .proposal else { return nil }
            var copy = box
            copy.rect = box.rect.clipped(toWidth: dataset.width, height: dataset.height)!
            return copy
        }.sorted(by: canonicalOrder)
    }

    static func canonicalOrder(_ a: DatasetBox, _ b: DatasetBox) -> Bool {
        if a.frame != b.frame { return a.frame < b.frame }
        if a.label != b.label { return a.label < b.label }
        return a.rect.x < b.rect.x
    }

    /// An image writer that writes a few bytes naming the frame and records the calls.
    final class RecordingImageWriter: @unchecked Sendable {
        private(set) var calls: [(frame: Int, url: URL)] = []
        var failAfter: Int?

        struct Failure: Error, CustomStringConvertible {
            var description: String { "decoder gave up" }
        }

        func write(_ frame: Int, _ url: URL) throws {
            if let failAfter, calls.count >= failAfter { throw Failure() }
            calls.append((frame, url))
            try Data("P6 frame \(frame)".utf8).write(to: url)
        }
    }
}

/// Paths of the regular files below `folder`, relative to it, sorted.
func relativeFiles(in folder: URL) -> [String] {
    let base = folder.resolvingSymlinksInPath().path
    let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
    var found: [String] = []
    while let url = enumerator?.nextObject() as? URL {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.resolvingSymlinksInPath().path
            found.append(String(path.dropFirst(base.count + 1)))
        }
    }
    return found.sorted()
}

/// The names in `folder`, sorted, hidden ones included.
/// The names in a folder, sorted, without the marker every exported folder holds (its own tests check it).
func entries(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0 != ".microlabel-export" }.sorted()
}
