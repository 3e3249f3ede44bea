import Foundation
import Geometry
import LabelStore
import XCTest

final class UndoTests: XCTestCase {
    func testOneActionOfSeveralWritesIsOneUndoStep() throws {
        let folder = try ProjectFolder()
        let project = try folder.create(labels: [])
        let (label, object, box) = try project.perform("add label dog with its first seed") { context in
            let label = try context.addLabel("dog")
            let object = try context.addObject(labelID: label.id)
            let box = try context.addBox(NewBox(frame: 11, objectID: object.id, rect: rect(1, 2)))
            XCTAssertEqual(try context.boxes(frames: 11...11), [box], "the context sees its own writes")
            return (label, object, box)
        }
        XCTAssertEqual(try project.undo(), "undo: add label dog with its first seed")
        XCTAssertEqual(try project.labels(), [])
        XCTAssertEqual(try project.objects(), [])
        XCTAssertEqual(try project.boxes(), [])
        XCTAssertNil(try project.undo())

        XCTAssertEqual(try project.redo(), "redo: add label dog with its first seed")
        XCTAssertEqual(try project.labels(), [label])
        XCTAssertEqual(try project.objects(), [object])
        XCTAssertEqual(try project.boxes(), [box], "redo restores the same ids and values")
        XCTAssertNil(try project.redo())
    }

    func testAnActionThatThrowsWritesNothing() throws {
        let project = try ProjectFolder().create()
        struct Abandon: Error {}
        XCTAssertThrowsError(try project.perform("half done") { context in
            _ = try context.addLabel("dog")
            throw Abandon()
        })
        XCTAssertEqual(try project.labels().map(\.name), ["person", "car"])
        XCTAssertNil(try project.nextUndo())
    }

    func testUndoAndRedoSurviveAReopenAndANewActionDiscardsTheRedoBranch() throws {
        let folder = try ProjectFolder()
        var ids: [Int64] = []
        let original: Box
        do {
            let project = try folder.create()
            let object = try project.addObject(labelID: try project.labels()[0].id)
            original = try project.addBox(NewBox(frame: 11, objectID: object.id, rect: rect(10, 10)))
            ids.append(original.id)
            try project.updateBox(id: original.id, rect: rect(15, 10))
            try project.updateBox(id: original.id, rect: rect(15, 10, 40, 40))
            ids.append(try project.addBox(NewBox(frame: 12, objectID: object.id, rect: rect(3, 3))).id)
            try project.deleteBox(id: ids[1])
        }
        do {
            let project = try Project.open(at: folder.projectURL)
            XCTAssertEqual(try project.undo(), "undo: delete seed box on frame 13")
            XCTAssertEqual(try project.undo(), "undo: add seed box on frame 13")
            XCTAssertEqual(try project.undo(), "undo: resize box on frame 12")
            XCTAssertEqual(try project.undo(), "undo: move box on frame 12")
            XCTAssertEqual(try project.boxes(), [original])
        }
        do {
            let project = try Project.open(at: folder.projectURL)
            XCTAssertEqual(try project.nextRedo(), "move box on frame 12")
            XCTAssertEqual(try project.redo(), "redo: move box on frame 12")
            XCTAssertEqual(try project.box(id: original.id)?.rect, rect(15, 10))
            // A new action now drops the three undone ones that are left.
            try project.setKind(ids: [original.id], to: .rejected)
            XCTAssertNil(try project.nextRedo())
        }
        let project = try Project.open(at: folder.projectURL)
        XCTAssertNil(try project.redo())
        XCTAssertEqual(try project.undo(), "undo: reject box on frame 12")
        XCTAssertEqual(try project.undo(), "undo: move box on frame 12")
        XCTAssertEqual(try project.undo(), "undo: add seed box on frame 12")
        XCTAssertEqual(try project.undo(), "undo: add object person 1")
        XCTAssertNil(try project.undo(), "project creation is not an undoable action")
        XCTAssertEqual(try project.boxes(), [])
        XCTAssertEqual(try project.objects(), [])
    }

    func testBulkAcceptIsOneStep() throws {
        let project = try ProjectFolder().create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        try project.replaceProposals(objectID: object.id, frames: 0...99, with: (0...99).map {
            ProposedBox(frame: $0, rect: rect(Double($0), 0), confidence: Double($0) / 100)
        })
        let ids = try project.pendingProposals(orderedBy: .confidenceDescending, limit: 60).map(\.id)
        try project.setKind(ids: ids, to: .accepted)
        XCTAssertEqual(try project.counts(), BoxCounts(proposals: 40, accepted: 60))
        XCTAssertEqual(try project.undo(), "undo: accept 60 boxes")
        XCTAssertEqual(try project.counts(), BoxCounts(proposals: 100))
        XCTAssertEqual(try project.redo(), "redo: accept 60 boxes")
        XCTAssertEqual(Set(try project.boxes(kinds: [.accepted]).map(\.id)), Set(ids))
    }

    func testUndoLeavesAloneARowTheEngineReplacedSince() throws {
        let project = try ProjectFolder().create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        try project.replaceProposals(objectID: object.id, frames: 0...9, with: [ProposedBox(frame: 4, rect: rect(1, 1), confidence: 0.4)])
        let proposal = try XCTUnwrap(project.pendingProposals().first)
        try project.updateBox(id: proposal.id, rect: rect(2, 1))
        try project.replaceProposals(objectID: object.id, frames: 0...9, with: [ProposedBox(frame: 4, rect: rect(8, 8), confidence: 0.6)])
        let fresh = try project.pendingProposals()

        let message = try XCTUnwrap(project.undo())
        XCTAssertTrue(message.hasPrefix("undo: move box on frame 5"), message)
        XCTAssertTrue(message.contains("changed since"), message)
        XCTAssertEqual(try project.pendingProposals(), fresh, "the replaced proposal stays gone, the new one stays")
    }

