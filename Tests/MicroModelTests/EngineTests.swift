import Foundation
import Imaging
import LabelStore
@testable import MicroModel
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

    /// A project on a synthetic sequence written as PPM frames, seeded at `seedFrames`.
    private func makeProject(_ sequence: SyntheticSequence, seedFrames: [Int], name: String = "p") throws -> (Project, FolderSource) {
        let folder = directory.appendingPathComponent("frames-\(name)")
        if !FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for index in 0..<sequence.frameCount {
                try ImageCodec.encodePPM(sequence.frame(index)).write(to: folder.appendingPathComponent(String(format: "%04d.ppm", index + 1)))
            }
        }
        let source = try FolderSource(folder: folder)
        let project = try Project.create(
            at: directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).microlabel"),
            source: SourceInfo(path: folder.path, kind: .folder, frameCount: source.frameCount, width: source.width, height: source.height, fps: 25),
            labels: ["thing"])
        let object = try project.addObject(labelID: try XCTUnwrap(project.labels().first).id)
        for frame in seedFrames {
            let b = sequence.boxes[frame]
            _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: BoxRect(x: b.x, y: b.y, width: b.width, height: b.height)))
        }
        return (project, source)
    }

    private func iou(_ a: BoxRect, _ b: (x: Double, y: Double, width: Double, height: Double)) -> Double {
        a.iou(BoxRect(x: b.x, y: b.y, width: b.width, height: b.height))
    }

    func testProposalsFollowTheObjectAndTheThresholdIsSuggested() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source) = try makeProject(sequence, seedFrames: [15, 45])
        let summary = try PropagationEngine(project: project, frames: source).run()
        XCTAssertEqual(summary.recomputed, 3)
        let proposals = try project.boxes(kinds: [.proposal])
        XCTAssertGreaterThan(proposals.count, 50)
        let meanIoU = proposals.map { iou($0.rect, sequence.boxes[$0.frame]) }.reduce(0, +) / Double(proposals.count)
        XCTAssertGreaterThan(meanIoU, 0.7)
        XCTAssertTrue(proposals.allSatisfy { $0.confidence >= 0 && $0.confidence <= 1 })
        XCTAssertEqual(summary.checks, 2, "each seed's run checked against the other seed")
        XCTAssertEqual(try project.setting(SettingKey.autoAcceptThreshold).flatMap(Double.init), summary.threshold)
    }

    /// Two objects of one label that look the same pass each other; each keeps its own track.
    func testTwoLookalikeObjectsOfOneLabelDoNotSwap() throws {
        let sequence = SyntheticSequence(frameCount: 60, twin: true)
        let (project, source) = try makeProject(sequence, seedFrames: [5, 54], name: "twins")
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
        let (project, source) = try makeProject(sequence, seedFrames: [15, 45])
        let engine = PropagationEngine(project: project, frames: source)
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

    func testARejectedFalsePositiveDoesNotComeBack() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source) = try makeProject(sequence, seedFrames: [15, 45])
        let engine = PropagationEngine(project: project, frames: source)
        _ = try engine.run()
        let rejected = try XCTUnwrap(project.boxes(frames: 5...5, kinds: [.proposal]).first)
        try project.setKind(ids: [rejected.id], to: .rejected)
        _ = try engine.run()
        let again = try project.boxes(frames: 5...5, kinds: [.proposal])
        XCTAssertFalse(again.contains { $0.rect.iou(rejected.rect) > 0.5 })
        XCTAssertEqual(try project.box(id: rejected.id)?.kind, .rejected)
    }

    func testTheSameInputGivesTheSameOutput() throws {
        let sequence = SyntheticSequence(frameCount: 40)
        let (first, source) = try makeProject(sequence, seedFrames: [20], name: "same")
        let (second, _) = try makeProject(sequence, seedFrames: [20], name: "same")
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
        let (project, source) = try makeProject(sequence, seedFrames: [10])
        _ = try PropagationEngine(project: project, frames: source).run()
        XCTAssertFalse(try project.boxes(frames: 11...29, kinds: [.proposal]).isEmpty)
        XCTAssertTrue(try project.boxes(frames: 30...49, kinds: [.proposal]).isEmpty, "proposed across a scene cut")
        XCTAssertEqual(try project.setting(SettingKey.sceneCuts), "30", "the cut is recorded for the timeline")
    }

    func testCancellingMidwayLeavesAConsistentStore() throws {
        let sequence = SyntheticSequence(frameCount: 60)
        let (project, source) = try makeProject(sequence, seedFrames: [10, 30, 50])
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

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func increment() { lock.lock(); count += 1; lock.unlock() }
}
