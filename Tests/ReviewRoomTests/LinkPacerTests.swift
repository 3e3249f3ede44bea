import Geometry
import struct TerminalGraphics.PixelSize
import enum TerminalGraphics.KittyImages
import struct Imaging.RGBImage
@testable import ReviewRoom
import XCTest

final class LinkPacerTests: XCTestCase {
    /// A pacer that has measured a 50 ms round trip with a bare query.
    private func measured() -> LinkPacer {
        var pacer = LinkPacer()
        pacer.probeSent(at: 0, afterPicture: false)
        pacer.answered(at: 0.05)
        return pacer
    }

    func testABareQueryMeasuresTheRoundTripAndHoldsNothingBack() {
        var pacer = LinkPacer()
        pacer.wrote(40)
        pacer.probeSent(at: 1.0, afterPicture: false)
        XCTAssertTrue(pacer.maySend(now: 1.01), "text and queries never hold a picture back")
        pacer.answered(at: 1.05)
        XCTAssertEqual(pacer.roundTrip ?? 0, 0.05, accuracy: 1e-9)
        XCTAssertNil(pacer.rate)
        XCTAssertEqual(pacer.inFlight, 0)
    }

    func testTheNextPictureWaitsForTheLastOnesAnswerUntilTheRateIsKnown() {
        var pacer = measured()
        XCTAssertTrue(pacer.maySend(now: 1))
        pacer.wrote(60_000)
        pacer.probeSent(at: 1)
        XCTAssertFalse(pacer.maySend(now: 1.01), "a second picture while the first is unanswered")
        pacer.answered(at: 1.2)
        XCTAssertTrue(pacer.maySend(now: 1.2))
    }

    func testAFullPictureMeasuresTheRate() {
        var pacer = measured()
        pacer.wrote(1_250_000)
        pacer.probeSent(at: 2)
        pacer.answered(at: 2 + 1.0 + 0.05)  // a second on a 10 Mbit/s link, then the round trip
        XCTAssertEqual(pacer.rate ?? 0, 1_250_000, accuracy: 1_000)
        XCTAssertEqual(pacer.transferTime(125_000), 0.1, accuracy: 0.001)
    }

    func testPicturesGoAtTheLinksRateWithoutQueueingBehindEachOther() {
        var pacer = measured()
        pacer.wrote(1_250_000)
        pacer.probeSent(at: 2)
        pacer.answered(at: 3.05)  // 1.25 MB/s
        pacer.wrote(50_000)
        pacer.probeSent(at: 4)  // 40 ms on the link
        XCTAssertFalse(pacer.maySend(now: 4.01), "the link is still sending the last picture")
        XCTAssertTrue(pacer.maySend(now: 4.016), "within half a round trip of its end, the next one may go")
        XCTAssertTrue(pacer.maySend(now: 4.041), "the link has sent it: the next one follows without waiting for the answer")
        pacer.wrote(50_000)
        pacer.probeSent(at: 4.041)
        XCTAssertFalse(pacer.maySend(now: 4.05))
        pacer.answered(at: 4.095)
        XCTAssertEqual(pacer.inFlight, 50_000)
        XCTAssertTrue(pacer.maySend(now: 4.082))
    }

    func testUnansweredBytesBeyondTwoRoundTripsHoldPicturesBack() {
        var pacer = measured()
        pacer.wrote(1_250_000)
        pacer.probeSent(at: 2)
        pacer.answered(at: 3.05)
        pacer.wrote(400_000)
        pacer.probeSent(at: 5)
        XCTAssertFalse(pacer.maySend(now: 5.33), "sent by the rate, but unanswered for longer than the link can explain")
        pacer.answered(at: 5.4)
        XCTAssertTrue(pacer.maySend(now: 5.4))
    }

    func testAnswersReadTogetherCountAsOne() {
        var pacer = measured()
        for i in 0..<3 {
            pacer.wrote(200_000)
            pacer.probeSent(at: 10 + Double(i) * 0.001)
        }
        pacer.answered(3, at: 10.55)
        XCTAssertTrue(pacer.outstanding.isEmpty)
        XCTAssertEqual(pacer.inFlight, 0)
        // 600 KB in half a second less the round trip.
        XCTAssertEqual(pacer.rate ?? 0, 600_000 / 0.5, accuracy: 10_000)
    }