    func testUndoingAnObjectRemovesTheEngineOutputThatDependsOnIt() throws {
        let project = try ProjectFolder().create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        let model = try project.addModel(objectID: object.id, seedBoxIDs: [], parameters: "{}", metrics: "{}")
        try project.replaceProposals(objectID: object.id, frames: 0...3, with: [ProposedBox(frame: 1, rect: rect(1, 1), confidence: 0.5, modelID: model.id)])
        XCTAssertEqual(try project.undo(), "undo: add object person 1")
        XCTAssertEqual(try project.objects(), [])
        XCTAssertEqual(try project.counts(), BoxCounts())
        XCTAssertEqual(try project.models(), [])
        XCTAssertEqual(try project.redo(), "redo: add object person 1")
        XCTAssertEqual(try project.objects(), [object])
    }

    func testRelabelAndReassignAreUndoable() throws {
        let project = try ProjectFolder().create()
        let labels = try project.labels()
        let a = try project.addObject(labelID: labels[0].id)
        let b = try project.addObject(labelID: labels[0].id)
        let box = try project.addBox(NewBox(frame: 0, objectID: a.id, rect: rect(1, 1)))
        try project.setObject(boxIDs: [box.id], to: b.id)
        try project.setLabel(objectID: b.id, to: labels[1].id)
        try project.renameObject(id: b.id, to: "red car")
        XCTAssertEqual(try project.object(id: b.id), TrackedObject(id: b.id, labelID: labels[1].id, number: 2, name: "red car"))
        XCTAssertEqual(try project.box(id: box.id)?.objectID, b.id)
        XCTAssertEqual(try project.undo(), "undo: rename person 2 to red car")
        XCTAssertEqual(try project.undo(), "undo: relabel person 2 as car")
        XCTAssertEqual(try project.undo(), "undo: assign box to person 2")
        XCTAssertEqual(try project.object(id: b.id), b)
        XCTAssertEqual(try project.box(id: box.id), box)
    }

    func testAnActionThatChangesNothingIsNotLogged() throws {
        let project = try ProjectFolder().create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        let box = try project.addBox(NewBox(frame: 0, objectID: object.id, rect: rect(1, 1)))
        try project.undo()
        try project.setKind(ids: [], to: .accepted)
        XCTAssertEqual(try project.nextRedo(), "add seed box on frame 1", "an empty action keeps the redo branch")
        try project.redo()
        try project.setKind(ids: [box.id], to: .seed)
        XCTAssertEqual(try project.nextUndo(), "add seed box on frame 1")
    }
}

final class UndoExactnessTests: XCTestCase {
    /// Undo and redo only touch rows still as the action left them, so a value that did not survive
    /// the log exactly would make redo skip the row: these must all come back bit for bit.
    func testAwkwardValuesSurviveUndoAndRedoExactly() throws {
        let project = try ProjectFolder().create(labels: [])
        let names = ["a;b:t3:n", "Ünïcødé 🚗 car", "t0:", "i12;r3.5;"]
        let awkward = [0.1 + 0.2, 1e-300, 123_456.789_123_456_789, -0.0, 5e+6, .ulpOfOne, 1.0 / 3.0]
        let stored = try project.perform("awkward values") { context -> [Box] in
            var boxes: [Box] = []
            for name in names {
                let label = try context.addLabel(name)
                let object = try context.addObject(labelID: label.id, name: name + " #1")
                for (frame, value) in awkward.enumerated() {
                    boxes.append(try context.addBox(NewBox(frame: frame, objectID: object.id,
                                                           rect: BoxRect(x: value, y: -value, width: abs(value) + 1 + 1e-9, height: 7), kind: .proposal, confidence: value)))
                }
            }
            return boxes
        }
        let labels = try project.labels()
        let objects = try project.objects()
        XCTAssertEqual(labels.map(\.name), names)
        try project.setKind(ids: stored.map(\.id), to: .accepted)
        XCTAssertEqual(try project.undo(), "undo: accept \(stored.count) boxes")
        XCTAssertEqual(try project.boxes().sorted { $0.id < $1.id }, stored)
        XCTAssertEqual(try project.undo(), "undo: awkward values")
        XCTAssertEqual(try project.counts().total, 0)
        XCTAssertEqual(try project.redo(), "redo: awkward values")
        XCTAssertEqual(try project.redo(), "redo: accept \(stored.count) boxes")
        XCTAssertEqual(try project.boxes(kinds: [.accepted]).count, stored.count)
        XCTAssertEqual(try project.labels(), labels)
        XCTAssertEqual(try project.objects(), objects)
    }
}

final class UndoHistoryLimitTests: XCTestCase {
    func testUndoReachesBackUndoLimitActions() throws {
        let project = try ProjectFolder().create(labels: [])
        XCTAssertEqual(project.undoLimit, 1000)
        project.undoLimit = 5
        for index in 0..<8 { _ = try project.addLabel("l\(index)") }
        try project.undo()
        _ = try project.addLabel("l8")  // drops the undone "l7" and keeps five actions
        var undone: [String] = []
        while let message = try project.undo() { undone.append(message) }
        XCTAssertEqual(undone, ["l8", "l6", "l5", "l4", "l3"].map { "undo: add label \"\($0)\"" })
        XCTAssertEqual(try project.labels().map(\.name), ["l0", "l1", "l2"], "the oldest actions fell out of the log")
    }
}
