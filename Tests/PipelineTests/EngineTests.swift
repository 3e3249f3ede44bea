import Foundation
import Imaging
import Geometry
import LabelStore
import MicroModel
@testable import Pipeline
import Synthetic
import TestSupport
import XCTest

/// The engine against the store: what retraining may and may not touch, determinism, cancelling.
final class EngineTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("engine")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func iou(_ a: BoxRect, _ b: (x: Double, y: Double, width: Double, height: Double)) -> Double {
        a.iou(BoxRect(x: b.x, y: b.y, width: b.width, height: b.height))
    }

    func testProposalsFollowTheObjectAndAreCalibrated() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        let summary = try PropagationEngine(project: project, frames: source).run()
        XCTAssertEqual(summary.recomputed, 3)
        let proposals = try project.boxes(kinds: [.proposal])
        XCTAssertGreaterThan(proposals.count, 50)
        let meanIoU = proposals.map { iou($0.rect, sequence.boxes[$0.frame]) }.reduce(0, +) / Double(proposals.count)
        XCTAssertGreaterThan(meanIoU, 0.7)
        XCTAssertTrue(proposals.allSatisfy { $0.confidence >= 0 && $0.confidence <= 1 })
        XCTAssertEqual(summary.checks, 2, "each seed's run checked against the other seed")
        XCTAssertEqual(summary.checksPassed, 2)
        XCTAssertEqual(summary.calibrationEvidence, 2, "the two held-out checks are the calibration's evidence")
        // Every run landed on its held-out seed, so the boxes between the seeds are trusted most.
        let between = proposals.filter { $0.frame > 15 && $0.frame < 45 }
        let outside = proposals.filter { $0.frame < 15 }
        XCTAssertGreaterThan(between.map(\.confidence).min()!, 0.9)
        XCTAssertGreaterThan(between.map(\.confidence).reduce(0, +) / Double(between.count),
                             outside.map(\.confidence).reduce(0, +) / Double(outside.count))
        XCTAssertEqual(summary.autoAccept, PrecisionTarget().select(try project.pendingProposals(), confidence: \.confidence).items.count)
    }

    /// Two objects of one label that look the same pass each other; each keeps its own track.
    func testTwoLookalikeObjectsOfOneLabelDoNotSwap() throws {
        let sequence = SyntheticSequence(frameCount: 60, twin: true)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [5, 54], in: directory, framesFolder: "frames-twins")
        let twin = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id)
        for frame in [5, 54] {
            let b = sequence.twinBoxes[frame]
            _ = try project.addBox(NewBox(frame: frame, objectID: twin.id, rect: BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)))
        }
        _ = try PropagationEngine(project: project, frames: source).run()
        let proposals = try project.boxes(kinds: [.proposal])
        let first = proposals.filter { $0.objectID != twin.id }, second = proposals.filter { $0.objectID == twin.id }
        XCTAssertGreaterThan(first.count, 45)
        XCTAssertGreaterThan(second.count, 45)
        // The two pass each other around frame 30: neither may end up on the other's box.
        for p in first {
            XCTAssertGreaterThan(iou(p.rect, sequence.boxes[p.frame]), 0.5, "first object on frame \(p.frame + 1)")
            XCTAssertEqual(iou(p.rect, sequence.twinBoxes[p.frame]), 0, accuracy: 0.05, "first object on frame \(p.frame + 1)")
        }
        for p in second {
            XCTAssertGreaterThan(iou(p.rect, sequence.twinBoxes[p.frame]), 0.5, "second object on frame \(p.frame + 1)")
            XCTAssertEqual(iou(p.rect, sequence.boxes[p.frame]), 0, accuracy: 0.05, "second object on frame \(p.frame + 1)")
        }
    }

    func testAcceptedBoxesAreNeverOverwrittenAndOnlyChangedStretchesAreRecomputed() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        var config = PropagationConfig()
        config.acceptedBoxesAnchor = true
        let engine = PropagationEngine(project: project, frames: source, config: config)
        _ = try engine.run()
        let accepted = try XCTUnwrap(project.boxes(frames: 30...30, kinds: [.proposal]).first)
        try project.setKind(ids: [accepted.id], to: .accepted)
        let summary = try engine.run()
        // Accepting frame 31 splits the stretch 16-46 in two; the stretches before and after stay.
        XCTAssertEqual(summary.recomputed, 2)
        XCTAssertEqual(summary.unchanged, 2)
        let after = try XCTUnwrap(project.box(id: accepted.id))
        XCTAssertEqual(after.kind, .accepted)
        XCTAssertEqual(after.rect, accepted.rect)
        XCTAssertTrue(try project.boxes(frames: 30...30, kinds: [.proposal]).isEmpty, "no proposal beside the accepted box")
        XCTAssertEqual(try project.boxes(kinds: [.seed]).count, 2)
    }

    /// By default accepted boxes are no anchors: accepting recomputes nothing, and a correction
    /// recomputes the whole stretch between the drawn seeds, across the accepted box, which stays.
    func testACorrectionIsPropagatedAcrossAcceptedBoxes() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        let engine = PropagationEngine(project: project, frames: source)
        _ = try engine.run()
        let accepted = try XCTUnwrap(project.boxes(frames: 30...30, kinds: [.proposal]).first)
        try project.setKind(ids: [accepted.id], to: .accepted)
        let quiet = try engine.run()
        XCTAssertEqual(quiet.recomputed, 0)
        XCTAssertEqual(quiet.unchanged, 3)
        XCTAssertEqual(try project.stretchRecords()[try XCTUnwrap(project.objects().first).id]?.map(\.frames), [0...15, 15...45, 45...59])
        // Rejecting the box on frame 36 recomputes frames 16-46 as one stretch.
        let before = Dictionary(try project.boxes(frames: 16...44, kinds: [.proposal]).map { ($0.frame, $0.rect) }, uniquingKeysWith: { a, _ in a })
        let rejected = try XCTUnwrap(project.boxes(frames: 35...35, kinds: [.proposal]).first)
        try project.setKind(ids: [rejected.id], to: .rejected)
        let corrected = try engine.run()
        XCTAssertEqual(corrected.recomputed, 1)
        XCTAssertEqual(corrected.unchanged, 2)
        let after = try XCTUnwrap(project.box(id: accepted.id))
        XCTAssertEqual(after.kind, .accepted)
        XCTAssertEqual(after.rect, accepted.rect)
        XCTAssertTrue(try project.boxes(frames: 30...30, kinds: [.proposal]).isEmpty, "no proposal beside the accepted box")
        let now = try project.boxes(frames: 16...44, kinds: [.proposal])
        XCTAssertTrue(now.contains { $0.frame < 30 } && now.contains { $0.frame > 30 }, "both sides of the accepted box proposed again")
        XCTAssertEqual(Set(now.map(\.frame)).subtracting([35]), Set(before.keys).subtracting([35]))
        XCTAssertFalse(now.contains { $0.frame == 35 && $0.rect.iou(rejected.rect) > 0.5 })
    }

    /// Accepted boxes are training examples of the runs that pass them: accepting changes no
    /// pending box, but the pass a correction triggers learns from them. The object stretches out
    /// arms the seed did not show; accepted boxes that take the arms in make the recomputed boxes
    /// after them nearer the truth than the same pass that ignores them.
    func testAcceptedBoxesTeachThePassAfterACorrection() throws {
        let sequence = ArmsSequence()
        func project(_ name: String, exampleWeight: Float) throws -> (Project, PropagationEngine) {
            let (project, source, _) = try makeSeededProject(frameCount: sequence.frameCount, frame: sequence.frame, truth: sequence.rect,
                                                             seedFrames: [0], in: directory, framesFolder: "arms")
            var config = PropagationConfig()
            config.tracker.exampleColorWeight = exampleWeight
            return (project, PropagationEngine(project: project, frames: source, config: config))
        }
        var meanIoU: [Double] = []
        for weight: Float in [PropagationConfig().tracker.exampleColorWeight, 0] {
            let (project, engine) = try project("arms", exampleWeight: weight)
            _ = try engine.run()
            let pending = try project.boxes(kinds: [.proposal]).map(\.rect)
            // The reviewer accepts four boxes on which the arms are taken in.
            for frame in [10, 13, 16, 19] {
                let box = try XCTUnwrap(project.boxes(frames: frame...frame, kinds: [.proposal]).first)
                _ = try project.updateBox(id: box.id, rect: sequence.rect(frame))
                try project.setKind(ids: [box.id], to: .accepted)
            }
            let quiet = try engine.run()
            XCTAssertEqual(quiet.recomputed, 0, "accepting recomputes nothing")
            XCTAssertEqual(Set(try project.boxes(kinds: [.proposal]).map(\.rect)).count, pending.count - 4)
            XCTAssertTrue(Set(try project.boxes(kinds: [.proposal]).map(\.rect)).isSubset(of: Set(pending)), "pending boxes stay as they were")
            // A rejection recomputes the stretch, with the accepted boxes as examples.
            let rejected = try XCTUnwrap(project.boxes(frames: 30...30, kinds: [.proposal]).first)
            try project.setKind(ids: [rejected.id], to: .rejected)
            XCTAssertEqual(try engine.run().recomputed, 1)
            let after = try project.boxes(frames: 20...39, kinds: [.proposal])
            XCTAssertGreaterThan(after.count, 15)
            meanIoU.append(after.map { $0.rect.iou(sequence.rect($0.frame)) }.reduce(0, +) / Double(after.count))
        }
        XCTAssertGreaterThan(meanIoU[0], meanIoU[1] + 0.015, "boxes after the accepted ones: taught \(meanIoU[0]), ignored \(meanIoU[1])")
    }

    func testARejectedFalsePositiveDoesNotComeBack() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        let engine = PropagationEngine(project: project, frames: source)
        _ = try engine.run()
        let rejected = try XCTUnwrap(project.boxes(frames: 5...5, kinds: [.proposal]).first)
        try project.setKind(ids: [rejected.id], to: .rejected)
        _ = try engine.run()
        let again = try project.boxes(frames: 5...5, kinds: [.proposal])
        XCTAssertFalse(again.contains { $0.rect.iou(rejected.rect) > 0.5 })
        XCTAssertEqual(try project.box(id: rejected.id)?.kind, .rejected)
        XCTAssertFalse(try project.boxes(frames: 4...4, kinds: [.proposal]).isEmpty, "other frames keep their proposals")
    }

    /// Two seeds, the object moves, grows by 40 % and is briefly hidden: proposals on the other
    /// frames overlap the truth well.
    func testTwoSeedsThroughAnOcclusionReachHighOverlap() throws {
        let sequence = SyntheticSequence(frameCount: 90, occluded: 44..<47)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [22, 67], in: directory)
        let summary = try PropagationEngine(project: project, frames: source).run()
        XCTAssertEqual(summary.recomputed, 3, "0-22, 22-67 and 67-89")
        var byFrame: [Int: BoxRect] = [:]
        for box in try project.boxes(kinds: [.proposal]) { byFrame[box.frame] = box.rect }
        let others = (0..<sequence.frameCount).filter { $0 != 22 && $0 != 67 }
        let ao = others.map { f in byFrame[f].map { iou($0, sequence.boxes[f]) } ?? 0 }.reduce(0, +) / Double(others.count)
        XCTAssertGreaterThan(ao, 0.8, "average overlap \(ao)")
    }

    /// The same input gives the same output, also when windows run on several threads (a
    /// backward window then waits for its stretch's forward window).
    func testTheSameInputGivesTheSameOutput() throws {
        let sequence = SyntheticSequence(frameCount: 40, occluded: 20..<23)
        let (first, source, _) = try makeSeededProject(sequence, seedFrames: [8, 30], in: directory, framesFolder: "frames-same")
        let (second, _, _) = try makeSeededProject(sequence, seedFrames: [8, 30], in: directory, framesFolder: "frames-same")
        var config = PropagationConfig()
        config.threads = 2
        _ = try PropagationEngine(project: first, frames: source, config: config).run()
        config.threads = 1
        _ = try PropagationEngine(project: second, frames: source, config: config).run()
        let a = try first.boxes(kinds: [.proposal]).map { [Double($0.frame), $0.rect.x, $0.rect.y, $0.rect.width, $0.rect.height, $0.confidence] }
        let b = try second.boxes(kinds: [.proposal]).map { [Double($0.frame), $0.rect.x, $0.rect.y, $0.rect.width, $0.rect.height, $0.confidence] }
        XCTAssertFalse(a.isEmpty)
        XCTAssertEqual(a, b)
    }

    func testASceneCutStopsProposals() throws {
        let sequence = SyntheticSequence(frameCount: 50, cutAt: 30)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [10], in: directory)
        _ = try PropagationEngine(project: project, frames: source).run()
        XCTAssertFalse(try project.boxes(frames: 11...29, kinds: [.proposal]).isEmpty)
        XCTAssertTrue(try project.boxes(frames: 30...49, kinds: [.proposal]).isEmpty, "proposed across a scene cut")
        XCTAssertEqual(try project.setting(SettingKey.sceneCuts), "30", "the cut is recorded for the timeline")
    }

    func testCancellingMidwayLeavesAConsistentStore() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [10, 30, 50], in: directory)
        let tracked = Counter()
        let summary = try PropagationEngine(project: project, frames: source).run(
            cancel: { tracked.value > 12 },
            report: { if case .progress = $0 { tracked.increment() } })
        XCTAssertTrue(summary.cancelled)
        XCTAssertEqual(try project.integrityProblems(), [])
        XCTAssertEqual(try project.boxes(kinds: [.seed]).count, 3)
        // A later pass finishes what the cancelled one left.
        let rest = try PropagationEngine(project: project, frames: source).run()
        XCTAssertFalse(rest.cancelled)
        XCTAssertEqual(rest.recomputed + rest.unchanged, 4)
        XCTAssertGreaterThan(try project.counts().proposals, 50)
    }
}

