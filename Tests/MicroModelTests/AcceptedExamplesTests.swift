import Geometry
import Imaging
import Synthetic
import TestSupport
import XCTest
@testable import MicroModel

/// Accepted boxes as training examples of the runs that pass them (appearance only).
final class AcceptedExamplesTests: XCTestCase {
    private let sequence = ArmsSequence()

    private func meanIoU(_ run: Run, frames: ClosedRange<Int>) -> Double {
        let points = run.points.filter { frames.contains($0.frame) }
        return points.map { $0.box.iou(sequence.rect($0.frame)) }.reduce(0, +) / Double(max(points.count, 1))
    }

    private func meanWidth(_ run: Run, frames: ClosedRange<Int>) -> Double {
        let points = run.points.filter { frames.contains($0.frame) }
        return points.map(\.box.width).reduce(0, +) / Double(max(points.count, 1))
    }

    /// The seed shows no arms. Accepted boxes that take them in teach the run's colour model that
    /// the arms are the object's, so its boxes after them come nearer the true width; without
    /// them the boxes keep to the body. The run's position stays its own.
    func testAcceptedBoxesTeachTheRunTheObjectsLook() throws {
        let seed = Seed(frame: 0, box: sequence.rect(0))
        let window = Window(seed: seed, direction: .forward, limit: 39)
        let frames: (Int) -> RGBImage = { self.sequence.frame($0) }
        let examples = Dictionary(uniqueKeysWithValues: [10, 13, 16, 19].map { ($0, sequence.rect($0)) })
        let taught = try propagate(window, frames: frames, examples: examples)
        let plain = try propagate(window, frames: frames)
        var off = PropagationConfig()
        off.tracker.exampleColorWeight = 0
        let ignored = try propagate(window, frames: frames, examples: examples, config: off)
        XCTAssertEqual(taught.points.count, 39)
        XCTAssertEqual(plain.points.count, 39)
        XCTAssertEqual(ignored, plain, "with no weight the examples change nothing")
        let after = 20...39
        XCTAssertGreaterThan(meanWidth(taught, frames: after), meanWidth(plain, frames: after) + 0.5,
                             "taught \(meanWidth(taught, frames: after)), plain \(meanWidth(plain, frames: after)), true 36")
        XCTAssertGreaterThan(meanIoU(taught, frames: after), meanIoU(plain, frames: after) + 0.015,
                             "taught \(meanIoU(taught, frames: after)), plain \(meanIoU(plain, frames: after))")
        // Before the first example both runs are the same run.
        XCTAssertEqual(Array(taught.points.prefix(9)), Array(plain.points.prefix(9)))
        // An example 6 px off the object's centre does not move the run's box there.
        var shifted = examples
        shifted[10] = BoxRect(centerX: sequence.rect(10).centerX + 6, centerY: 80, width: 36, height: 24)
        let nudged = try propagate(window, frames: frames, examples: shifted)
        let at10 = try XCTUnwrap(nudged.points.first { $0.frame == 10 })
        XCTAssertLessThan(abs(at10.box.centerX - sequence.rect(10).centerX), 2, "the run's own position at the accepted frame")
        // Accepted boxes the run is not on (IoU under 0.5 with its own box) teach nothing.
        let elsewhere = examples.mapValues { BoxRect(x: $0.x + 30, y: $0.y, width: $0.width, height: $0.height) }
        XCTAssertEqual(try propagate(window, frames: frames, examples: elsewhere), plain)
    }

    /// An accepted box on a frame where the object is hidden behind an occluder teaches nothing:
    /// the run's response there is not sharp.
    func testAcceptedBoxesOverAnOccluderTeachNothing() throws {
        let sequence = SyntheticSequence(frameCount: 40, occluded: 18..<21)
        let window = Window(seed: Seed(frame: 0, box: sequence.rect(0)), direction: .forward, limit: 39)
        let plain = try propagate(window, frames: sequence.frame)
        let hidden = Dictionary(uniqueKeysWithValues: (18..<21).map { ($0, sequence.rect($0)) })
        XCTAssertTrue(plain.points.contains { (18..<21).contains($0.frame) }, "the run goes through the occlusion")
        XCTAssertEqual(try propagate(window, frames: sequence.frame, examples: hidden), plain)
        // The same boxes on frames where it is in view do teach.
        let inView = Dictionary(uniqueKeysWithValues: (8..<11).map { ($0, sequence.rect($0)) })
        XCTAssertNotEqual(try propagate(window, frames: sequence.frame, examples: inView), plain)
    }
}
