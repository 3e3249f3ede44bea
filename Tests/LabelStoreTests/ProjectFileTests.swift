import Foundation
import Geometry
import LabelStore
import XCTest

final class ProjectFileTests: XCTestCase {
    func testEveryEntitySurvivesCloseAndReopen() throws {
        let folder = try ProjectFolder()
        var project: Project? = try folder.create()
        let labels = try XCTUnwrap(project).labels()
        XCTAssertEqual(labels.map(\.name), ["person", "car"])

        let dog = try XCTUnwrap(project).addLabel("dog")
        let person = try XCTUnwrap(try XCTUnwrap(project).label(named: "person"))
        let first = try XCTUnwrap(project).addObject(labelID: person.id)
        let second = try XCTUnwrap(project).addObject(labelID: person.id, name: "the runner")
        let rex = try XCTUnwrap(project).addObject(labelID: dog.id)
        XCTAssertEqual(first.name, "person 1")
        XCTAssertEqual(second.number, 2)
        XCTAssertEqual(second.name, "the runner")
        XCTAssertEqual(rex.name, "dog 1")

        // Values that need all 17 digits must come back bit for bit.
        let seed = try XCTUnwrap(project).addBox(NewBox(frame: 0, objectID: first.id, rect: BoxRect(x: 0.1 + 0.2, y: 1.0 / 3.0, width: 10.5, height: 1 + 7e-3)))
        _ = try XCTUnwrap(project).addBox(NewBox(frame: 99, objectID: rex.id, rect: rect(5, 6), kind: .seed))
        let model = try XCTUnwrap(project).addModel(objectID: first.id, seedBoxIDs: [seed.id], parameters: #"{"cell":4}"#, metrics: #"{"psr":9.5}"#)
        try XCTUnwrap(project).replaceProposals(objectID: first.id, frames: 1...5, with: (1...5).map {
            ProposedBox(frame: $0, rect: rect(Double($0), 2), confidence: 0.5 + Double($0) / 100, modelID: model.id)
        })
        let proposals = try XCTUnwrap(project).boxes(kinds: [.proposal])
        try XCTUnwrap(project).setKind(ids: [proposals[0].id, proposals[1].id], to: .accepted)
        try XCTUnwrap(project).setKind(ids: [proposals[2].id], to: .rejected)
        try XCTUnwrap(project).setSetting(SettingKey.autoAcceptThreshold, "0.93")

        func snapshot(_ project: Project) throws -> [String] {
            [
                "\(try project.source())", "\(try project.labels())", "\(try project.objects())", "\(try project.boxes())",
                "\(try project.counts())", "\(try project.models())", "\(try project.setting(SettingKey.autoAcceptThreshold) ?? "-")",
            ]
        }
        let before = try snapshot(XCTUnwrap(project))
        XCTAssertEqual(try XCTUnwrap(project).counts(), BoxCounts(seeds: 2, proposals: 2, accepted: 2, rejected: 1))
        project = nil

        let reopened = try Project.open(at: folder.projectURL)
        XCTAssertEqual(try snapshot(reopened), before)
        XCTAssertEqual(try reopened.box(id: seed.id), seed)
        XCTAssertEqual(try reopened.models(), [model])
        XCTAssertEqual(try reopened.source(), folder.source)
        XCTAssertEqual(try reopened.boxes(frames: 1...2, kinds: [.accepted]).map(\.id), [proposals[0].id, proposals[1].id])
    }

    func testCreateRefusesAnExistingFile() throws {
        let folder = try ProjectFolder()
        let original = Data("keep me".utf8)
        try original.write(to: folder.projectURL)
        let error = storeError { try folder.create() }
        XCTAssertEqual(error, .alreadyExists(file: folder.projectURL))
        XCTAssertEqual(try Data(contentsOf: folder.projectURL), original)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.root.path).sorted(), ["frames", "project.microlabel"])
    }

    func testOpeningAMissingFileSaysSo() throws {
        let folder = try ProjectFolder()
        XCTAssertEqual(storeError { try Project.open(at: folder.projectURL) }, .notFound(file: folder.projectURL))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.projectURL.path))
    }

    func testSourcePathFollowsTheProjectWhenBothMove() throws {
        let folder = try ProjectFolder()
        _ = try folder.create()
        let moved = folder.root.deletingLastPathComponent().appendingPathComponent(folder.root.lastPathComponent + "-moved")
        try FileManager.default.moveItem(at: folder.root, to: moved)
        let project = try Project.open(at: moved.appendingPathComponent("project.microlabel"))
        XCTAssertEqual(try project.source().path, moved.appendingPathComponent("frames").path)
    }

    func testSourcePathStillResolvesWhenOnlyTheProjectMoves() throws {
        let folder = try ProjectFolder()
        _ = try folder.create()
        let elsewhere = try ProjectFolder()
        let target = elsewhere.root.appendingPathComponent("sub/alone.microlabel")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: folder.projectURL, to: target)
        XCTAssertEqual(try Project.open(at: target).source().path, folder.framesURL.path)
    }

    func testSetSourceRelinksAMovedSource() throws {
        let folder = try ProjectFolder()
        let project = try folder.create()
        var source = folder.source
        source.path = folder.root.appendingPathComponent("clip.mp4").path
        source.kind = .video
        try project.setSource(source)
        XCTAssertEqual(try project.source(), source)
    }

    func testInvalidBoxesAreRefusedBeforeWriting() throws {
        let folder = try ProjectFolder()
        let project = try folder.create()
        let object = try project.addObject(labelID: try project.labels()[0].id)
        let file = folder.projectURL
        for bad in [
            NewBox(frame: 100, objectID: object.id, rect: rect(1, 1)),
            NewBox(frame: -1, objectID: object.id, rect: rect(1, 1)),
            NewBox(frame: 3, objectID: object.id, rect: rect(1, 1, 0, 4)),
            NewBox(frame: 3, objectID: object.id, rect: BoxRect(x: .nan, y: 0, width: 1, height: 1)),
        ] {
            guard case .invalidValue(file, _) = storeError({ try project.addBox(bad) }) else { return XCTFail("accepted \(bad)") }
        }
        XCTAssertEqual(storeError { try project.addBox(NewBox(frame: 1, objectID: 999, rect: rect(1, 1))) }, .noSuchObject(file: file, id: 999))
        XCTAssertEqual(storeError { try project.addLabel(" person ") }, .duplicateLabel(file: file, name: "person"))
        XCTAssertEqual(storeError { try project.addObject(labelID: 77) }, .noSuchLabel(file: file, id: 77))
        XCTAssertEqual(try project.counts().total, 0)
        XCTAssertEqual(try project.nextUndo(), "add object person 1")
    }

    func testSettingsCanBeSetReplacedAndRemoved() throws {
        let project = try ProjectFolder().create()
        XCTAssertNil(try project.setting("k"))
        try project.setSetting("k", "1")
        try project.setSetting("k", "2")
        XCTAssertEqual(try project.setting("k"), "2")
        try project.setSetting("k", nil)
        XCTAssertNil(try project.setting("k"))
        XCTAssertNil(try project.nextUndo(), "settings are not undoable edits")
    }

    func testErrorMessagesNameTheFile() throws {
        let url = URL(fileURLWithPath: "/data/shots/clip.microlabel")
        let errors: [StoreError] = [
            .notFound(file: url), .alreadyExists(file: url), .notAProject(file: url, reason: "r"),
            .newerSchema(file: url, found: 3, supported: 1), .busy(file: url), .noSuchBox(file: url, id: 4),
            .sqlite(file: url, code: 1, message: "m", context: "c"),
        ]
        for error in errors { XCTAssertTrue(error.description.contains(url.path), error.description) }
    }
}
