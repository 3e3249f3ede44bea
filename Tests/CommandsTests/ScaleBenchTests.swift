import Foundation
import TestSupport
import XCTest

/// `bench scale` runs end to end on a short generated video: its passes propagate, the boxes it
/// proposes match the video's own truth, and `next` answers on the result. (It measures
/// nothing here: figures come from release builds.)
final class ScaleBenchTests: XCTestCase {
    func testBenchScaleOnAShortGeneratedVideo() throws {
        let result = try runMicrolabel(["bench", "scale", "--frame-counts", "80", "--seed-counts", "2", "--runs", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("     80") }
        XCTAssertEqual(rows.count, 1, result.stdout)
        let fields = try XCTUnwrap(rows.first).split(separator: " ").map(String.init)
        XCTAssertEqual(fields.count, 10, result.stdout)
        XCTAssertEqual(fields[1], "2", "seeds")
        XCTAssertGreaterThan(try XCTUnwrap(Int(fields[2])), 70, "frames tracked")
        XCTAssertGreaterThan(try XCTUnwrap(Int(fields[7])), 70, "proposals on the frames between and around the seeds")
        XCTAssertGreaterThan(try XCTUnwrap(Double(fields[8])), 0.9, "share of proposals with IoU >= 0.5 against the generated truth")
        XCTAssertTrue(result.stdout.contains("'microlabel next' as a process"), result.stdout)

        let bad = try runMicrolabel(["bench", "scale", "--seed-counts", "0"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
    }
}