    func testATerminalThatNeverAnswersStopsThePacingNotTheRoom() {
        var pacer = measured()
        pacer.wrote(100_000)
        pacer.probeSent(at: 5)
        XCTAssertFalse(pacer.maySend(now: 5.5))
        XCTAssertFalse(pacer.expire(now: 6))
        XCTAssertEqual(pacer.expiryDeadline ?? 0, 5 + pacer.answerTimeout, accuracy: 1e-9)
        XCTAssertTrue(pacer.expire(now: 5 + pacer.answerTimeout + 0.1))
        XCTAssertTrue(pacer.maySend(now: 9))
        pacer.probeSent(at: 9)
        XCTAssertTrue(pacer.outstanding.isEmpty, "no more queries once the terminal is known not to answer")
    }

    /// Holds a key at 30 presses a second for 3 s over a link of `bytesPerSecond` with a 50 ms
    /// round trip, a picture of `pictureBytes` per press when the pacer lets it go. The room reads
    /// an answer when it comes, unless it is busy encoding a picture (`encodeSeconds` after each
    /// press that sends one): then after, knowing only that it came since the press. Returns the
    /// presses that had to wait, those the pacer would show light, and the pictures sent.
    private func hold(bytesPerSecond: Double, pictureBytes: Int, encodeSeconds: Double = 0.02) -> (waited: Int, light: Int, sent: Int) {
        var pacer = LinkPacer()
        pacer.probeSent(at: 0, afterPicture: false)
        pacer.answered(at: 0.05)
        let interval = 1.0 / 30
        var linkFree = 0.0
        var arrivals: [Double] = []  // when each unanswered query's answer reaches the room
        var busyFrom = -1.0, waited = 0, light = 0, sent = 0
        for press in 0..<90 {
            let now = 1 + Double(press) * interval
            while let arrival = arrivals.first {
                let busy = arrival < busyFrom + encodeSeconds && arrival >= busyFrom
                let readAt = busy ? busyFrom + encodeSeconds : arrival
                guard readAt <= now else { break }
                pacer.answered(at: readAt, earliest: busy ? busyFrom : nil)
                arrivals.removeFirst()
            }
            guard pacer.maySend(now: now) else { waited += 1; continue }
            if press > 0, !pacer.carriesFull(pictureBytes, every: interval) { light += 1 }
            busyFrom = now
            pacer.wrote(pictureBytes)
            pacer.probeSent(at: now + encodeSeconds)
            linkFree = max(now + encodeSeconds, linkFree) + Double(pictureBytes) / bytesPerSecond
            arrivals.append(linkFree + 0.05)
            sent += 1
        }
        return (waited, light, sent)
    }

    func testOnAFastLinkFullPicturesGoAtEveryPressWithoutWaiting() {
        // 1 Gbit/s: a 650 KB sixel picture takes 5 ms. Only the first picture waits for its
        // answer (about 80 ms: two presses), which measures the rate.
        let fast = hold(bytesPerSecond: 125_000_000, pictureBytes: 650_000)
        XCTAssertLessThanOrEqual(fast.waited, 2, "\(fast)")
        XCTAssertEqual(fast.light, 0, "\(fast)")
        // A link starved to 20 MB/s (33 ms a picture, just over the 30 presses a second): still
        // full pictures, at least 25 a second.
        let starved = hold(bytesPerSecond: 20_000_000, pictureBytes: 650_000)
        XCTAssertEqual(starved.light, 0, "\(starved)")
        XCTAssertGreaterThanOrEqual(starved.sent, 75, "\(starved)")
    }

    func testOnAThinLinkPicturesWaitAndGoLight() {
        // 10 Mbit/s: a full picture takes half a second, so most presses wait and the rest go light.
        let run = hold(bytesPerSecond: 1_250_000, pictureBytes: 650_000)
        XCTAssertGreaterThan(run.waited, 60)
        XCTAssertEqual(run.light, run.sent - 1)
    }

    func testAnAnswerReadLateNeverRaisesTheRate() {
        var pacer = measured()
        pacer.wrote(1_250_000)
        pacer.probeSent(at: 2)
        // Arrived at 3.05 (1.25 MB/s), read only at 3.5: the rate is taken as what the latest time allows.
        pacer.answered(at: 3.5, earliest: 3.0)
        XCTAssertEqual(pacer.rate ?? 0, 1_250_000 / 1.45, accuracy: 1_000)
        XCTAssertFalse(pacer.carriesFull(650_000, every: 1.0 / 30))
    }

    func testAnAnswerIsNeverTakenToHaveComeBeforeItsQuery() {
        // The room's first read found the answer at once, with no empty read before it: the
        // earliest time it knows of is the start of its clock, long before the query went.
        var pacer = LinkPacer()
        pacer.probeSent(at: 9_000, afterPicture: false)
        pacer.answered(at: 9_000.002, earliest: 0)
        XCTAssertGreaterThan(pacer.roundTrip ?? -1, 0)
        XCTAssertLessThanOrEqual(pacer.roundTrip ?? 1, 0.002)
        // A picture on a 5 MB/s link then measures 5 MB/s, not next to nothing.
        pacer.wrote(500_000)
        pacer.probeSent(at: 9_001)
        pacer.answered(at: 9_001.102)
        XCTAssertEqual(pacer.rate ?? 0, 5_000_000, accuracy: 100_000)
    }

