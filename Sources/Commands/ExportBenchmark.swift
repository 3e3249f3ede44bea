import Exchange
import Foundation
import Geometry
import LabelStore

/// `bench export`: the annotations of a 10,000-frame video with three objects on every frame,
/// a tenth of the boxes pending, written in every format without images (the pending ones too,
/// except in Pascal VOC, which has no way to mark them and refuses them).
struct ExportBenchmark {
    var frames: Int
    var runs: Int

    func run() throws {
        var boxes: [DatasetBox] = []
        boxes.reserveCapacity(frames * 3)
        for frame in 0..<frames {
            for object in 0..<3 {
                let t = Double(frame) / Double(frames)
                let rect = BoxRect(x: 100 + 300 * Double(object) + 50 * sin(t * 40), y: 200 + 30 * cos(t * 25), width: 120.25, height: 240.5)
                let pending = (frame + object) % 10 == 0
                boxes.append(DatasetBox(frame: frame, trackID: Int64(object + 1), label: object == 2 ? "ball" : "person", rect: rect,
                                        kind: pending ? .proposal : .accepted, confidence: pending ? 0.6 : 1))
            }
        }
        let dataset = Dataset(name: "bench", labels: ["person", "ball"], boxes: boxes, frameCount: frames, width: 1280, height: 720, fps: 25)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-export-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        print("exporting the annotations of \(frames) frames (\(boxes.count) boxes, no images), median of \(runs) runs")
        for format in DatasetFormat.allCases where format.canExport {
            var times: [Double] = []
            for run in 0..<runs {
                var options = ExportOptions()
                options.includePending = format != .voc
                let out = scratch.appendingPathComponent("\(format.rawValue)-\(run)" + (format == .mot ? ".txt" : ""))
                let start = monotonicSeconds()
                _ = try DatasetExporter.export(dataset, format: format, to: out, options: options)
                times.append(monotonicSeconds() - start)
                try? FileManager.default.removeItem(at: out)
            }
            print(String(format: "  %-10@ %6.3f s", format.rawValue, median(times)))
        }
    }
}
