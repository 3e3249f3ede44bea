import Foundation
import Pipeline
import enum TerminalGraphics.GraphicsMode
import struct TerminalGraphics.PixelSize
import class LabelStore.Project
import struct LabelStore.SourceInfo
@testable import ReviewRoom
import TestSupport
import XCTest

/// The project file deleted or replaced while the room has it open: the room notices after the
/// next write (or within a second when idle), saves everything it has to a new file, says so,
/// and refuses further edits instead of writing them into a file no one can open again.
final class ProjectFileLossTests: XCTestCase {
    private var folder: URL!
    private var projectURL: URL { folder.appendingPathComponent("p.microlabel") }
    private var source: SourceInfo {
        SourceInfo(path: Fixtures.sampleData.appendingPathComponent("frames").path, kind: .folder, frameCount: 132,
                   width: 640, height: 360, fps: 25)
    }

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("file-loss")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func openSession() throws -> ReviewSession {
        let project = try Project.create(at: projectURL, source: source, labels: [])
        let store = try ProjectReviewStore(project: project)
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: 120, rows: 40, graphics: .blocks, cellPixels: PixelSize(width: 10, height: 20))
        return try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
    }

    private func drawBox(_ session: ReviewSession) {
        session.send([.key(.char("n")), .key(.enter)] + Array(repeating: Event.key(.right), count: 4)
            + Array(repeating: Event.key(.down), count: 3) + [.key(.enter)])
    }

    private func removeProjectFiles(at url: URL) throws {
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: url.path + suffix) {
            try FileManager.default.removeItem(atPath: url.path + suffix)
        }
    }

    private var rescued: URL { folder.appendingPathComponent("p.microlabel.rescued") }

    func testDeletedProjectIsRescuedWithTheEditThatFoundItAndLaterEditsAreRefused() throws {
        let session = try openSession()
        drawBox(session)
        XCTAssertEqual(session.state.project.counts.seed, 1)

        try removeProjectFiles(at: projectURL)
        session.send(.key(.right))
        drawBox(session)
        let message = try XCTUnwrap(session.state.message)
        XCTAssertTrue(message.isError)
        XCTAssertTrue(message.text.contains("p.microlabel was deleted while open"), message.text)
        XCTAssertTrue(message.text.contains(rescued.path), message.text)
        // The copy holds both boxes: the one before the delete and the one that revealed it.
        XCTAssertEqual(try Project.open(at: rescued).counts().seeds, 2)

        session.send(.key(.right))
        drawBox(session)
        XCTAssertTrue(session.state.message?.text.contains("edits are now refused") == true, "\(String(describing: session.state.message))")
        XCTAssertEqual(session.state.boxes.count, 0, "the refused box is not shown as if it were saved")
        XCTAssertEqual(try Project.open(at: rescued).counts().seeds, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: projectURL.path), "nothing is written where the project was")
    }

    func testReplacedProjectIsNoticedWhileIdleAndTheNewFileIsLeftAlone() throws {
        let session = try openSession()
        drawBox(session)
        session.pollBackground()
        XCTAssertNil(session.state.message.flatMap { $0.isError ? $0 : nil }, "nothing to report while the file is the same")

        // Another project moved over the path, as `mv other.microlabel p.microlabel` does.
        let other = folder.appendingPathComponent("other.microlabel")
        _ = try Project.create(at: other, source: source, labels: ["cat"])
        try removeProjectFiles(at: projectURL)
        XCTAssertEqual(rename(other.path, projectURL.path), 0)

        session.lastFileCheck -= ReviewSession.fileCheckInterval  // as if a second had passed
        session.pollBackground()
        let message = try XCTUnwrap(session.state.message)
        XCTAssertTrue(message.text.contains("was replaced by another file"), message.text)
        XCTAssertEqual(try Project.open(at: rescued).counts().seeds, 1)

        drawBox(session)
        XCTAssertTrue(session.state.message?.text.contains("edits are now refused") == true)
        let replacement = try Project.open(at: projectURL)
        XCTAssertEqual(try replacement.counts().seeds, 0, "the file now at the path is not written to")
        XCTAssertEqual(try replacement.labels().map(\.name), ["cat"])
    }

    func testAnUntouchedProjectIsNeverReported() throws {
        let session = try openSession()
        for _ in 0..<3 {
            drawBox(session)
            session.send(.key(.right))
            session.pollBackground()
        }
        XCTAssertEqual(session.state.project.counts.seed, 3)
        XCTAssertNil(session.projectLost)
        XCTAssertFalse(FileManager.default.fileExists(atPath: rescued.path))
    }
}