    // MARK: Kitty images kept by the terminal

    private func placement(frame: Int, slot: Int = 0, quality: PictureQuality = .full) -> ImagePlacement {
        ImagePlacement(cells: CellRect(column: 0, row: 1, columns: 80, rows: 30), frame: frame,
                       region: BoxRect(x: 0, y: 0, width: 1280, height: 720), size: PixelSize(width: 800, height: 450),
                       overlays: [], slot: slot, quality: quality)
    }

    func testSteppingBackToAStoredFrameCostsOnlyPlacements() {
        var shelf = KittyShelf()
        let a = placement(frame: 3), b = placement(frame: 4)
        XCTAssertFalse(shelf.isStored(a))
        let first = shelf.store(a)
        let shownA = String(decoding: shelf.show(a, columns: 80, rows: 30), as: UTF8.self)
        XCTAssertEqual(shownA, "\u{1B}_Ga=p,i=\(first),p=1,c=80,r=30,C=1,q=2\u{1B}\\")
        let second = shelf.store(b)
        XCTAssertNotEqual(second, first)
        let shownB = String(decoding: shelf.show(b, columns: 80, rows: 30), as: UTF8.self)
        XCTAssertTrue(shownB.hasPrefix("\u{1B}_Ga=d,d=i,i=\(first),p=1,q=2\u{1B}\\"), "the picture it replaces is taken off")
        // Back to frame 3: still stored, so only a placement goes.
        XCTAssertTrue(shelf.isStored(a))
        XCTAssertFalse(shelf.isStored(placement(frame: 3, quality: .light(level: 1))), "a light copy is another picture")
        let back = String(decoding: shelf.show(a, columns: 80, rows: 30), as: UTF8.self)
        XCTAssertLessThan(back.utf8.count, 100)
        XCTAssertTrue(back.contains("a=p,i=\(first),"))
    }

    func testAPictureEncodedAheadIsSentUnderTheIdItIsStoredAs() throws {
        let image = RGBImage(width: 4, height: 2, pixels: [UInt8](repeating: 200, count: 24))
        let ahead = try KittyImages.transmit(image, id: KittyShelf.placeholderID)
        var out = KittyImages.free(id: 3)
        Painter.append(ahead, storedAs: 42, to: &out)
        XCTAssertEqual(out, KittyImages.free(id: 3) + (try KittyImages.transmit(image, id: 42)))
    }

    /// Kitty frees every image without a placement on any free command, so past its capacity the
    /// shelf lets go of all the images not shown at once (after a draw's pictures are placed).
    func testPastItsCapacityTheShelfFreesEveryImageNotShown() {
        var shelf = KittyShelf()
        var ids: [UInt32] = []
        for frame in 0..<(KittyShelf.capacity - 1) { ids.append(shelf.store(placement(frame: frame))) }
        let tile = placement(frame: 900, slot: 1)
        _ = shelf.store(tile)
        _ = shelf.show(tile, columns: 80, rows: 30)
        _ = shelf.show(placement(frame: 5), columns: 80, rows: 30)
        XCTAssertEqual(shelf.trim(), [], "up to the capacity all stay")
        XCTAssertTrue(shelf.isStored(placement(frame: 0)))
        let next = shelf.store(placement(frame: 1000))
        XCTAssertEqual(shelf.trim(), (ids + [next]).filter { $0 != ids[5] }.sorted())
        XCTAssertTrue(shelf.isStored(placement(frame: 5)))
        XCTAssertTrue(shelf.isStored(tile))
        XCTAssertFalse(shelf.isStored(placement(frame: 0)))
        XCTAssertFalse(shelf.isStored(placement(frame: 1000)))
        XCTAssertEqual(shelf.trim(), [])
    }

    func testKittyPicturesTravelAtTheSourcesResolutionAtMost() {
        // 1280 source pixels shown over 800 dots: 800 go. 320 shown over 800 dots: 320 go.
        XCTAssertEqual(KittyShelf.scale(placement(frame: 0)), 1, accuracy: 1e-9)
        var zoomed = placement(frame: 0)
        zoomed.region = BoxRect(x: 0, y: 0, width: 320, height: 180)
        XCTAssertEqual(KittyShelf.scale(zoomed), 0.4, accuracy: 1e-9)
        XCTAssertLessThan(KittyShelf.scale(placement(frame: 0, quality: .light(level: 0))), 1)
    }
}
