import Foundation
import Geometry
import Imaging
import LabelStore
import Synthetic
import TestSupport
import XCTest

/// `boxes --json` and `accept` by target precision, on a generated sequence, through the executable.
final class BoxesAndAcceptTests: XCTestCase {
    private var directory: URL!
    private let sequence = SyntheticSequence(frameCount: 40)

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("boxes")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private var project: String { directory.appendingPathComponent("p.microlabel").path }

    private func truth(_ frame: Int) -> BoxRect {
        let b = sequence.boxes[frame]
        return BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)
    }

    /// A project on the sequence, seeded on frames 10 and 30 (1-based), propagated.
    private func propagated() throws {
        let folder = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<sequence.frameCount {
            try ImageCodec.encodePNG(sequence.frame(index)).write(to: folder.appendingPathComponent(String(format: "%04d.png", index + 1)))
        }
        XCTAssertEqual(try runMicrolabel(["init", project, "--source", folder.path]).status, 0)
        for frame in [9, 29] {
            let b = truth(frame)
            let seeded = try runMicrolabel(["seed", project, "--frame", String(frame + 1), "--box", "\(b.x),\(b.y),\(b.width),\(b.height)", "--label", "thing"])
            XCTAssertEqual(seeded.status, 0, seeded.stderr)
        }
        let propagated = try runMicrolabel(["propagate", project])
        XCTAssertEqual(propagated.status, 0, propagated.stderr)
    }

    private func boxes(_ arguments: [String] = []) throws -> [[String: Any]] {
        let result = try runMicrolabel(["boxes", project, "--json"] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], result.stdout)
    }

    func testBoxesAsJSONWithFilters() throws {
        try propagated()
        let all = try boxes()
        XCTAssertEqual(all.count, 40, "two seeds and a proposal on every other frame")
        for box in all {
            XCTAssertEqual(Set(box.keys), ["frame", "object", "label", "kind", "x", "y", "w", "h", "confidence"])
            XCTAssertEqual(box["label"] as? String, "thing")
        }
        let seeds = try boxes(["--kind", "seed"])
        XCTAssertEqual(seeds.compactMap { $0["frame"] as? Int }, [10, 30], "frames are 1-based")
        XCTAssertEqual(try XCTUnwrap(seeds.first?["x"] as? Double), truth(9).x, accuracy: 1e-6)
        XCTAssertEqual(seeds.first?["confidence"] as? Double, 1)
        let proposals = try boxes(["--kind", "proposal", "--frames", "11-20"])
        XCTAssertEqual(proposals.compactMap { $0["frame"] as? Int }, Array(11...20))
        XCTAssertTrue(proposals.allSatisfy { ($0["confidence"] as? Double).map { $0 > 0 && $0 < 1 } ?? false })
        let object = try XCTUnwrap(all.first?["object"] as? Int)
        XCTAssertEqual(try boxes(["--object", String(object)]).count, 40)

        // Read-only: the listing opens the file without writing.
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: project)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: project) }
        XCTAssertEqual(try boxes().count, 40)
        XCTAssertEqual(try runMicrolabel(["boxes", project, "--kind", "maybe"]).status, 2)
        XCTAssertEqual(try runMicrolabel(["boxes", project, "--object", "99"]).status, 1)
        let text = try runMicrolabel(["boxes", project, "--kind", "seed"])
        XCTAssertEqual(text.stdout.split(separator: "\n").count, 3, text.stdout)
    }

    /// `accept` with no score takes the pending boxes whose mean confidence reaches the target,
    /// says how many and how many it expects wrong; `--min-score` still accepts by score.
    func testAcceptByTargetPrecision() throws {
        try propagated()
        let pending = try boxes(["--kind", "proposal"])
        let confidences = pending.compactMap { $0["confidence"] as? Double }.sorted(by: >)
        var expected = 0, sum = 0.0
        for (k, c) in confidences.enumerated() {
            sum += c
            if sum >= 0.99 * Double(k + 1) { expected = k + 1 }
        }
        let accepted = try runMicrolabel(["accept", project])
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertTrue(accepted.stdout.hasPrefix("accepted \(expected) of \(pending.count) pending proposals"), accepted.stdout)
        XCTAssertTrue(accepted.stdout.contains("expected to be wrong"), accepted.stdout)
        XCTAssertEqual(try boxes(["--kind", "accepted"]).count, expected)
        XCTAssertGreaterThan(expected, 0, "an easy sequence with two checked seeds has boxes worth accepting")
        // The ones left are less sure than every one taken.
        let left = try boxes(["--kind", "proposal"]).compactMap { $0["confidence"] as? Double }
        if let top = left.max() { XCTAssertLessThanOrEqual(top, confidences[expected - 1]) }

        let strict = try runMicrolabel(["accept", project, "--precision", "1"])
        XCTAssertEqual(strict.status, 0, strict.stderr)
        XCTAssertTrue(strict.stdout.hasPrefix("accepted 0"), strict.stdout)
        XCTAssertEqual(try runMicrolabel(["accept", project, "--precision", "2"]).status, 2)
        let byScore = try runMicrolabel(["accept", project, "--min-score", "0"])
        XCTAssertEqual(byScore.status, 0, byScore.stderr)
        XCTAssertEqual(try boxes(["--kind", "proposal"]).count, 0)
        XCTAssertEqual(try boxes(["--kind", "accepted"]).count, 38)
    }
}