extension EngineTests {
    /// Stretch records live in their own table, one row per stretch, with the held-out checks
    /// the calibration rests on.
    func testStretchRecordsAreKeptPerStretch() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        let summary = try PropagationEngine(project: project, frames: source).run()
        let object = try XCTUnwrap(project.objects().first).id
        let records = try XCTUnwrap(project.stretchRecords()[object])
        XCTAssertEqual(records.map(\.frames), [0...15, 15...45, 45...59])
        XCTAssertEqual(records.map(\.checks), [0, 2, 0], "the two runs between the seeds check each other")
        XCTAssertEqual(records.reduce(0) { $0 + $1.checksPassed }, summary.checksPassed)
        XCTAssertEqual(Set(records.map(\.fingerprint)).count, 3)
        XCTAssertNil(try project.setting("engine.segments.\(object)"), "no records in the settings")
    }

    /// Records are invalidated by a change of any setting the results depend on, and only by those.
    func testChangedEngineParametersRecomputeEveryStretch() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [15, 45], in: directory)
        var config = PropagationConfig()
        _ = try PropagationEngine(project: project, frames: source, config: config).run()
        config.threads = 1
        let sameSettings = try PropagationEngine(project: project, frames: source, config: config).run()
        XCTAssertEqual(sameSettings.unchanged, 3, "the number of threads changes how fast, not what")
        XCTAssertEqual(sameSettings.recomputed, 0)
        config.tracker.learningRate *= 1.5
        let retuned = try PropagationEngine(project: project, frames: source, config: config).run()
        XCTAssertEqual(retuned.recomputed, 3)
        XCTAssertEqual(retuned.unchanged, 0)
        config.collapseFrames += 1
        let stricter = try PropagationEngine(project: project, frames: source, config: config).run()
        XCTAssertEqual(stricter.recomputed, 3, "the runs depend on when a collapse ends them")
        let models = try project.models()
        let parameters = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(models.last).parameters.utf8)) as? [String: Any])
        let recorded = try XCTUnwrap(parameters["config"] as? [String: Any])
        XCTAssertEqual(recorded["collapse_frames"] as? Int, PropagationConfig().collapseFrames + 1)
        XCTAssertEqual(recorded["max_distance"] as? Int, 150)
        XCTAssertNil(recorded["threads"])
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(models.last).metrics.utf8)) as? [String: Any])
        XCTAssertEqual(metrics["segments"] as? Int, 3)
        XCTAssertEqual(metrics["checks"] as? Int, 2)
    }

    /// A project that has frames no more (0 frames) runs, and changes nothing.
    func testAProjectWithoutFramesRunsAndWritesNothing() throws {
        let sequence = SyntheticSequence(frameCount: 10)
        let (project, source, _) = try makeSeededProject(sequence, seedFrames: [2], in: directory)
        let empty = RecordedSource(source, frameCount: 0, width: source.width, height: source.height)
        let summary = try PropagationEngine(project: project, frames: empty).run()
        XCTAssertEqual(summary.recomputed, 0)
        XCTAssertEqual(try project.counts().proposals, 0)
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func increment() { lock.lock(); count += 1; lock.unlock() }
}
