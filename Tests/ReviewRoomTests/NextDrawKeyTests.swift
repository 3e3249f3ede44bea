import Foundation
import Geometry
import LabelStore
@testable import Pipeline
@testable import ReviewRoom
import TestSupport
import struct TerminalGraphics.PixelSize
import XCTest

/// The key that goes where one drawn box saves the most review.
final class NextDrawKeyTests: XCTestCase {
    func snapshot() -> ProjectSnapshot {
        var p = ProjectSnapshot(frameCount: 60, frameSize: PixelSize(width: 640, height: 360))
        p.labels = [ReviewLabel(id: 1, name: "car"), ReviewLabel(id: 3, name: "bike")]
        p.objects = [ReviewObject(id: 2, label: 1, name: "car 1"), ReviewObject(id: 4, label: 3, name: "bike 1")]
        return p
    }

    func testTheKeyAsksTheStoreAndTheAnswerMovesThereWithItsObject() {
        var s = ReviewState(project: snapshot(), columns: 160, rows: 50, graphics: .sixel, cellPixels: PixelSize(width: 10, height: 20))
        _ = s.handle(.snapshotLoaded(snapshot()))
        XCTAssertEqual(s.currentObject, 2)
        XCTAssertTrue(View.compose(s).line(49).contains("N next"), "hinted in the status line")
        XCTAssertTrue(s.keymap.helpLines().contains { $0.contains("next-draw") && $0.contains("save the most review") })

        // From the review gallery too: it leaves review for the frame.
        _ = s.run(.openReview)
        _ = s.handle(.queueLoaded(s.queueKey, [ReviewBox(id: 9, frame: 5, object: 2, kind: .pending, rect: BoxRect(x: 1, y: 1, width: 9, height: 9), confidence: 0.4)]))
        _ = s.run(.gallery)
        XCTAssertEqual(s.keyContext, .gallery)
        XCTAssertEqual(s.handle(.key(.char("N"))), [.findNextDraw])
        _ = s.handle(.nextDrawFound(.draw(frame: 30, object: 4, saving: 41.6)))
        XCTAssertEqual(s.mode, .navigate)
        XCTAssertFalse(s.review.gallery)
        XCTAssertEqual(s.frame, 30)
        XCTAssertEqual(s.currentObject, 4, "the next box drawn is that object's")
        XCTAssertEqual(s.currentLabel, 3)
        XCTAssertEqual(s.message?.text, "draw bike 1 on frame 31 (n): expected to save about 42 s of review")
        XCTAssertEqual(s.run(.newBox), [])
        guard case .draw = s.mode else { return XCTFail("n draws") }
        XCTAssertEqual(s.seedTarget, .object(4))

        _ = s.run(.leave)
        _ = s.handle(.nextDrawFound(.nothing(.noProposals)))
        XCTAssertEqual(s.message?.text, "no proposals yet: train first (t)")
        XCTAssertEqual(s.frame, 30)
    }

    /// On a real project the room goes where `NextDraw` says.
    func testOnAProjectTheRoomGoesWhereNextDrawPoints() throws {
        let folder = try Fixtures.temporaryDirectory("next-key")
        defer { try? FileManager.default.removeItem(at: folder) }
        let info = SourceInfo(path: folder.path, kind: .folder, frameCount: 50, width: 640, height: 360, fps: 25)
        let project = try Project.create(at: folder.appendingPathComponent("p.microlabel"), source: info, labels: [])
        let label = try project.addLabel("walker")
        let object = try project.addObject(labelID: label.id)
        let store = try ProjectReviewStore(project: project)
        let state = ReviewState(project: ProjectSnapshot(frameCount: 50, frameSize: PixelSize(width: 640, height: 360)),
                                columns: 120, rows: 40, graphics: .blocks)
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        session.send(.key(.char("N")))
        XCTAssertEqual(session.state.message?.text, "no seeds yet: draw a box first (n)")

        let rect = BoxRect(x: 100, y: 40, width: 20, height: 30)
        for frame in [0, 49] { _ = try project.addBox(NewBox(frame: frame, objectID: object.id, rect: rect)) }
        // Sure near the seeds, unsure in the middle.
        let proposals = (1...48).map { f in
            ProposedBox(frame: f, rect: rect, confidence: (18...32).contains(f) ? 0.2 : 0.999)
        }
        try project.replaceProposals(objectID: object.id, frames: 0...49, with: proposals)
        session.send(.storeChanged)
        guard case .draw(let expected, _) = try NextDraw.suggest(in: project) else { return XCTFail("NextDraw has no suggestion") }
        session.send(.key(.char("N")))
        XCTAssertEqual(session.state.frame, expected.frame)
        XCTAssertEqual(session.state.currentObject, object.id)
        XCTAssertTrue((18...32).contains(session.state.frame), "a box is most use among the unsure frames (\(session.state.frame + 1))")
        XCTAssertTrue(session.state.message?.text.hasPrefix("draw walker 1 on frame \(expected.frame + 1)") ?? false,
                      session.state.message?.text ?? "")
    }
}
