import CZlib
import Foundation
import Imaging
import TestSupport
import XCTest

/// Test-only image helpers: a binary PPM reader for the committed fixture, a PNG reader for
/// what sixel2png writes (8-bit RGB/RGBA, not interlaced), PSNR, and zlib inflate.
enum TestImages {
    static var directory: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent() }

    /// A 240x144 crop of sample-data/frames/000040.jpg (Big Buck Bunny), stored as binary PPM
    /// so these tests need no JPEG decoder.
    static func bunnyCrop() throws -> RGBImage {
        try readPPM(Data(contentsOf: directory.appendingPathComponent("Fixtures/bbb-000040-crop.ppm")))
    }

    /// A synthetic frame: gradients, hard edges and a few flat patches.
    static func synthetic(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let r = UInt8(x * 255 / max(1, width - 1))
                let g = UInt8(y * 255 / max(1, height - 1))
                let b = UInt8((x / 8 + y / 8) % 2 == 0 ? 200 : 40)
                image[x, y] = RGB(r, g, b)
            }
        }
        image.fillRectangle(x: width / 4, y: height / 4, width: width / 3, height: height / 3, colour: RGB(250, 250, 250))
        return image
    }

    static func readPPM(_ data: Data) throws -> RGBImage {
        let bytes = [UInt8](data)
        var fields: [String] = []
        var i = 0
        while fields.count < 4 && i < bytes.count {
            if bytes[i] == UInt8(ascii: "#") {
                while i < bytes.count && bytes[i] != 0x0A { i += 1 }
            } else if bytes[i] <= 0x20 {
                i += 1
            } else {
                let start = i
                while i < bytes.count && bytes[i] > 0x20 { i += 1 }
                fields.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
        }
        i += 1 // the single whitespace after maxval
        guard fields.count == 4, fields[0] == "P6", let width = Int(fields[1]), let height = Int(fields[2]),
              fields[3] == "255", bytes.count - i >= width * height * 3 else {
            throw TestImageError.malformed("PPM header \(fields)")
        }
        return RGBImage(width: width, height: height, pixels: Array(bytes[i..<(i + width * height * 3)]))
    }

    static func readPNG(_ data: Data) throws -> RGBImage {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) else {
            throw TestImageError.malformed("not a PNG")
        }
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var offset = 8
        var width = 0, height = 0, channels = 0
        var compressed: [UInt8] = []
        while offset + 8 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = offset + 8
            switch type {
            case "IHDR":
                width = be32(body)
                height = be32(body + 4)
                guard bytes[body + 8] == 8, bytes[body + 12] == 0 else { throw TestImageError.malformed("PNG depth/interlace") }
                switch bytes[body + 9] {
                case 2: channels = 3
                case 6: channels = 4
                default: throw TestImageError.malformed("PNG colour type \(bytes[body + 9])")
                }
            case "IDAT":
                compressed.append(contentsOf: bytes[body..<(body + length)])
            default:
                break
            }
            offset = body + length + 4
        }
        let stride = width * channels
        let raw = try inflate(compressed, expected: height * (stride + 1))
        var previous = [UInt8](repeating: 0, count: stride)
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            var line = Array(raw[(y * (stride + 1) + 1)..<((y + 1) * (stride + 1))])
            for x in 0..<stride {
                let a = x >= channels ? Int(line[x - channels]) : 0
                let b = Int(previous[x])
                let c = x >= channels ? Int(previous[x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw TestImageError.malformed("PNG filter \(filter)")
                }
                line[x] = UInt8(truncatingIfNeeded: Int(line[x]) + predictor)
            }
            for x in 0..<width {
                image[x, y] = RGB(line[x * channels], line[x * channels + 1], line[x * channels + 2])
            }
            previous = line
        }
        return image
    }

    static func inflate(_ bytes: [UInt8], expected: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expected)
        var length = uLongf(expected)
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                uncompress(dst.baseAddress, &length, src.baseAddress, uLong(bytes.count))
            }
        }
        guard status == Z_OK, Int(length) == expected else { throw TestImageError.malformed("zlib status \(status), \(length) of \(expected) bytes") }
        return out
    }

    static func psnr(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        var sum = 0.0
        for i in 0..<a.pixels.count {
            let d = Double(a.pixels[i]) - Double(b.pixels[i])
            sum += d * d
        }
        let mse = sum / Double(a.pixels.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// Runs sixel2png on `sixel` and reads the PNG back; skips the test when it is not installed.
    static func decodeWithSixel2png(_ sixel: [UInt8]) throws -> RGBImage {
        let candidates = ["/usr/bin/sixel2png", "/usr/local/bin/sixel2png", "/opt/homebrew/bin/sixel2png"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("sixel2png is not installed (Debian: apt-get install libsixel-bin); sixel decode checks skipped")
        }
        let directory = try Fixtures.temporaryDirectory("microlabel-sixel")
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("image.six"), output = directory.appendingPathComponent("image.png")
        try Data(sixel).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-i", input.path, "-o", output.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestImageError.malformed("sixel2png exited with \(process.terminationStatus)") }
        return try readPNG(Data(contentsOf: output))
    }
}

enum TestImageError: Error {
    case malformed(String)
}
