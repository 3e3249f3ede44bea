import Foundation
import Imaging
import TestSupport
import XCTest

/// The review room behind a slow link: `Tests/Scripts/thin_link.py` runs `microlabel open` on a
/// pseudo-terminal whose output crosses a throttled link, answers the room's queries like a
/// sixel terminal, and holds Right at 30 presses a second.
final class ThinLinkTests: XCTestCase {
    /// Frames of one colour each (with a mild pattern, so pictures have some weight), the colour
    /// moving steadily from frame to frame: the last picture's mean colour tells its frame.
    private static func frame(_ index: Int) -> RGBImage {
        let width = 320, height = 180
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let base = baseColour(index)
        for y in 0..<height {
            for x in 0..<width {
                let n = (x * 7 + y * 13 + index * 5) % 11 - 5 + x * 30 / width - 15
                let o = (y * width + x) * 3
                pixels[o] = UInt8(clamping: Int(base.r) + n)
                pixels[o + 1] = UInt8(clamping: Int(base.g) + n)
                pixels[o + 2] = UInt8(clamping: Int(base.b) + n)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    private static func baseColour(_ index: Int) -> RGB { RGB(UInt8(20 + index * 2), UInt8(220 - index * 2), UInt8(60 + index * 5 % 120)) }

    private static func mean(_ image: RGBImage) -> [Double] {
        var sums = [0.0, 0.0, 0.0]
        for (i, value) in image.pixels.enumerated() { sums[i % 3] += Double(value) }
        return sums.map { $0 / Double(image.width * image.height) }
    }

    func testHeldKeyOverAThinLinkKeepsOnePictureInFlightAndEndsOnTheLastFrame() throws {
        guard let python = Fixtures.program("python3") else { throw XCTSkip("python3 is not installed") }
        let folder = try Fixtures.temporaryDirectory("microlabel-thin-link")
        defer { try? FileManager.default.removeItem(at: folder) }
        let frames = folder.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        let count = 80
        var means: [[Double]] = []
        for i in 0..<count {
            let image = Self.frame(i)
            means.append(Self.mean(image))
            try ImageCodec.write(image, to: frames.appendingPathComponent(String(format: "f%03d.ppm", i)))
        }
        let made = try runMicrolabel(["init", "T", "--source", frames.path], directory: folder)
        XCTAssertEqual(made.status, 0, made.stderr)

        // 250 KB/s with a 10 ms round trip: a round trip holds 2.5 KB, far less than any picture,
        // so paced pictures go strictly one at a time.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/thin_link.py")
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--rate", "250000", "--rtt-ms", "10", "--size", "80x24", "--cell", "10x20",
                             "--hold", "1.5", "--presses-per-s", "30", "--settle", "2.5", "--",
                             Fixtures.microlabelExecutable.path, "open", folder.appendingPathComponent("T").path, "--graphics", "sixel"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], String(decoding: data, as: UTF8.self))

        let presses = try XCTUnwrap((report["presses"] as? NSNumber)?.intValue)
        XCTAssertGreaterThan(presses, 30)
        XCTAssertLessThan(presses, count)
        XCTAssertEqual((report["max_in_flight"] as? NSNumber)?.intValue, 1, "pictures queued up in the link: \(report)")
        XCTAssertGreaterThanOrEqual((report["images"] as? NSNumber)?.intValue ?? 0, 5, "pictures stopped while the key was held: \(report)")
        XCTAssertGreaterThan((report["last_after_press"] as? NSNumber)?.doubleValue ?? -1, 0, "no picture came after the last press: \(report)")

        // The last picture shows the frame the presses lead to (the first frame plus one per press).
        let colour = try XCTUnwrap((report["last_colour"] as? [NSNumber])?.map(\.doubleValue))
        let nearest = means.indices.min { a, b in
            zip(means[a], colour).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) < zip(means[b], colour).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        }
        XCTAssertEqual(nearest, presses, "the last picture shows frame \(nearest.map { $0 + 1 } ?? 0), not \(presses + 1): \(report)")
        if let end = (report["counter_end"] as? NSNumber)?.intValue {  // read when pyte is installed
            XCTAssertEqual(end, presses + 1, "the status line's counter: \(report)")
        }
    }

    func testDoctorMeasuresTheRoundTripAndTheRateOfTheLink() throws {
        guard let python = Fixtures.program("python3"), let shell = Fixtures.program("sh") else {
            throw XCTSkip("python3 is not installed")
        }
        let folder = try Fixtures.temporaryDirectory("microlabel-thin-link-doctor")
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("doctor.txt")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/thin_link.py")
        // 250 KB/s (2 Mbit/s) with a 40 ms round trip, no keys: doctor's queries and burst cross it.
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--rate", "250000", "--rtt-ms", "40", "--hold", "0", "--settle", "1", "--",
                             shell.path, "-c", "'\(Fixtures.microlabelExecutable.path)' doctor --graphics sixel > '\(report.path)' 2>&1; sleep 1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = try String(contentsOf: report, encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.contains("link ") }, text)
        let numbers = line.split(whereSeparator: { !"0123456789.".contains($0) }).compactMap { Double($0) }
        XCTAssertGreaterThanOrEqual(numbers.count, 2, String(line))
        XCTAssertEqual(numbers[0], 40, accuracy: 15, "round trip in ms: \(line)")
        XCTAssertEqual(numbers[1], 2.0, accuracy: 0.5, "Mbit/s: \(line)")
    }
}
