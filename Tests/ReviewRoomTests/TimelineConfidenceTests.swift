import Foundation
import Geometry
@testable import ReviewRoom
import TestSupport
import struct TerminalGraphics.PixelSize
import XCTest

/// The timeline colours each frame by how sure the model is of its pending box.
final class TimelineConfidenceTests: XCTestCase {
    func makeSession(_ store: FakeStore) throws -> ReviewSession {
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: 120, rows: 40, graphics: .blocks, cellPixels: PixelSize(width: 10, height: 20))
        return try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
    }

    /// The timeline cell of each frame, as (glyph, role).
    func timeline(_ state: ReviewState) -> [(Character, Role)] {
        let area = state.layout.timeline
        let screen = View.compose(state)
        let t = Timeline(frameCount: state.project.frameCount, width: area.columns)
        return (0..<t.cellCount).map { screen[area.column + $0, area.row] }.map { ($0.character, $0.role) }
    }

    func testEachFrameShowsTheBandOfItsLeastSureBox() throws {
        let store = FakeStore(frameCount: 10)
        let object = try store.addObject(label: store.addLabel(name: "car"))
        let r = BoxRect(x: 10, y: 10, width: 20, height: 20)
        _ = try store.addSeed(frame: 0, target: .object(object), rect: r)
        store.propose(frame: 2, object: object, rect: r, confidence: 0.95)
        store.propose(frame: 3, object: object, rect: r, confidence: 0.7)
        store.propose(frame: 4, object: object, rect: r, confidence: 0.3)
        // Two boxes on one frame: the less sure one counts.
        store.propose(frame: 5, object: object, rect: r, confidence: 0.97)
        store.propose(frame: 5, object: object, rect: r, confidence: 0.45)
        let accepted = store.propose(frame: 6, object: object, rect: r, confidence: 0.8)
        try store.setKind([accepted], to: .accepted)
        let session = try makeSession(store)
        session.send(.key(.end))  // the cursor away from the frames looked at

        let cells = timeline(session.state)
        XCTAssertEqual(cells.count, 10)
        XCTAssertEqual(cells[0].1, .seed)
        XCTAssertEqual(cells[1].1, .dim, "no box")
        XCTAssertEqual(cells[2].0, "▫")
        XCTAssertEqual(cells[2].1, .confidenceHigh)
        XCTAssertEqual(cells[3].0, "▪")
        XCTAssertEqual(cells[3].1, .confidenceMedium)
        XCTAssertEqual(cells[4].0, "▮")
        XCTAssertEqual(cells[4].1, .confidenceLow)
        XCTAssertEqual(cells[5].1, .confidenceLow)
        XCTAssertEqual(cells[6].1, .accepted)
        XCTAssertEqual(cells[9].1, .cursor)

        // Once bulk accept vouches for 0.6 and up, 0.7 is high.
        store.threshold = 0.6
        session.send(.storeChanged)
        XCTAssertEqual(timeline(session.state)[3].1, .confidenceHigh)
        // Reviewing a frame recolours it at once.
        store.threshold = nil
        session.send([.key(.char("r"))])
        XCTAssertEqual(session.state.currentEntry?.frame, 4, "lowest first")
        session.send([.key(.char("a")), .key(.escape), .key(.end)])
        XCTAssertEqual(timeline(session.state)[4].1, .accepted)
    }

    func testACellOfManyFramesShowsItsLeastSureFrame() {
        let t = Timeline(frameCount: 1000, width: 100)
        var values = [Double?](repeating: nil, count: 1000)
        values[15] = 0.9
        values[17] = 0.4
        values[42] = 0.8
        let lowest = t.lowest(values)
        XCTAssertEqual(lowest.count, 100)
        XCTAssertEqual(lowest[1], 0.4)
        XCTAssertEqual(lowest[4], 0.8)
        XCTAssertNil(lowest[0])
        XCTAssertEqual(ConfidenceBand.of(0.49, threshold: nil), .low)
        XCTAssertEqual(ConfidenceBand.of(0.5, threshold: nil), .medium)
        XCTAssertEqual(ConfidenceBand.of(0.9, threshold: nil), .high)
        XCTAssertEqual(ConfidenceBand.of(0.8, threshold: 0.75), .high)
    }

    func testEveryThemeHasThreeDistinctBandColoursAwayFromItsBackground() throws {
        let folder = Fixtures.repositoryRoot.appendingPathComponent("themes")
        for name in Theme.available(folders: [folder]) {
            let theme = try Theme.load(name: name, folders: [folder])
            let bands = ConfidenceBand.allCases.compactMap { theme.confidence[$0] }
            XCTAssertEqual(Set(bands).count, 3, name)
            for c in bands { XCTAssertGreaterThan(Palette.distance(c, theme.background), 40_000, "\(name): \(c)") }
            XCTAssertEqual(Palette.colors(.confidenceLow, theme).0, theme.confidence[.low])
        }
        XCTAssertEqual(Theme.builtIn.confidence, try Theme.load(name: "default", folders: [folder]).confidence)
        // A theme file without the bands still loads, with the kinds' colours.
        let old = ##"""
            {"background":"#000000","text":"#ffffff","dim":"#888888","accent":"#ff0000",
             "status":{"foreground":"#000000","background":"#ffffff"},
             "boxes":{"seed":"#00ffff","pending":"#ffff00","accepted":"#00ff00","rejected":"#ff0000","selected":"#ffffff"},
             "timeline":{"seed":"#00ffff","pending":"#ffff00","accepted":"#00ff00","rejected":"#ff0000","cut":"#ff00ff","cursor":"#ffffff"}}
            """##
        let theme = try Theme.parse(Data(old.utf8), path: "old.json")
        XCTAssertEqual(theme.confidence[.low], theme.timeline[.rejected])
    }
}
