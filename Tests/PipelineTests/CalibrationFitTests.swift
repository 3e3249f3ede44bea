import Foundation
import Geometry
import Imaging
import LabelStore
import MicroModel
@testable import Pipeline
import Synthetic
import TestSupport
import XCTest

/// The calibration fitted on a project's own evidence, on a generated sequence.
final class CalibrationFitTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("calibration")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Held-out checks are stored per stretch and count as evidence; review decisions on scored
    /// proposals then pull the confidence of like-scored proposals their way, past the prior.
    func testReviewDecisionsRecalibrateThePendingProposals() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, object) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        let summary = try PropagationEngine(project: project, frames: source).run()
        XCTAssertEqual(summary.calibrationEvidence, 2)
        XCTAssertNotNil(try project.setting(Calibration.checksKey))
        let pending = try project.pendingProposals(orderedBy: .frame)
        XCTAssertTrue(pending.allSatisfy { $0.confidence > 0 && $0.confidence < 1 })

        // A reviewer rejects every proposal outside the seeds (say the label meant something else there).
        let outside = pending.filter { $0.frame < 15 || $0.frame > 45 }
        let inside = pending.filter { $0.frame > 15 && $0.frame < 45 }
        XCTAssertFalse(outside.isEmpty)
        let before = try Calibration.current(project)
        try project.perform("reject") { try $0.setKind(ids: outside.map(\.id), to: .rejected) }
        let decisions = try project.scoredDecisions()
        XCTAssertEqual(decisions.count, outside.count, "rejected proposals keep their raw score as evidence")
        let after = try Calibration.current(project)
        let scores = decisions.map(\.score)
        let dropped = scores.filter { after(object, $0) < before(object, $0) - 0.05 }
        XCTAssertGreaterThan(dropped.count, scores.count / 2, "rejections lower the confidence of scores like theirs")

        // Bulk acceptance that nobody looked at is no evidence.
        try project.perform("accept") { try $0.setKind(ids: inside.map(\.id), to: .accepted) }
        try project.forgetScores(ids: inside.map(\.id))
        XCTAssertEqual(try project.scoredDecisions().count, outside.count)
    }

    /// `accept` without a score, through the engine's summary: what it would take reaches the target.
    func testAutoAcceptPreviewReachesTheTarget() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        let summary = try PropagationEngine(project: project, frames: source).run()
        let selection = PrecisionTarget().select(try project.pendingProposals(), confidence: \.confidence)
        XCTAssertEqual(summary.autoAccept, selection.items.count)
        XCTAssertGreaterThan(selection.items.count, 0, "two landed checks on an easy sequence: some boxes are vouched for")
        XCTAssertGreaterThanOrEqual(selection.expectedPrecision, 0.99)
        let right = selection.items.filter { $0.rect.iou(sequence.rect($0.frame)) >= 0.5 }.count
        XCTAssertGreaterThanOrEqual(Double(right), 0.97 * Double(selection.items.count), "the vouched-for boxes are right")
    }
}
