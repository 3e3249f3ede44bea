import Foundation
import Imaging
import TerminalGraphics

/// `bench render`: what drawing a frame costs in the TUI, and our sixel against chafa's.
struct RenderBenchmark {
    var images: [URL]
    var runs: Int
    var sampleFrame: URL

    func run() throws {
        try inProcess()
        for image in images { try againstChafa(image) }
    }

    /// One core, the TUI's own work per frame: a 640x360 frame with two box overlays to sixel,
    /// and a frame to Unicode blocks for a 160x45-cell view.
    private func inProcess() throws {
        var frame = try ImageCodec.decode(contentsOf: sampleFrame)
        if frame.width != 640 || frame.height != 360 { frame = frame.resized(width: 640, height: 360) }
        let overlays = [
            Overlay(x: 80, y: 78, width: 255, height: 220, colour: RGB(0, 229, 255), label: "rabbit 1.00"),
            Overlay(x: 400, y: 150, width: 120, height: 90, colour: RGB(255, 208, 0), label: "rabbit 0.62"),
        ]
        let sixel = SixelEncoder()
        let blocks = BlockRenderer(colourDepth: .trueColour)
        let area = CellArea(columns: 160, rows: 45)
        var sixelTimes: [Double] = []
        var blockTimes: [Double] = []
        var bytes = 0
        for _ in 0..<max(runs, 20) {
            let start = threadCPUSeconds()
            var drawn = frame
            drawn.draw(overlays, scaleX: 1, scaleY: 1)
            bytes = try sixel.encode(drawn).count
            sixelTimes.append(threadCPUSeconds() - start)
            let blockStart = threadCPUSeconds()
            _ = try blocks.render(frame, overlays: overlays, in: area)
            blockTimes.append(threadCPUSeconds() - blockStart)
        }
        print("in process, one core, CPU time, median of \(sixelTimes.count) (\(sampleFrame.lastPathComponent))")
        print(String(format: "  sixel 640x360 with 2 overlays  %6.2f ms  (%d bytes)", median(sixelTimes) * 1000, bytes))
        print(String(format: "  blocks 160x45 cells            %6.2f ms", median(blockTimes) * 1000))
    }

    /// Whole processes, alternately, on the same PNG: `microlabel render --graphics sixel` at the
    /// image's own size against chafa at the matching cell size (10x8 px cells), and the PSNR of
    /// each decoded back with sixel2png.
    private func againstChafa(_ image: URL) throws {
        let chafa = try locateProgram("chafa")
        let sixel2png = try locateProgram("sixel2png")
        let source = try ImageCodec.decode(contentsOf: image)
        let size = "\(source.width / 8)x\(source.height / 8)"
        #if os(Linux)
        let ours = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        #else
        guard let ours = Bundle.main.executableURL?.resolvingSymlinksInPath() else {
            throw CommandError("bench render cannot find microlabel's own executable")
        }
        #endif
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("microlabel-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let ourOutput = scratch.appendingPathComponent("ours.six"), theirOutput = scratch.appendingPathComponent("chafa.six")
        let runs = max(self.runs, 7)
        var ourTimes: [Double] = [], theirTimes: [Double] = []
        for _ in 0..<runs {
            let a = monotonicSeconds()
            try spawnAndWait(ours, ["render", image.path, "--graphics", "sixel"], stdout: ourOutput)
            ourTimes.append(monotonicSeconds() - a)
            let b = monotonicSeconds()
            try spawnAndWait(chafa, ["-f", "sixel", "-s", size, "--stretch", image.path], stdout: theirOutput)
            theirTimes.append(monotonicSeconds() - b)
        }
        func psnr(_ sixelFile: URL) throws -> Double {
            let png = sixelFile.appendingPathExtension("png")
            try spawnAndWait(sixel2png, ["-i", sixelFile.path, "-o", png.path])
            return peakSignalToNoise(source, try ImageCodec.decode(contentsOf: png))
        }
        let ourBytes = try Data(contentsOf: ourOutput).count, theirBytes = try Data(contentsOf: theirOutput).count
        print("\(image.lastPathComponent) \(source.width)x\(source.height), whole process, median of \(runs) alternating runs; chafa -f sixel -s \(size) --stretch")
        print(String(format: "  microlabel  %6.1f ms  %6.2f dB  %8d bytes", median(ourTimes) * 1000, try psnr(ourOutput), ourBytes))
        print(String(format: "  chafa       %6.1f ms  %6.2f dB  %8d bytes", median(theirTimes) * 1000, try psnr(theirOutput), theirBytes))
        print(String(format: "  time ratio  %.2fx chafa's", median(ourTimes) / median(theirTimes)))
        // PNG (row filters, then deflate) against raw RGB deflated (o=z), same pixels, same zlib level.
        for payload in KittyPayload.allCases {
            var times: [Double] = []
            var size = 0
            for _ in 0..<runs {
                let start = monotonicSeconds()
                size = try KittyImages.transmit(source, id: 1, payload: payload).count
                times.append(monotonicSeconds() - start)
            }
            print(String(format: "  kitty %@  %6.1f ms  %8d bytes", Self.label(payload), median(times) * 1000, size))
        }
        // The quick PNG the room sends where the link outruns the encoder, decoded back.
        for bits in [8, 6, 5] {
            let reduced = KittyImages.reducedPrecision(source, bits: bits)
            let back = try ImageCodec.decode(Data(QuickPNG.encode(reduced)))
            print(String(format: "  kitty quick PNG, %d bits a channel  %6.2f dB", bits, peakSignalToNoise(source, back)))
        }
        // Kitty's full picture as the review room sends it (a PNG, fewer bits a channel on thinner
        // links), decoded back from the bytes that would cross the link.
        for bits in [8, 6, 5] {
            let sent = try KittyImages.transmit(KittyImages.reducedPrecision(source, bits: bits), id: 1)
            let payload = String(decoding: sent, as: UTF8.self).components(separatedBy: "\u{1B}\\")
                .compactMap { $0.split(separator: ";", maxSplits: 1).dropFirst().first }.joined()
            guard let png = Data(base64Encoded: payload) else { continue }
            let back = try ImageCodec.decode(png)
            print(String(format: "  kitty full, %d bits a channel  %6.2f dB  %8d bytes", bits, peakSignalToNoise(source, back), sent.count))
        }
    }
}

extension RenderBenchmark {
    static func label(_ payload: KittyPayload) -> String {
        switch payload {
        case .png: "f=100 (PNG)      "
        case .zlib: "o=z (zlib)       "
        case .quickPNG: "f=100 (quick PNG)"
        }
    }
}

/// PSNR in dB of `b` against `a`, over the common area (a decoder may pad the height).
func peakSignalToNoise(_ a: RGBImage, _ b: RGBImage) -> Double {
    let width = min(a.width, b.width), height = min(a.height, b.height)
    var sum = 0.0
    a.pixels.withUnsafeBufferPointer { pa in
        b.pixels.withUnsafeBufferPointer { pb in
            for y in 0..<height {
                let rowA = y * a.width * 3, rowB = y * b.width * 3
                var rowSum = 0
                for i in 0..<(width * 3) {
                    let d = Int(pa[rowA + i]) - Int(pb[rowB + i])
                    rowSum &+= d * d
                }
                sum += Double(rowSum)
            }
        }
    }
    let mse = sum / Double(width * height * 3)
    return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
}
