import Foundation
import Geometry
@testable import Pipeline
import class LabelStore.Project
import struct LabelStore.ProposedBox
import struct LabelStore.SourceInfo
@testable import ReviewRoom
import TestSupport
import TerminalGraphics
import XCTest

/// The review gallery: crops around the boxes, in queue order, a page at a time, with
/// accept-page and reject-marked.
final class GalleryTests: XCTestCase {
    let source = PixelSize(width: 640, height: 360)

    // MARK: Crop geometry

    func testASmallBoxNearTheCornerGetsAMarginedCropInsideTheFrame() {
        let box = BoxRect(x: 632, y: 353, width: 6, height: 5)
        let r = View.cropRegion(box, frame: source, aspect: 1.25)
        XCTAssertEqual(r.width / r.height, 1.25, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(min(r.width, r.height), View.minimumCrop, "a tiny box is shown with what is around it")
        XCTAssertLessThan(r.width, 100, "a crop, not the whole frame")
        XCTAssertGreaterThanOrEqual(r.x, 0)
        XCTAssertGreaterThanOrEqual(r.y, 0)
        XCTAssertLessThanOrEqual(r.maxX, 640 + 1e-9)
        XCTAssertLessThanOrEqual(r.maxY, 360 + 1e-9)
        XCTAssertTrue(r.contains(Point(x: box.x, y: box.y)) && r.contains(Point(x: box.maxX, y: box.maxY)))
        // Shown in a 200x160-pixel tile the 6-pixel box is scaled up several times.
        XCTAssertGreaterThan(200 / r.width * box.width, 4 * box.width)
    }

    func testAMidSizedBoxHasHalfItsSizeOfMarginOnEachSide() {
        let box = BoxRect(x: 200, y: 100, width: 60, height: 40)
        let r = View.cropRegion(box, frame: source, aspect: 1.5)
        XCTAssertEqual(r.width, 120, accuracy: 1e-9)
        XCTAssertEqual(r.height, 80, accuracy: 1e-9)
        XCTAssertEqual(r.center.x, box.center.x, accuracy: 1e-9)
        XCTAssertEqual(r.center.y, box.center.y, accuracy: 1e-9)
    }

    func testALargeBoxIsCroppedToTheFrame() {
        let box = BoxRect(x: 40, y: 20, width: 560, height: 320)
        let r = View.cropRegion(box, frame: source, aspect: 1.5)
        XCTAssertEqual(r, BoxRect(x: 0, y: 0, width: 640, height: 360), "no margin fits: the whole frame, never beyond it")
    }

    // MARK: Through the reducer and a session

    func makeSession(store: FakeStore, columns: Int = 160, rows: Int = 50) throws -> ReviewSession {
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: columns, rows: rows, graphics: .sixel, cellPixels: PixelSize(width: 10, height: 20))
        return try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
    }

    /// 40 proposals with confidences in scrambled order.
    func storeWithProposals() throws -> (FakeStore, [BoxID]) {
        let store = FakeStore()
        let object = try store.addObject(label: store.addLabel(name: "car"))
        var ids: [BoxID] = []
        for f in 0..<40 {
            let confidence = Double((f * 17) % 40) / 40
            ids.append(store.propose(frame: f, object: object, rect: BoxRect(x: Double(f * 10), y: 50, width: 12, height: 9), confidence: confidence))
        }
        return (store, ids)
    }

    func testTilesFollowTheQueueInEachOrder() throws {
        let (store, _) = try storeWithProposals()
        let session = try makeSession(store: store)
        session.send([.key(.char("r")), .key(.char("v"))])
        let tiles = try XCTUnwrap(session.state.galleryTiles)
        for _ in QueueOrder.allCases {
            let queue = try store.queue(kind: .pending, order: session.state.review.order)
            // (Sorting again keeps the cursor on its box, so the page may be any page.)
            let page = session.state.galleryPage
            XCTAssertEqual(page.count, tiles.count)
            let plan = ReviewRoom.imagePlan(session.state, theme: .builtIn)
            XCTAssertEqual(plan.map(\.frame), queue[page].map(\.frame), "\(session.state.review.order)")
            // Each tile is a crop around its box, not the whole frame.
            for (p, box) in zip(plan, queue[page]) {
                XCTAssertLessThan(p.region.width, 100)
                XCTAssertTrue(p.region.contains(box.rect.center))
            }
            // The other page goes on where this one ended (or ends where it starts).
            let other = page.lowerBound == 0 ? Key.pageDown : .pageUp
            session.send(.key(other))
            let next = ReviewRoom.imagePlan(session.state, theme: .builtIn)
            let expected = page.lowerBound == 0 ? queue[page.upperBound...].prefix(tiles.count) : queue[..<page.lowerBound].suffix(tiles.count)
            XCTAssertEqual(next.map(\.frame), expected.map(\.frame))
            session.send(.key(.char("s")))
        }
    }

