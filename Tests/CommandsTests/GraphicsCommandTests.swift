import Foundation
import Imaging
import TestSupport
import XCTest

/// `render` and `doctor` as a user runs them, output going to a file (no terminal to ask).
final class GraphicsCommandTests: XCTestCase {
    private let frame = Fixtures.sampleData.appendingPathComponent("frames/000040.jpg").path

    func testSixelAtTheImagesOwnSizeDecodesBackToThatSize() throws {
        guard let sixel2png = Fixtures.program("sixel2png") else { throw XCTSkip("sixel2png is not installed; .ci/run installs libsixel-bin") }
        let result = try runMicrolabel(["render", frame, "--graphics", "sixel"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("\u{1B}P"), "starts with a DCS")
        let directory = try Fixtures.temporaryDirectory("render")
        defer { try? FileManager.default.removeItem(at: directory) }
        let six = directory.appendingPathComponent("out.six"), png = directory.appendingPathComponent("out.png")
        try Data(result.stdout.utf8).write(to: six)
        let process = try Process.run(sixel2png, arguments: ["-i", six.path, "-o", png.path])
        process.waitUntilExit()
        let decoded = try ImageCodec.decode(contentsOf: png)
        XCTAssertEqual(decoded.width, 640)
        XCTAssertEqual(decoded.height, 360)
    }

    func testTextModesFitTheGivenColumns() throws {
        for mode in ["blocks", "ascii"] {
            let result = try runMicrolabel(["render", frame, "--graphics", mode, "--cols", "40"], environment: ["NO_COLOR": "1", "PATH": "/usr/bin:/bin"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let lines = result.stdout.split(separator: "\n")
            XCTAssertFalse(lines.isEmpty)
            XCTAssertTrue(lines.allSatisfy { $0.unicodeScalars.count <= 40 }, "\(mode): a line is wider than 40 cells")
            XCTAssertFalse(result.stdout.contains("\u{1B}["), "\(mode): NO_COLOR output carries no colour")
        }
    }

    func testASizeOfZeroAndABadModeAreRefused() throws {
        XCTAssertEqual(try runMicrolabel(["render", frame, "--graphics", "sixel", "--width", "0"]).status, 2)
        XCTAssertEqual(try runMicrolabel(["render", frame, "--graphics", "blocks", "--cols", "0"]).status, 2)
        let bad = try runMicrolabel(["render", frame, "--graphics", "hologram"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("hologram"), bad.stderr)
        let missing = try runMicrolabel(["render", "/nonexistent/frame.png", "--graphics", "ascii"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/frame.png"), missing.stderr)
    }

    func testDoctorSaysWhatItWillUse() throws {
        let result = try runMicrolabel(["doctor", "--graphics", "kitty"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("graphics  kitty"), result.stdout)
        let environment = try runMicrolabel(["doctor"], environment: ["MICROLABEL_GRAPHICS": "ascii", "PATH": "/usr/bin:/bin"])
        XCTAssertTrue(environment.stdout.contains("graphics  ascii"), environment.stdout)
    }
}
