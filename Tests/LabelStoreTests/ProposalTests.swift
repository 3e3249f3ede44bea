import Foundation
import LabelStore
import XCTest

final class ProposalTests: XCTestCase {
    private func proposals(_ frames: [Int], x: Double, confidence: Double = 0.5) -> [ProposedBox] {
        frames.map { ProposedBox(frame: $0, rect: rect(x, Double($0)), confidence: confidence) }
    }

    func testReplacingTouchesOnlyPendingProposalsOfThatObjectInRange() throws {
        let project = try ProjectFolder().create()
        let label = try project.labels()[0].id
        let object = try project.addObject(labelID: label)
        let other = try project.addObject(labelID: label)

        let seed = try project.addBox(NewBox(frame: 10, objectID: object.id, rect: rect(1, 1)))
        try project.replaceProposals(objectID: object.id, frames: 0...30, with: proposals([11, 12, 13, 14, 20], x: 100))
        try project.replaceProposals(objectID: other.id, frames: 0...30, with: proposals([11, 13], x: 200))
        let first = try project.boxes(objectID: object.id, kinds: [.proposal])
        try project.setKind(ids: [first[1].id], to: .accepted)  // frame 12
        try project.setKind(ids: [first[3].id], to: .rejected)  // frame 14
        let decided = try project.boxes(objectID: object.id, kinds: [.seed, .accepted, .rejected])
        XCTAssertEqual(decided.map(\.frame), [10, 12, 14])
        let otherBefore = try project.boxes(objectID: other.id)
        let outsideBefore = try project.boxes(frames: 20...20)

        let stored = try project.replaceProposals(objectID: object.id, frames: 10...15, with: proposals([10, 11, 12, 13, 14, 15], x: 300))

        // Frames 10 (seed) and 12 (accepted) are decided and get no proposal; a rejected frame may get a new one.
        XCTAssertEqual(stored, 4)
        XCTAssertEqual(try project.boxes(objectID: object.id, kinds: [.seed, .accepted, .rejected]), decided, "decided boxes are untouched")
        XCTAssertEqual(try project.box(id: seed.id), seed)
        let pending = try project.boxes(frames: 10...15, objectID: object.id, kinds: [.proposal])
        XCTAssertEqual(pending.map(\.frame), [11, 13, 14, 15])
        XCTAssertTrue(pending.allSatisfy { $0.rect.x == 300 }, "the old proposals in range are gone")
        XCTAssertEqual(try project.boxes(frames: 20...20), outsideBefore, "proposals outside the range stay")
        XCTAssertEqual(try project.boxes(objectID: other.id), otherBefore, "another object's proposals stay")
        XCTAssertEqual(try project.nextUndo(), "reject box on frame 15", "engine writes are not undo steps")
    }

    func testAProposalOutsideTheRangeIsRefusedAndNothingChanges() throws {
        let project = try ProjectFolder().create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        try project.replaceProposals(objectID: object.id, frames: 0...9, with: proposals([1, 2], x: 5))
        let before = try project.boxes()
        guard case .invalidValue = storeError({ try project.replaceProposals(objectID: object.id, frames: 0...9, with: proposals([3, 10], x: 7)) }) else {
            return XCTFail("a proposal outside its window was stored")
        }
        XCTAssertEqual(try project.boxes(), before)
        XCTAssertEqual(storeError { try project.replaceProposals(objectID: 404, frames: 0...9, with: []) },
                       .noSuchObject(file: project.url, id: 404))
    }

    func testPendingProposalsInReviewOrder() throws {
        let project = try ProjectFolder().create()
        let label = try project.labels()[0].id
        let a = try project.addObject(labelID: label)
        let b = try project.addObject(labelID: label)
        try project.replaceProposals(objectID: a.id, frames: 0...99, with: [
            ProposedBox(frame: 5, rect: rect(1, 1), confidence: 0.9),
            ProposedBox(frame: 2, rect: rect(1, 1), confidence: 0.3),
            ProposedBox(frame: 7, rect: rect(1, 1), confidence: 0.6),
        ])
        try project.replaceProposals(objectID: b.id, frames: 0...99, with: [ProposedBox(frame: 1, rect: rect(1, 1), confidence: 0.5)])
        _ = try project.addBox(NewBox(frame: 0, objectID: b.id, rect: rect(1, 1), kind: .seed, confidence: 0.1))

        XCTAssertEqual(try project.pendingProposals(orderedBy: .confidenceAscending).map(\.confidence), [0.3, 0.5, 0.6, 0.9])
        XCTAssertEqual(try project.pendingProposals(orderedBy: .confidenceDescending, limit: 2).map(\.confidence), [0.9, 0.6])
        XCTAssertEqual(try project.pendingProposals(orderedBy: .frame).map(\.frame), [1, 2, 5, 7])
        XCTAssertEqual(try project.pendingProposals(orderedBy: .frame, objectID: a.id).map(\.frame), [2, 5, 7])
        XCTAssertEqual(try project.counts(objectID: b.id), BoxCounts(seeds: 1, proposals: 1))
    }

    func testBoxQueriesFilterByFrameObjectAndKind() throws {
        let project = try ProjectFolder().create()
        let label = try project.labels()[0].id
        let a = try project.addObject(labelID: label)
        let b = try project.addObject(labelID: label)
        try project.replaceProposals(objectID: a.id, frames: 0...99, with: proposals(Array(0...99), x: 1))
        try project.replaceProposals(objectID: b.id, frames: 0...99, with: proposals(Array(stride(from: 0, through: 99, by: 2)), x: 2))
        try project.setKind(ids: try project.boxes(frames: 40...49, objectID: a.id).map(\.id), to: .accepted)

        XCTAssertEqual(try project.boxes(frames: 10...10).map(\.objectID), [a.id, b.id])
        XCTAssertEqual(try project.boxes(frames: 11...11).map(\.objectID), [a.id])
        XCTAssertEqual(try project.boxes(frames: 40...49, kinds: [.accepted]).count, 10)
        XCTAssertEqual(try project.boxes(frames: 40...49, kinds: [.accepted, .proposal]).count, 15)
        XCTAssertEqual(try project.boxes(kinds: []), [])
        XCTAssertEqual(try project.counts(), BoxCounts(proposals: 140, accepted: 10))
    }
}