    /// A page lists its tiles in queue order, which is seldom time order; the painter reads
    /// their frames in time order (a video read backward would seek once per tile).
    func testThePainterReadsAPagesFramesInTimeOrder() throws {
        let (store, _) = try storeWithProposals()
        let session = try makeSession(store: store)
        session.send([.key(.char("r")), .key(.char("v"))])
        let plan = ReviewRoom.imagePlan(session.state, theme: .builtIn)
        XCTAssertNotEqual(plan.map(\.frame), plan.map(\.frame).sorted(), "the queue's order is not time order here")
        let frames = FakeFrames()
        var painter = Painter(terminal: RecordingTerminal(), frames: frames, renderer: TerminalFrameRenderer(KittyRenderer()), theme: .builtIn)
        XCTAssertNil(painter.draw(session.state, now: 10))
        XCTAssertEqual(frames.requests.map(\.frame), plan.map(\.frame).sorted())
        XCTAssertEqual(Set(frames.requests.map(\.region)), Set(plan.map(\.region)), "each tile's own crop")
    }

    func testAcceptPageAndRejectMarkedInThePureReducer() throws {
        var project = ProjectSnapshot(frameCount: 60, frameSize: source)
        project.objects = [ReviewObject(id: 1, label: 1, name: "car 1")]
        project.labels = [ReviewLabel(id: 1, name: "car")]
        var s = ReviewState(project: project, columns: 160, rows: 50, graphics: .kitty, cellPixels: PixelSize(width: 10, height: 20))
        _ = s.handle(.snapshotLoaded(project))
        let queue = (0..<30).map { ReviewBox(id: BoxID(100 + $0), frame: $0, object: 1, kind: .pending,
                                            rect: BoxRect(x: 10, y: 10, width: 8, height: 8), confidence: Double($0) / 30) }
        _ = s.run(.openReview)
        _ = s.handle(.queueLoaded(s.queueKey, queue))
        XCTAssertEqual(s.handle(.key(.char("v"))), [])
        XCTAssertEqual(s.keyContext, .gallery)
        let page = s.galleryTiles!.count
        XCTAssertLessThan(page, 30)

        // Mark the 2nd and 4th tiles, unmark the 4th, mark the 3rd.
        for key: Key in [.right, .char("m"), .right, .right, .char("m"), .char("m"), .left, .char(" ")] { _ = s.handle(.key(key)) }
        XCTAssertEqual(s.review.marked, [101, 102])
        XCTAssertTrue(View.compose(s).text.contains("✗"), "marked tiles say so")
        let marked = ReviewRoom.imagePlan(s, theme: .builtIn)[1].overlays[0]
        XCTAssertEqual(marked.color, Theme.builtIn.color(for: .rejected))

        // Accept-page takes every tile of the page but the marked ones.
        let effects = s.handle(.key(.char("p")))
        let accepted = (0..<page).filter { $0 != 1 && $0 != 2 }.map { BoxID(100 + $0) }
        XCTAssertEqual(effects, [.setKind(accepted, .accepted)])
        XCTAssertEqual(s.queue.map(\.id).prefix(3), [101, 102, BoxID(100 + page)], "the marked stay, the next boxes move up")
        XCTAssertEqual(s.review.index, 0)
        XCTAssertFalse(s.retrainDue, "accepting is no correction")

        // Reject-marked rejects both as one edit and asks for a retraining.
        XCTAssertEqual(s.handle(.key(.char("X"))), [.setKind([101, 102], .rejected)])
        XCTAssertTrue(s.review.marked.isEmpty)
        XCTAssertEqual(s.queue.first?.id, BoxID(100 + page))
        XCTAssertTrue(s.retrainDue)
        XCTAssertEqual(s.handle(.key(.char("X"))), [], "nothing marked: nothing to do")
        XCTAssertTrue(s.message?.text.contains("m marks") ?? false, s.message?.text ?? "")

        // Leaving the gallery, p is no key of the single view.
        _ = s.handle(.key(.char("v")))
        XCTAssertEqual(s.keyContext, .review)
        XCTAssertEqual(s.handle(.key(.char("p"))), [])
    }

