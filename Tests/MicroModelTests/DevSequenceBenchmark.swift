import struct LabelStore.BoxRect
import XCTest
import Foundation
import Imaging
@testable import MicroModel

/// Runs the seeded-propagation protocol on tracking sequences outside the repository and writes
/// MOT files for `seedeval.py score`. Skipped unless MICROLABEL_DEV_PPM names a folder of
/// SEQ/000001.ppm... folders and MICROLABEL_DEV_GT a folder of SEQ/groundtruth_rect.txt.
/// Run with `swift test -c release --filter DevSequenceBenchmark`.
final class DevSequenceBenchmark: XCTestCase {
    func testDevSequences() throws {
        let env = ProcessInfo.processInfo.environment
        guard let ppmRoot = env["MICROLABEL_DEV_PPM"], let gtRoot = env["MICROLABEL_DEV_GT"] else {
            throw XCTSkip("set MICROLABEL_DEV_PPM and MICROLABEL_DEV_GT to run")
        }
        let out = env["MICROLABEL_DEV_OUT"] ?? NSTemporaryDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: ppmRoot).sorted()
        for name in names {
            let dir = URL(fileURLWithPath: ppmRoot).appendingPathComponent(name)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".ppm") }.sorted()
            let gtText = try String(contentsOfFile: "\(gtRoot)/\(name)/groundtruth_rect.txt", encoding: .utf8)
            let gt: [BoxRect] = gtText.split(whereSeparator: \.isNewline).map { line in
                let v = line.split(whereSeparator: { ",\t ".contains($0) }).compactMap { Double($0) }
                return BoxRect(x: v[0], y: v[1], width: v[2], height: v[3])
            }
            let n = files.count
            let k = Int((Double(n) / 100).rounded(.up))
            let seeds = (0..<k).map { i -> Seed in
                let f = Int((Double(i) + 0.5) * Double(n) / Double(k))
                return Seed(frame: f, box: gt[f])
            }
            // Read once to time reading, then propagate from memory.
            var t0 = Date()
            let frames = try files.map { try readPPM(dir.appendingPathComponent($0).path) }
            let readTime = Date().timeIntervalSince(t0) / Double(n)
            t0 = Date()
            for s in seeds { _ = CorrelationTracker(image: frames[s.frame], box: s.box) }
            let trainTime = Date().timeIntervalSince(t0) / Double(seeds.count)
            var config = PropagationConfig()
            config.threads = 2
            t0 = Date()
            let c0 = clock()
            let result = try propagateAll(seeds: seeds, frameCount: n, frames: { frames[$0] }, config: config)
            let propTime = Date().timeIntervalSince(t0)
            let cpu = Double(clock() - c0) / Double(CLOCKS_PER_SEC)
            var mot = ""
            for p in result.proposals {
                mot += String(format: "%d,1,%.2f,%.2f,%.2f,%.2f,%.5f,1,1\n", p.frame + 1, p.box.x, p.box.y,
                              p.box.width, p.box.height, p.confidence)
            }
            try mot.write(toFile: "\(out)/swift_\(name).txt", atomically: true, encoding: .utf8)
            var dump = ""
            for r in result.runs {
                for p in r.points {
                    dump += String(format: "%d,%d,%d,%.2f,%.2f,%.2f,%.2f,%.3f,%.4f\n", r.seed.frame, r.direction == .forward ? 1 : -1,
                                   p.frame, p.box.x, p.box.y, p.box.width, p.box.height, p.sharpness, p.similarity)
                }
            }
            try dump.write(toFile: "\(out)/swift_runs_\(name).txt", atomically: true, encoding: .utf8)
            let tracked = result.runs.reduce(0) { $0 + $1.points.count }
            let s = result.suggestion
            print(String(format: "%@ %dx%d frames=%d train=%.1f ms/seed propagate=%.2f s wall (%.1f frames/s), %.2f s CPU (%.1f frames/s per 2 cores, %.2f ms per tracked frame, %d tracked) ppm-read=%.1f ms/frame threshold=%@",
                         name, frames[0].width, frames[0].height, n, trainTime * 1000, propTime, Double(n) / propTime,
                         cpu, 2 * Double(n) / cpu, 1000 * cpu / Double(tracked), tracked, readTime * 1000,
                         s.map { String(format: "%.2f precision %.2f over %d checks", $0.threshold, $0.precision, $0.checks) } ?? "none"))
            let t = result.times
            print(String(format: "  stages (s, summed over threads): frames %.3f  scene-cuts %.3f  features %.3f  training %.3f  search %.3f  stitching %.4f",
                         t.frames, t.sceneCuts, t.features, t.training, t.search, result.stitching))
            print("ends:", result.runs.map { "\($0.seed.frame + 1)\($0.direction == .forward ? "+" : "-"):\($0.end)" })
        }
    }
}

/// Binary PPM (P6, maxval 255) reader for the benchmark only.
private func readPPM(_ path: String) throws -> RGBImage {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var fields: [Int] = [], i = 2
    while fields.count < 3 {
        while data[i] == 0x20 || data[i] == 0x0A || data[i] == 0x0D || data[i] == 0x09 { i += 1 }
        var v = 0
        while data[i] >= 0x30 && data[i] <= 0x39 { v = v * 10 + Int(data[i] - 0x30); i += 1 }
        fields.append(v)
    }
    i += 1
    return RGBImage(width: fields[0], height: fields[1], pixels: [UInt8](data[i..<(i + fields[0] * fields[1] * 3)]))
}
