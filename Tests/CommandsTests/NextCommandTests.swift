import Foundation
import Geometry
import LabelStore
import TestSupport
import XCTest

/// `microlabel next`, through the executable, on projects made through the store.
final class NextCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("next")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        try? FileManager.default.removeItem(at: directory)
    }

    private static let keys: Set<String> = [
        "status", "frame", "object", "object_name", "label", "expected_saving_s", "net_saving_s", "expected_checks_saved",
        "confidence", "stretch_start", "stretch_end", "stretch_unsure", "stretch_missing", "stretch_lowest_confidence", "reason",
        "precision", "threshold", "pending", "auto_acceptable", "unsure", "missing", "review_left_s", "draw_cost_s", "check_cost_s",
    ]

    /// A project of `frameCount` frames with one "walker" object seeded on `seeds` (0-based) and,
    /// per stretch between them, proposals of the given confidence.
    private func makeProject(_ name: String = "p", frameCount: Int = 300, seeds: [Int] = [],
                             stretches: [(ClosedRange<Int>, Double)] = []) throws -> String {
        let url = directory.appendingPathComponent("\(name).microlabel")
        let project = try Project.create(
            at: url, source: SourceInfo(path: directory.path, kind: .folder, frameCount: frameCount, width: 640, height: 360, fps: 25),
            labels: ["walker"])
        let object = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id)
        for frame in seeds {
            _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: BoxRect(x: 100, y: 80, width: 40, height: 90)))
        }
        for (frames, confidence) in stretches {
            try project.replaceProposals(objectID: object.id, frames: frames, with: frames.filter { !seeds.contains($0) }.map {
                ProposedBox(frame: $0, rect: BoxRect(x: 101, y: 80, width: 40, height: 90), confidence: confidence)
            })
        }
        return url.path
    }

    private func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try runMicrolabel(arguments + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    func testNamesTheFrameAndObjectAsTextAndJSON() throws {
        // Frames 101-199 (1-based) are the doubtful stretch.
        let path = try makeProject(seeds: [0, 100, 200, 299], stretches: [(0...100, 0.999), (100...200, 0.4), (200...299, 0.999)])
        let row = try json(["next", path])
        XCTAssertEqual(Set(row.keys), Self.keys)
        XCTAssertEqual(row["status"] as? String, "draw")
        let frame = try XCTUnwrap(row["frame"] as? Int)
        XCTAssertTrue((102...200).contains(frame), "1-based frame \(frame) in the doubtful stretch")
        XCTAssertEqual(row["stretch_start"] as? Int, 101)
        XCTAssertEqual(row["stretch_end"] as? Int, 201)
        XCTAssertEqual(row["label"] as? String, "walker")
        XCTAssertEqual(row["object_name"] as? String, "walker 1")
        // The precision target takes a few of the doubtful ones along with the sure ones (their mean still reaches 0.99).
        XCTAssertTrue((90...99).contains(try XCTUnwrap(row["stretch_unsure"] as? Int)), "\(row)")
        XCTAssertEqual(row["confidence"] as? Double, 0.4)
        XCTAssertGreaterThan(try XCTUnwrap(row["expected_saving_s"] as? Double), 7)
        XCTAssertEqual(row["draw_cost_s"] as? Double, 7)
        XCTAssertEqual(row["check_cost_s"] as? Double, 1.6)
        XCTAssertEqual(row["pending"] as? Int, 99 * 2 + 98)
        XCTAssertFalse(try XCTUnwrap(row["reason"] as? String).isEmpty)

        let text = try runMicrolabel(["next", path])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(text.stdout.split(separator: "\n").count, 1, text.stdout)
        XCTAssertTrue(text.stdout.hasPrefix("draw walker 1 (object #"), text.stdout)
        XCTAssertTrue(text.stdout.contains("on frame \(frame):"), text.stdout)
        XCTAssertTrue(text.stdout.contains("between the decided boxes on frames 101 and 201"), text.stdout)

        // Only reads: works on a project nobody may write.
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
        XCTAssertEqual(try json(["next", path])["frame"] as? Int, frame)
    }

    func testNothingLeftOnceEverythingIsAccepted() throws {
        let path = try makeProject(seeds: [0, 150, 299], stretches: [(0...150, 0.6), (150...299, 0.7)])
        XCTAssertEqual(try json(["next", path])["status"] as? String, "draw")
        XCTAssertEqual(try runMicrolabel(["accept", path, "--min-score", "0"]).status, 0)
        let text = try runMicrolabel(["next", path])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("nothing left to review"), text.stdout)
        let row = try json(["next", path])
        XCTAssertEqual(Set(row.keys), Self.keys)
        XCTAssertEqual(row["status"] as? String, "done")
        XCTAssertTrue(row["frame"] is NSNull)
        XCTAssertEqual(row["pending"] as? Int, 0)
        XCTAssertEqual(row["review_left_s"] as? Double, 0)

        // Pending proposals that 'accept' would take are not review either; it says so.
        let easy = try makeProject("easy", seeds: [0, 299], stretches: [(0...299, 0.995)])
        let done = try runMicrolabel(["next", easy])
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertTrue(done.stdout.contains("'accept' takes all 298 pending proposals"), done.stdout)
    }

    func testClearMessagesWhereThereIsNothingToSuggest() throws {
        let missing = try runMicrolabel(["next", directory.appendingPathComponent("nowhere").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no such project"), missing.stderr)

        let empty = try runMicrolabel(["next", try makeProject("empty", frameCount: 0)])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("the source has no frames"), empty.stderr)

        let unseeded = try runMicrolabel(["next", try makeProject("unseeded")])
        XCTAssertEqual(unseeded.status, 1)
        XCTAssertTrue(unseeded.stderr.contains("no boxes drawn yet"), unseeded.stderr)
        XCTAssertTrue(unseeded.stderr.contains("microlabel seed"), unseeded.stderr)

        let unpropagated = try runMicrolabel(["next", try makeProject("unpropagated", seeds: [10, 200])])
        XCTAssertEqual(unpropagated.status, 1)
        XCTAssertTrue(unpropagated.stderr.contains("no proposals yet: run 'microlabel propagate"), unpropagated.stderr)
        XCTAssertEqual(unpropagated.stderr.split(separator: "\n").count, 1, unpropagated.stderr)

        let path = try makeProject("usage", seeds: [0, 299], stretches: [(0...299, 0.5)])
        XCTAssertEqual(try runMicrolabel(["next", path, "--precision", "2"]).status, 2)
        XCTAssertEqual(try runMicrolabel(["next", path, "--object", "x"]).status, 2)
        XCTAssertEqual(try runMicrolabel(["next"]).status, 2)
        let unknown = try runMicrolabel(["next", path, "--object", "42"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("object #42 does not exist"), unknown.stderr)
        XCTAssertEqual(try json(["next", path, "--object", "1"])["object"] as? Int, 1)
    }
}