    func testTheGalleryStatusLineAndHelpComeFromTheTable() throws {
        let (store, _) = try storeWithProposals()
        let session = try makeSession(store: store)
        session.send([.key(.char("r"))])
        var status = View.compose(session.state).line(49)
        XCTAssertTrue(status.contains("v gallery"), status)
        XCTAssertFalse(status.contains("p accept page"), status)
        session.send(.key(.char("v")))
        status = View.compose(session.state).line(49)
        for hint in ["m mark", "p accept page", "X reject marked", "PageDown page", "v single"] {
            XCTAssertTrue(status.contains(hint), "\(hint) missing: \(status)")
        }
        var bindings = Keymap.standard
        bindings.bind(.char("P"), to: .acceptPage)
        XCTAssertTrue(bindings.hintLine(.gallery).contains("P accept page"))
        let help = Keymap.standard.helpLines()
        let section = try XCTUnwrap(help.firstIndex(of: KeyContext.gallery.title))
        XCTAssertTrue(help[section...].prefix { !$0.isEmpty }.contains { $0.contains("accept-page") && $0.contains("not marked") })
    }

    /// At 100 columns the gallery's hints do not all fit: whole hints give way, the sparest
    /// first, the page's own keys and the way out stay, and `? more` points to the help. Drawn
    /// through the painter into a recording terminal, while training shows in the status line.
    func testTheGalleryHintsFitA100ColumnTerminal() throws {
        let (store, _) = try storeWithProposals()
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: 100, rows: 40, graphics: .kitty, cellPixels: PixelSize(width: 10, height: 20))
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        let terminal = RecordingTerminal()
        var painter = Painter(terminal: terminal, frames: FakeFrames(), renderer: TerminalFrameRenderer(KittyRenderer()), theme: .builtIn)
        session.send([.key(.char("r")), .key(.char("v"))])
        XCTAssertEqual(session.state.keyContext, .gallery)
        let all = Keymap.standard.hints(in: .gallery).map { "\($0.key) \($0.text)" }
        for training in [false, true] {
            if training { session.send(.training(.progress(fraction: 0.42, detail: "tracking"))) }
            _ = painter.draw(session.state, now: training ? 20 : 10)
            let status = terminal.line(session.state.layout.statusRow)
            XCTAssertEqual(status.contains("training 42%"), training, status)
            let shown = try XCTUnwrap(status.components(separatedBy: "│ ").last)
                .trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")
            XCTAssertEqual(shown.last, "? more", status)
            // Every hint shown is whole and in the table's order; the ones that matter most are there.
            let kept = shown.dropLast()
            XCTAssertEqual(kept.map { all.firstIndex(of: $0) ?? -1 }, kept.map { all.firstIndex(of: $0) ?? -1 }.sorted(), status)
            XCTAssertFalse(kept.contains { !all.contains($0) }, "a hint was cut: \(status)")
            for hint in ["m mark", "p accept page", "X reject marked", "v single", "Esc leave"] {
                XCTAssertTrue(kept.contains(hint), "\(hint) missing at 100 columns: \(status)")
            }
            XCTAssertFalse(kept.contains("s sort"), status)
        }
        // `?` opens the help, where the rest are.
        session.send(.key(.char("?")))
        XCTAssertEqual(session.state.keyContext, .help)
    }

    /// Any width: the line fits, spare hints go before less spare ones, and a line that had to
    /// drop some ends with the help key's `more`.
    func testHintsGiveWaySparestFirstAtEveryWidth() {
        let map = Keymap.standard
        for context in KeyContext.allCases {
            let all = map.hints(in: context).map { "\($0.key) \($0.text)" }
            let spare = Dictionary(map.bindings.compactMap { b in
                b.hints[context].map { ("\(b.keys[0].symbol) \($0)", b.spare[context] ?? 0) }
            }, uniquingKeysWith: max)
            for width in 12...200 {
                var shown = map.hints(in: context, width: width).map { "\($0.key) \($0.text)" }
                let line = shown.joined(separator: "  ")
                if shown == all { XCTAssertLessThanOrEqual(line.count, width); continue }
                XCTAssertLessThanOrEqual(line.count, max(width, 6), "\(context) at \(width): \(line)")
                // `more` unless the help key does not work here or is hinted already.
                let helpWorks = map.binding(.help)!.contexts.contains(context)
                XCTAssertEqual(shown.last == "? more", helpWorks && !all.contains("? help"), "\(context) at \(width): \(line)")
                if shown.last == "? more" { shown.removeLast() }
                let dropped = all.filter { !shown.contains($0) }
                let lowestDropped = dropped.map { spare[$0]! }.min()!
                XCTAssertFalse(shown.contains { spare[$0]! > lowestDropped }, "\(context) at \(width): kept a sparer hint than one dropped: \(line)")
            }
        }
    }

    /// On a real project: the page's boxes become accepted and the marked ones rejected, in the file.
    func testAcceptPageAndRejectMarkedChangeTheRightBoxesInTheProject() throws {
        let folder = try Fixtures.temporaryDirectory("gallery-store")
        defer { try? FileManager.default.removeItem(at: folder) }
        let info = SourceInfo(path: folder.path, kind: .folder, frameCount: 50, width: 640, height: 360, fps: 25)
        let project = try Project.create(at: folder.appendingPathComponent("p.microlabel"), source: info, labels: [])
        let label = try project.addLabel("walker")
        let object = try project.addObject(labelID: label.id)
        let proposals = (0..<50).map { f in
            ProposedBox(frame: f, rect: .init(x: Double(5 * f), y: 40, width: 7, height: 12), confidence: Double((f * 13) % 50) / 50)
        }
        try project.replaceProposals(objectID: object.id, frames: 0...49, with: proposals)
        let store = try ProjectReviewStore(project: project)
        // (The timeline's confidences come from the same store.)
        XCTAssertEqual(try store.lowestPendingConfidence()[1] ?? -1, 13.0 / 50, accuracy: 1e-9)
        let state = ReviewState(project: ProjectSnapshot(frameCount: store.frameCount, frameSize: store.frameSize),
                                columns: 160, rows: 50, graphics: .sixel, cellPixels: PixelSize(width: 10, height: 20))
        let session = try ReviewSession(store: store, engine: nil, exporter: nil, state: state)
        session.send([.key(.char("r")), .key(.char("v"))])
        let page = try XCTUnwrap(session.state.galleryTiles).count
        let firstPage = Array(session.state.queue.prefix(page))
        XCTAssertEqual(firstPage.map(\.confidence), firstPage.map(\.confidence).sorted(), "lowest confidence first")
        // Mark the first and the last tile of the page, accept the rest, reject the marked.
        session.send([.key(.char("m"))] + Array(repeating: Event.key(.right), count: page - 1) + [.key(.char("m")), .key(.char("p"))])
        session.send(.key(.char("X")))

        let kinds = Dictionary(uniqueKeysWithValues: try project.boxes().map { ($0.id, $0.kind.rawValue) })
        XCTAssertEqual(kinds[firstPage[0].id], "rejected")
        XCTAssertEqual(kinds[firstPage[page - 1].id], "rejected")
        for box in firstPage.dropFirst().dropLast() { XCTAssertEqual(kinds[box.id], "accepted", "frame \(box.frame + 1)") }
        let others = Set(try project.boxes().map(\.id)).subtracting(firstPage.map(\.id))
        for id in others { XCTAssertEqual(kinds[id], "proposal") }
        XCTAssertEqual(session.state.project.counts, KindCounts(pending: 50 - page, accepted: page - 2, rejected: 2))
        // One undo takes back the rejection of both.
        session.send(.key(.char("u")))
        XCTAssertEqual(try project.boxes(kinds: [.rejected]).count, 0)
        XCTAssertEqual(try project.boxes(kinds: [.accepted]).count, page - 2)
    }
}
