import Geometry
import Foundation
import Synchronization
import Imaging
import TerminalGraphics

/// Draws states on the terminal: text through curses, images as raw bytes re-sent only
/// when their cells were repainted or their content changed.
///
/// Pictures are paced to the link (see `LinkPacer`): after each batch of pictures a DA1
/// query goes out, and the next batch waits while the link is still full, so a held key
/// shows the latest frame instead of a queue of old ones. While keys repeat faster than
/// the link carries full pictures, light ones go (coarse sixel, small kitty images the
/// terminal scales up); once the keys rest, the full picture follows.
struct Painter {
    let terminal: any RoomTerminal
    let frames: FrameProvider
    let renderer: FrameRenderer
    let theme: Theme
    private(set) var pacer = LinkPacer()
    private var shown: [ImagePlacement] = []
    private var lastText: ScreenText?
    private var cleared = true
    private var lastFrame = 0
    /// Frames the last step moved (coalesced keys move several; a longer jump counts as 1):
    /// what the next step will likely move.
    private var stride = 1
    private var direction = 1
    /// Pictures encoded ahead of time, by what they show.
    private var encoded: [ImagePlacement: [UInt8]] = [:]
    /// Pictures being made ahead on the read-ahead thread, in the order they are made: the
    /// next step's, and while a key is held the one after it.
    private var ahead: [AheadPicture] = []
    /// Pictures made ahead that the screen waited for, and guesses cancelled (for the link log).
    private(set) var aheadWaits = 0
    private(set) var aheadCancels = 0
    private var preparedFor: ReviewState?
    /// Row markers need a UTF-8 locale to stay invisible.
    private let marksRows: Bool

    /// When the last key came, and the usual gap between repeated keys.
    private var lastKeyAt = -Double.infinity
    private var keyInterval = 1.0 / 30
    /// A draw had to wait for the link at this time.
    private var waitedAt = -Double.infinity
    /// Bytes of the last batch of full pictures.
    private var fullBytes: Int?
    /// How light the light pictures are (an index into the mode's levels), adapted to the link.
    private var lightLevel = 2
    /// Kitty's stored images.
    private var kitty = KittyShelf()
    /// Which kitty payload makes full pictures arrive soonest.
    private var kittyChoice = KittyPayloadChoice()
    /// The last kitty picture's payload and encoding time, for the link log.
    private var lastKittyEncode: (payload: KittyPayload, seconds: Double)?
    /// Truecolor text pictures: a cell whose colours moved by this much or less per channel is not sent again.
    static let trueColourTolerance = 10
    /// Text modes: the cells each slot shows, to send only what changes.
    private var textShown: [Int: TextCanvas] = [:]
    /// Dots per cell of the view, for kitty canvases.
    private var cellDots = PixelSize(width: 10, height: 20)

    /// A diagnostic: with MICROLABEL_LINK_LOG=FILE, one line per batch of pictures (quality,
    /// bytes, measured rate and round trip, bytes in flight) and per wait for the link.
    static let debugLog: FileHandle? = ProcessInfo.processInfo.environment["MICROLABEL_LINK_LOG"].flatMap {
        FileManager.default.createFile(atPath: $0, contents: nil) ? FileHandle(forWritingAtPath: $0) : nil
    }

    /// The query whose answer says the terminal has taken in everything before it.
    static let probe = "\u{1B}[c"

    init(terminal: any RoomTerminal, frames: FrameProvider, renderer: FrameRenderer, theme: Theme) {
        self.terminal = terminal
        self.frames = frames
        self.renderer = renderer
        self.theme = theme
        marksRows = terminal.isUTF8
    }

    mutating func screenCleared() {
        cleared = true
        textShown.removeAll()
        terminal.invalidateAll()
    }

    // MARK: The link

    /// Sends a bare query and waits (up to a second) for its answer, to learn the round trip
    /// before the first picture. Returns the events that came meanwhile.
    mutating func measureRoundTrip() -> [Event] {
        let start = ReviewRoom.monotonicSeconds()
        terminal.write(Self.probe)
        terminal.flush()
        pacer.probeSent(at: start, afterPicture: false)
        var events: [Event] = []
        while pacer.outstanding.count > 0, ReviewRoom.monotonicSeconds() - start < 1, events.count < 1024 {
            if let event = read(wait: true, timeout: 10) { events.append(event) }
        }
        // No answer in a second: a terminal that ignores the query, or a very long way off.
        // Either way pictures go unpaced rather than wait for answers.
        if !pacer.outstanding.isEmpty { pacer.giveUp() }
        return events
    }

    /// The terminal answered `count` queries.
    mutating func answered(_ count: Int, now: Double) {
        pacer.answered(count, at: now)
    }

    /// When input was last found empty: answers read later arrived after it.
    private var inputEmptyAt = 0.0

    /// Reads one event like the terminal does, and takes note of the answers read on the way
    /// and of when they came: at once when the read waited for them, otherwise some time
    /// between the last empty read and this one (the room was busy drawing meanwhile).
    mutating func read(wait: Bool, timeout: Int32 = 40) -> Event? {
        if !stashed.isEmpty { return stashed.removeFirst() }
        let before = ReviewRoom.monotonicSeconds()
        let event = terminal.readEvent(wait: wait, timeout: timeout)
        let after = ReviewRoom.monotonicSeconds()
        let count = terminal.takeAnswers()
        if count > 0 {
            let waited = wait && after - before > 0.0005
            pacer.answered(count, at: after, earliest: waited ? after : inputEmptyAt)
        }
        if event == nil { inputEmptyAt = after }
        return event
    }

    /// Events read while a picture was being made, for `read` to hand out in order.
    private var stashed: [Event] = []

    /// Runs `work` (making a picture) on another thread while this one keeps reading the
    /// terminal, so that answers to queries are timed when they come, not when the picture is
    /// done: read late, they made a fast link look several times slower than it is (and the room
    /// sent light pictures over it). Keys read meanwhile wait in `stashed` for the loop.
    private mutating func whileReading<T>(_ work: @escaping () throws -> T) throws -> T {
        let done = DispatchGroup()
        // Written by the worker before it leaves the group, read here after.
        nonisolated(unsafe) var result: Result<T, any Error>?
        nonisolated(unsafe) let job = work
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async {
            result = Result { try job() }
            done.leave()
        }
        readUntil(done)
        return try result!.get()
    }

    /// Keeps reading the terminal (see `whileReading`) until `done` has been left.
    private mutating func readUntil(_ done: DispatchGroup) {
        while done.wait(timeout: .now()) == .timedOut {
            let before = ReviewRoom.monotonicSeconds()
            let event = terminal.readEvent(wait: true, timeout: 2)
            let after = ReviewRoom.monotonicSeconds()
            let count = terminal.takeAnswers()
            if count > 0 { pacer.answered(count, at: after, earliest: after - before > 0.0005 ? after : inputEmptyAt) }
            if let event, stashed.count < 1024 { stashed.append(event) } else if event == nil { inputEmptyAt = after }
        }
    }

    /// `count` keys arrived (several at once when the room was busy).
    mutating func keysArrived(_ count: Int, now: Double) {
        let gap = (now - lastKeyAt) / Double(max(1, count))
        if gap > 0.005 && gap < 0.25 { keyInterval = 0.7 * keyInterval + 0.3 * gap }
        lastKeyAt = now
    }

    /// How long after the last key the keys count as resting.
    private var quietDelay: Double { min(0.15, max(0.06, 2.2 * keyInterval)) }

    private func keysResting(_ now: Double) -> Bool { now - lastKeyAt >= quietDelay }

    /// Whether full pictures cannot keep up with the keys.
    private func linkTooSlow(_ now: Double) -> Bool {
        guard renderer.mode == .sixel || renderer.mode == .kitty else { return false }
        // Light only when full pictures at the measured rate would come markedly slower than the
        // keys; where they nearly keep up, full ones settle sooner (no wait for the keys to rest).
        if pacer.rate != nil, let fullBytes {
            return !pacer.carriesFull(fullBytes, every: keyInterval)
        }
        return now - waitedAt < 0.5
    }

    /// Bits per channel of full kitty pictures: 6 (46 dB against the source) where the link is
    /// fast (from 200 Mbit/s), which makes the picture about a third smaller than with all 8 and
    /// lets full pictures keep up with a held key; 5 (41 dB, still above the 37 dB floor) on
    /// thinner links, about 40 % smaller. All 8 before the link is measured.
    private var kittyFullBits: Int {
        guard let rate = pacer.rate else { return 8 }
        return rate >= 25_000_000 ? 6 : 5
    }

    /// What the status line says about the link: its rate, when full pictures cannot go at 25 a second.
    func linkNote() -> String? {
        guard let rate = pacer.rate, let fullBytes, pacer.transferTime(fullBytes) > 1.0 / 25 else { return nil }
        let mbit = rate * 8 / 1_000_000
        return mbit >= 100 ? String(format: "link %.0f Mbit/s", mbit) : String(format: "link %.1f Mbit/s", mbit)
    }

    /// The link note the status line shows.
    private var shownLinkNote: String?
    /// A picture is waiting for the link.
    private var deferred = false

    /// Seconds until the painter needs another look with no key pressed: a light picture
    /// to replace once the keys rest, or an answer that may never come.
    func wakeIn(now: Double) -> Double? {
        var wake: Double?
        if shown.contains(where: { $0.quality != .full }) { wake = max(0.001, lastKeyAt + quietDelay - now) }
        if let deadline = pacer.expiryDeadline { wake = min(wake ?? .infinity, max(0.001, deadline - now)) }
        // A picture waits for the link to finish the last one: look again when it has.
        if deferred, pacer.linkFreeAt > now { wake = min(wake ?? .infinity, pacer.linkFreeAt - now + 0.0005) }
        return wake
    }

    /// Gives up pacing when the terminal does not answer queries.
    mutating func checkAnswers(now: Double) { _ = pacer.expire(now: now) }

    // MARK: Drawing

    /// Draws if anything changed and the link has room; returns a message when rendering failed.
    @discardableResult
    mutating func draw(_ state: ReviewState, now: Double = 0) -> String? {
        // What shows is a function of the state, unless a picture waits for the link or a
        // light one for the keys to rest: then the same state may still need drawing. Otherwise
        // the same state again (the room looks before each wait) costs no composing or diffing.
        if state == drawnState, !cleared, !deferred, shown.allSatisfy({ $0.quality == .full }) { return nil }
        drawnState = nil
        cellDots = PixelSize(width: state.metrics.dotsAcross, height: state.metrics.dotsDown)
        let plan = ReviewRoom.imagePlan(state, theme: theme)
        let geometryChanged = cleared || plan.map(\.cells) != shown.map(\.cells)
        var due: [Int] = []
        for (i, placement) in plan.enumerated() where geometryChanged || i >= shown.count || shown[i].asFull != placement {
            due.append(i)
        }
        let contentChanged = !due.isEmpty
        if !contentChanged && keysResting(now) {
            due = plan.indices.filter { shown[$0].quality != .full }
        }
        let mayPicture = due.isEmpty || pacer.maySend(now: now)
        // The link's rate changes with answers, but the status line only with pictures: an
        // answer alone never sends bytes (they would arrive after the picture they follow).
        func compose(_ note: String?) -> ScreenText {
            var text = View.compose(state, linkNote: note)
            if !plan.isEmpty && marksRows { text.markRows(of: state.layout.frameArea) }
            return text
        }
        let note = !due.isEmpty && mayPicture ? linkNote() : shownLinkNote
        let text = compose(note)
        let textChanged = text != lastText
        guard textChanged || !due.isEmpty else {
            drawnState = state
            return nil
        }
        if !mayPicture {
            Painter.debugLog?.write(Data("wait outstanding \(pacer.outstanding.count) inflight \(pacer.inFlight)\n".utf8))
            waitedAt = now
            deferred = true
            // Text and pictures change together; only a sharper copy of what shows may lag the text.
            if contentChanged || !textChanged { return nil }
            due = []
        }
        shownLinkNote = note
        if !due.isEmpty { deferred = false }
        let quality: PictureQuality = contentChanged && !keysResting(now) && linkTooSlow(now) ? .light(level: lightLevel) : .full
        var sending = plan
        for i in due { sending[i].quality = quality }

        // Kitty pixels go before the synchronized update, which then only places them: kitty
        // ends an update on its own when it grows large or slow, and a later end would be stray.
        var failure: String?
        if geometryChanged { textShown.removeAll() }
        // A new layout clears the screen, and kitty then frees every image left without a
        // placement (ED 2 acts as `a=d,d=A`): none of ours outlives it, so every picture goes again.
        let kittyCleared = geometryChanged && renderer.mode == .kitty
        let freed = kittyCleared ? kitty.removeAll() : []
        var pictures: [(index: Int, bytes: [UInt8])] = []
        // In frame order: a gallery page lists its tiles as the queue does (often backward in
        // time), and a video read backward seeks for every tile where forward it streams.
        for i in due.sorted(by: { sending[$0].frame < sending[$1].frame }) {
            do {
                pictures.append((i, try bytes(for: sending[i])))
            } catch {
                failure = "frame \(sending[i].frame + 1): \(error)"
                Painter.debugLog?.write(Data("failure \(error)\n".utf8))
            }
        }
        var written = 0
        // The link's clock starts when the bytes start to go, after the encoding.
        let sendStart = ReviewRoom.monotonicSeconds()
        if renderer.mode == .kitty {
            if kittyCleared { clearForKitty(text, freeing: freed) }
            for picture in pictures {
                terminal.write(picture.bytes)
                written += picture.bytes.count
            }
        }
        terminal.write("\u{1B}[?2026h")
        if geometryChanged, !kittyCleared {
            // Old pictures must go: curses repaints the whole screen (rare: resize, zoom
            // to another shape, help, gallery pages), then every picture is sent again.
            if !shown.isEmpty || cleared { terminal.invalidateAll() }
        }
        terminal.flush()
        terminal.draw(text)
        terminal.refresh()
        for picture in pictures {
            let placement = sending[picture.index]
            // Written in pieces: the picture (half a megabyte of sixel) is not copied again.
            terminal.write("\u{1B}7\u{1B}[\(placement.cells.row + 1);\(placement.cells.column + 1)H")
            if renderer.mode == .kitty {
                terminal.write(kitty.show(placement, columns: placement.cells.columns, rows: placement.cells.rows))
            } else {
                terminal.write(picture.bytes)
                written += picture.bytes.count
            }
            terminal.write("\u{1B}8")
        }
        if renderer.mode == .kitty { for id in kitty.trim() { terminal.write(KittyImages.free(id: id)) } }
        terminal.write("\u{1B}[?2026l")
        terminal.flush()
        if !due.isEmpty {
            pacer.wrote(written + 64)
            pacer.probeSent(at: sendStart)
            terminal.write(Self.probe)
            terminal.flush()
            adaptLightness(quality: quality, bytes: written)
            if let log = Painter.debugLog {
                let line = String(format: "%.3f enc %.3f frame %d %@ bytes %d rate %.0f rtt %.3f inflight %d level %d\n", now, sendStart - now, state.frame, "\(quality)", written, pacer.rate ?? -1, pacer.roundTrip ?? -1, pacer.inFlight, lightLevel)
                log.write(Data(line.utf8))
                if let made = lastKittyEncode { log.write(Data(String(format: "  kitty %@ %.3f s\n", made.payload.rawValue, made.seconds).utf8)) }
                log.write(Data("  ahead waited \(aheadWaits) cancelled \(aheadCancels)\n".utf8))
                lastKittyEncode = nil
            }
        }
        for i in due.reversed() where pictures.allSatisfy({ $0.index != i }) { sending[i] = plan[i] }
        shown = sending
        lastText = text
        cleared = false
        prefetch(state)
        drawnState = state
        return failure
    }

    /// The state the screen shows in full, when nothing is waiting to be drawn.
    private var drawnState: ReviewState?

    /// Kitty, new layout: the screen cleared and `text` drawn in an update of their own, before
    /// the pictures are sent (sent earlier, the clear would free them before they were placed).
    private mutating func clearForKitty(_ text: ScreenText, freeing freed: [UInt32]) {
        terminal.write("\u{1B}[?2026h")
        if !shown.isEmpty || cleared { terminal.invalidateAll() }
        // Placements and stored images go here too, for when curses sends no clear (nothing shown yet).
        terminal.write("\u{1B}_Ga=d,q=2\u{1B}\\")
        for id in freed { terminal.write(KittyImages.free(id: id)) }
        terminal.flush()
        terminal.draw(text)
        terminal.refresh()
        terminal.write("\u{1B}[?2026l")
    }

    /// Light pictures aim at about a twelfth of a second each on the link.
    private mutating func adaptLightness(quality: PictureQuality, bytes: Int) {
        guard case .light = quality else {
            if bytes > 0 { fullBytes = bytes }
            return
        }
        guard let rate = pacer.rate else { return }
        // Small enough that about a dozen go a second, and that one fits in a round trip's
        // worth of link so the next can follow without waiting for an answer.
        // (Not below 16 KB: lighter pictures say little, and the round trip dominates anyway.)
        let target = max(16_384, min(rate / 12, rate * (pacer.roundTrip ?? 0.05)))
        let levels = renderer.mode == .kitty ? KittyShelf.lightScales.count : SixelCoarseness.levels.count
        // Bytes fall roughly with the level's square; big misses jump more than one level.
        if Double(bytes) > target {
            lightLevel = min(levels - 1, lightLevel + (Double(bytes) > 2.5 * target ? 2 : 1))
        } else if Double(bytes) < 0.45 * target {
            lightLevel = max(0, lightLevel - 1)
        }
    }

    /// The terminal bytes of a picture: pre-encoded ones when `prepareAhead` guessed right.
    /// For kitty these store the image (nothing when it is stored already); `draw` places it.
    private mutating func bytes(for placement: ImagePlacement) throws -> [UInt8] {
        if renderer.mode == .blocks || renderer.mode == .ascii {
            let image = try frames.image(frame: placement.frame, region: placement.region, size: placement.size)
            if let picture = try renderer.cells(image, overlays: placement.overlays, columns: placement.cells.columns,
                                                rows: placement.cells.rows) {
                // Only the cells that changed since the last picture in this place.
                let changes = Self.textChanges(picture, from: textShown[placement.slot], at: placement.cells)
                textShown[placement.slot] = changes.shown
                return changes.bytes
            }
            // A renderer that gives no cells: its rows, whole.
            return Self.joined(try renderer.render(image, overlays: placement.overlays, columns: placement.cells.columns,
                                                   rows: placement.cells.rows, slot: placement.slot, quality: placement.quality,
                                                   storeAs: nil), placement: placement)
        }
        if renderer.mode == .kitty {
            if kitty.isStored(placement) { return [] }
            let ready = takePrepared(placement)
            let id = kitty.store(placement)
            var out: [UInt8] = []
            if let ready {
                Self.append(ready, storedAs: id, to: &out)
            } else {
                do { out += try encode(placement, id: id) } catch { kitty.forget(placement); throw error }
            }
            return out
        }
        if let ready = takePrepared(placement) { return ready }
        return try encode(placement, id: nil)
    }

    /// The picture prepared ahead for `placement`, if any: taken from the finished ones, or
    /// waited for when it is being made. A picture being made for anything else is cancelled,
    /// so the one the screen needs has the machine to itself.
    private mutating func takePrepared(_ placement: ImagePlacement) -> [UInt8]? {
        // Guesses before the one wanted were for steps the keys skipped; with none wanted, all
        // of them were wrong.
        let wanted = ahead.firstIndex { $0.placement == placement }
        for (i, job) in ahead.enumerated() where i < (wanted ?? ahead.count) && !job.isDone {
            job.cancel()
            aheadCancels += 1
        }
        ahead.removeFirst(wanted ?? 0)
        ahead.removeAll { $0.isCancelled }
        if wanted != nil, let job = ahead.first {
            readUntil(job.done)
            aheadWaits += 1
        }
        harvestAhead()
        return encoded.removeValue(forKey: placement)
    }

    /// Moves finished pictures made ahead into `encoded`.
    private mutating func harvestAhead() {
        while let job = ahead.first, job.isDone {
            ahead.removeFirst()
            guard let made = job.result else { continue }
            if encoded.count >= 3 { encoded.removeAll() }
            encoded[job.placement] = made.bytes
            noteKittyEncode(job.placement, payload: job.payload, seconds: made.seconds, bytes: made.bytes.count)
        }
    }

    /// Starts making `placement`'s picture on the read-ahead thread (placeholder id for kitty).
    private mutating func startAhead(_ placement: ImagePlacement) {
        let payload = kittyPayload(for: placement)
        let (cellDots, bits) = (cellDots, kittyFullBits)
        // The room's frame provider and renderer serve the picture threads too (as in `encode`).
        nonisolated(unsafe) let (frames, renderer) = (frames, renderer)
        ahead.append(AheadPicture(placement: placement, payload: payload) { proceed in
            try Self.encodeTimed(placement, frames: frames, renderer: renderer, cellDots: cellDots, kittyBits: bits,
                                 kittyPayload: payload, id: nil, proceed: proceed)
        })
    }

    /// A text picture sent as changes to `previous` (what its cells show; nil when not known):
    /// the bytes, and what the cells show after them. Truecolor cells that moved only slightly
    /// keep their old colours.
    static func textChanges(_ picture: TextPicture, from previous: TextCanvas?, at cells: CellRect) -> (bytes: [UInt8], shown: TextCanvas) {
        let shown = picture.canvas.snapped(to: picture.colourDepth)
            .keepingClose(to: previous, tolerance: picture.colourDepth == .trueColour ? trueColourTolerance : 0)
        return (shown.encodeChanges(from: previous, column: cells.column, row: cells.row, colourDepth: picture.colourDepth), shown)
    }

    /// Appends pre-encoded kitty bytes, which carry a placeholder id, with the real one (known
    /// when stored) in its place: one copy of the picture, not one per change.
    static func append(_ bytes: [UInt8], storedAs id: UInt32, to out: inout [UInt8]) {
        let marker = Array("i=\(KittyShelf.placeholderID),".utf8)
        guard let range = bytes.firstRange(of: marker) else { return out += bytes }
        out.reserveCapacity(out.count + bytes.count + 8)
        out += bytes[..<range.lowerBound]
        out += "i=\(id),".utf8
        out += bytes[range.upperBound...]
    }

    private mutating func encode(_ placement: ImagePlacement, id: UInt32?) throws -> [UInt8] {
        let payload = kittyPayload(for: placement)
        let (frames, renderer, cellDots, bits) = (frames, renderer, cellDots, kittyFullBits)
        let made = try whileReading {
            try Self.encodeTimed(placement, frames: frames, renderer: renderer, cellDots: cellDots, kittyBits: bits,
                                 kittyPayload: payload, id: id)
        }
        noteKittyEncode(placement, payload: payload, seconds: made.seconds, bytes: made.bytes.count)
        return made.bytes
    }

    private func kittyPayload(for placement: ImagePlacement) -> KittyPayload {
        placement.quality == .full ? kittyChoice.payload(pixels: KittyShelf.pixelCount(placement, cellDots: cellDots), rate: pacer.rate) : .png
    }

    /// Learns from a kitty picture made: what its payload costs on this machine.
    private mutating func noteKittyEncode(_ placement: ImagePlacement, payload: KittyPayload, seconds: Double, bytes: Int) {
        guard renderer.mode == .kitty else { return }
        lastKittyEncode = (payload, seconds)
        if placement.quality == .full {
            kittyChoice.record(payload, pixels: KittyShelf.pixelCount(placement, cellDots: cellDots), seconds: seconds, bytes: bytes)
        }
    }

    /// The bytes of a picture (for kitty: storing it as `id`, or a placeholder id), as the room
    /// sends them; text pictures whole, row by row.
    static func encode(_ placement: ImagePlacement, frames: FrameProvider, renderer: FrameRenderer, cellDots: PixelSize,
                       kittyBits: Int, kittyPayload: KittyPayload = .png, id: UInt32?) throws -> [UInt8] {
        try encodeTimed(placement, frames: frames, renderer: renderer, cellDots: cellDots, kittyBits: kittyBits,
                        kittyPayload: kittyPayload, id: id).bytes
    }

    /// `encode`, and the seconds the kitty encoder took (0 in other modes).
    /// `proceed` is asked once the frame is fetched; when it says no, the picture is not made
    /// (`CancellationError`).
    static func encodeTimed(_ placement: ImagePlacement, frames: FrameProvider, renderer: FrameRenderer, cellDots: PixelSize,
                            kittyBits: Int, kittyPayload: KittyPayload, id: UInt32?,
                            proceed: () -> Bool = { true }) throws -> (bytes: [UInt8], seconds: Double) {
        if renderer.mode == .kitty {
            // The terminal scales kitty pictures into their cells: send no more pixels than the
            // source has (fewer while scrubbing), on a canvas that fills the cells exactly.
            let scale = KittyShelf.scale(placement)
            let size = KittyShelf.pixelSize(placement)
            var image: RGBImage
            if placement.quality == .full {
                image = try frames.image(frame: placement.frame, region: placement.region, size: size)
            } else {
                image = try frames.image(frame: placement.frame, region: placement.region, size: Self.lightFetchSize(placement, mode: renderer.mode))
                    .resized(width: size.width, height: size.height)
            }
            guard proceed() else { throw CancellationError() }
            image = KittyShelf.padded(image, placement: placement, scale: scale, cellDots: cellDots)
            image = KittyShelf.reduced(image, bits: placement.quality == .full ? kittyBits : 4)
            let overlays = placement.overlays.map { $0.scaled(by: scale) }
            let start = ReviewRoom.monotonicSeconds()
            if let terminal = renderer as? TerminalFrameRenderer,
               let bytes = try terminal.storeKitty(image, overlays: overlays, id: id ?? KittyShelf.placeholderID, payload: kittyPayload) {
                return (bytes, ReviewRoom.monotonicSeconds() - start)
            }
            let rendered = try renderer.render(image, overlays: overlays,
                                               columns: placement.cells.columns, rows: placement.cells.rows, slot: placement.slot,
                                               quality: placement.quality, storeAs: id ?? KittyShelf.placeholderID)
            return (rendered.lines.first ?? [], ReviewRoom.monotonicSeconds() - start)
        }
        if case .light(let level) = placement.quality, let terminal = renderer as? TerminalFrameRenderer, renderer.mode == .sixel {
            // Light sixel pictures are blocks: fetch the frame at one pixel a block.
            let blocks = SixelEncoder.blockCount(width: placement.size.width, height: placement.size.height,
                                                 coarseness: TerminalFrameRenderer.coarseness(level))
            let small = try frames.image(frame: placement.frame, region: placement.region, size: Self.lightFetchSize(placement, mode: renderer.mode))
                .resized(width: blocks.across, height: blocks.down)
            guard proceed() else { throw CancellationError() }
            if let bytes = try terminal.lightSixel(blocks: small, size: placement.size, overlays: placement.overlays, level: level) {
                return (bytes, 0)
            }
        }
        let image = try frames.image(frame: placement.frame, region: placement.region, size: placement.size)
        guard proceed() else { throw CancellationError() }
        let rendered = try renderer.render(image, overlays: placement.overlays, columns: placement.cells.columns,
                                           rows: placement.cells.rows, slot: placement.slot, quality: placement.quality, storeAs: nil)
        return (joined(rendered, placement: placement), 0)
    }

    /// A rendered picture as one run of bytes: text rows each after a cursor move to its row.
    static func joined(_ rendered: RenderedFrame, placement: ImagePlacement) -> [UInt8] {
        if rendered.lines.count == 1 { return rendered.lines[0] }
        var bytes: [UInt8] = []
        for (row, line) in rendered.lines.enumerated() where row < placement.cells.rows {
            if row > 0 { bytes += Array("\u{1B}[\(placement.cells.row + row + 1);\(placement.cells.column + 1)H".utf8) }
            bytes += line
        }
        return bytes
    }

    /// The size light pictures are made from. Kitty: the frame the full picture is made from
    /// (the one the frame provider decodes ahead), so a held key needs one video decoder, and
    /// the full picture that follows at rest is ready. Sixel: half the view, one reduced decode
    /// for every level of coarseness (its blocks are coarser than that anyway).
    static func lightFetchSize(_ placement: ImagePlacement, mode: GraphicsMode) -> PixelSize {
        if mode == .kitty { return KittyShelf.pixelSize(placement.asFull) }
        return PixelSize(width: max(1, placement.size.width / 2), height: max(1, placement.size.height / 2))
    }

    /// While the keys rest: encodes the full picture of what shows light, else the picture the
    /// next step (in the direction of travel, or the next proposal in review) will show.
    ///
    /// The picture is made on the read-ahead thread while the room goes on reading keys: the
    /// next key is never held up by a guess, and a guess the keys did not follow is cancelled
    /// when the picture they need is made (see `takePrepared`). While a key is held, the step
    /// after the next is made too, so the read-ahead thread is already at work on it when the
    /// next key comes.
    mutating func prepareAhead(_ state: ReviewState, boxes: (Int) -> [ReviewBox]?, now: Double = 0) {
        // Text pictures are cheap to make and sent as changes to what shows: nothing to prepare.
        guard renderer.mode == .sixel || renderer.mode == .kitty else { return }
        harvestAhead()
        if shown.count == 1, shown[0].quality != .full {
            guard ahead.isEmpty else { return }
            guard keysResting(now) else { return }
            let sharp = shown[0].asFull
            if encoded[sharp] == nil, !(renderer.mode == .kitty && kitty.isStored(sharp)) { startAhead(sharp) }
            return
        }
        // The first answer that measures the link is due: read it when it comes, not after encoding.
        if pacer.rate == nil, pacer.outstanding.contains(where: { $0.offset - pacer.delivered >= LinkPacer.rateSampleBytes }) { return }
        guard state != preparedFor else { return }
        // Keys coalesced into a step of several frames say the room is behind them: where the
        // next one lands is a guess that often misses, and the picture made for it would take
        // the machine from the one the screen needs. Guess again once a step is a single frame.
        guard stride == 1 || keysResting(now) else { return }
        preparedFor = state
        var next = state
        for _ in 0..<(keysResting(now) ? 1 : 2) {
            guard let step = ReviewRoom.predictedNext(next, direction: stride * direction, boxes: boxes) else { break }
            var plan = ReviewRoom.imagePlan(step, theme: theme)
            guard plan.count == 1 else { break }
            if !keysResting(now) && linkTooSlow(now) { plan[0].quality = .light(level: lightLevel) }
            if encoded[plan[0]] == nil, !(renderer.mode == .kitty && kitty.isStored(plan[0])),
               !ahead.contains(where: { $0.placement == plan[0] }), ahead.count < 2 {
                startAhead(plan[0])
            }
            next = step
        }
    }

    /// Whether a picture is being made ahead (for tests and the link log).
    var isPreparingAhead: Bool { ahead.contains { !$0.isDone } }

    /// Frees what the terminal stores for us (kitty images), before the room closes.
    mutating func finish() {
        guard renderer.mode == .kitty else { return }
        for id in kitty.removeAll() { terminal.write(KittyImages.free(id: id)) }
        terminal.flush()
    }

    /// Asks for the frames likely to come next, in the direction of travel.
    private mutating func prefetch(_ state: ReviewState) {
        guard state.mode.base != .review || state.galleryTiles == nil, state.project.frameCount > 1 else { return }
        if state.frame != lastFrame {
            direction = state.frame < lastFrame ? -1 : 1
            let moved = abs(state.frame - lastFrame)
            stride = moved <= 4 ? moved : 1  // a jump (g, N) says nothing about the next step
        }
        lastFrame = state.frame
        let g = state.geometry
        let ahead = [state.frame + stride * direction, state.frame + 2 * stride * direction, state.frame - direction]
            .filter { $0 >= 0 && $0 < state.project.frameCount }
        var size = g.imageSize
        if renderer.mode == .kitty {
            let placement = ImagePlacement(cells: g.cells, frame: state.frame, region: g.viewport, size: g.imageSize, overlays: [])
            size = KittyShelf.pixelSize(placement)
        }
        frames.prefetch(frames: ahead, region: g.viewport, size: size)
    }
}

extension ImagePlacement {
    /// The same picture at full quality.
    var asFull: ImagePlacement {
        var full = self
        full.quality = .full
        return full
    }
}

extension ViewOverlay {
    /// The overlay for an image `scale` times the size.
    func scaled(by scale: Double) -> ViewOverlay {
        var out = self
        switch shape {
        case .box(let r, let tag):
            out.shape = .box(BoxRect(x: r.x * scale, y: r.y * scale, width: r.width * scale, height: r.height * scale), tag: tag)
        case .crosshair(let p):
            out.shape = .crosshair(Point(x: p.x * scale, y: p.y * scale))
        }
        return out
    }
}

/// The kitty images the terminal holds for the room, by what they show: stepping back to a
/// frame sent before costs a placement command, not its pixels. Past the capacity, all but
/// the shown ones are freed.
struct KittyShelf {
    /// Images kept in the terminal (kitty's default quota is 320 MB; these are far smaller).
    static let capacity = 48
    /// The id pre-encoded pictures carry until they are stored.
    static let placeholderID: UInt32 = 999_999
    /// The pixel scale of light kitty pictures against full ones, from light to lighter.
    static let lightScales: [Double] = [0.6, 0.5, 0.4, 0.32, 0.25, 0.2]

    private var ids: [ImagePlacement: UInt32] = [:]
    private var nextID: UInt32 = 10
    /// The image placed in each slot.
    private var placed: [Int: UInt32] = [:]

    func isStored(_ placement: ImagePlacement) -> Bool { ids[placement] != nil }

    /// An id to store `placement` as.
    mutating func store(_ placement: ImagePlacement) -> UInt32 {
        let id = nextID
        nextID = nextID >= 4_000_000 ? 10 : nextID + 1
        ids[placement] = id
        return id
    }

    /// `placement` was not stored after all (making its picture failed).
    mutating func forget(_ placement: ImagePlacement) { ids[placement] = nil }

    /// Commands that show `placement` (already stored) in its cells, replacing its slot's picture.
    mutating func show(_ placement: ImagePlacement, columns: Int, rows: Int) -> [UInt8] {
        guard let id = ids[placement] else { return [] }
        var out: [UInt8] = []
        if let old = placed[placement.slot], old != id { out += KittyImages.unplace(id: old) }
        out += KittyImages.place(id: id, columns: columns, rows: rows)
        placed[placement.slot] = id
        return out
    }

    /// Past the capacity, lets go of every image not shown and returns their ids to free: all of
    /// them at once, once a draw's pictures are placed, because kitty frees every image without a
    /// placement on any free command (`d=I`), whatever id it names.
    mutating func trim() -> [UInt32] {
        guard ids.count > Self.capacity else { return [] }
        let shown = Set(placed.values)
        let gone = ids.filter { !shown.contains($0.value) }
        for placement in gone.keys { ids[placement] = nil }
        return gone.values.sorted()
    }

    mutating func removeAll() -> [UInt32] {
        let all = Array(ids.values)
        ids.removeAll()
        placed.removeAll()
        return all
    }

    /// `image` with `bits` per channel (see `KittyImages.reducedPrecision`).
    static func reduced(_ image: RGBImage, bits: Int) -> RGBImage { KittyImages.reducedPrecision(image, bits: bits) }

    /// Pixels per dot of the view: the source's own resolution at most (the terminal scales
    /// up), less while scrubbing.
    static func scale(_ placement: ImagePlacement) -> Double {
        let source = min(placement.region.width / Double(max(1, placement.size.width)),
                         placement.region.height / Double(max(1, placement.size.height)))
        var scale = min(1, source)
        if case .light(let level) = placement.quality { scale *= lightScales[min(max(level, 0), lightScales.count - 1)] }
        return scale
    }

    /// The size `placement`'s kitty picture travels at (`scale` of the view's dots).
    static func pixelSize(_ placement: ImagePlacement) -> PixelSize {
        let scale = scale(placement)
        return PixelSize(width: max(1, Int((Double(placement.size.width) * scale).rounded())),
                         height: max(1, Int((Double(placement.size.height) * scale).rounded())))
    }

    /// Pixels of `placement`'s kitty picture as it travels (on its padded canvas).
    static func pixelCount(_ placement: ImagePlacement, cellDots: PixelSize) -> Int {
        let scale = scale(placement), size = pixelSize(placement)
        let width = max(size.width, Int((Double(placement.cells.columns * cellDots.width) * scale).rounded()))
        let height = max(size.height, Int((Double(placement.cells.rows * cellDots.height) * scale).rounded()))
        return width * height
    }

    /// The picture on a canvas the shape of its cells (black beyond the picture), so the
    /// terminal's scaling into the cells keeps its aspect.
    static func padded(_ image: RGBImage, placement: ImagePlacement, scale: Double, cellDots: PixelSize) -> RGBImage {
        let width = max(image.width, Int((Double(placement.cells.columns * cellDots.width) * scale).rounded()))
        let height = max(image.height, Int((Double(placement.cells.rows * cellDots.height) * scale).rounded()))
        guard width != image.width || height != image.height else { return image }
        var canvas = RGBImage(width: width, height: height)
        image.pixels.withUnsafeBufferPointer { src in
            canvas.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let s = y * image.width * 3, d = y * width * 3
                    dst.baseAddress!.advanced(by: d).update(from: src.baseAddress!.advanced(by: s), count: image.width * 3)
                }
            }
        }
        return canvas
    }
}

/// Picks the kitty payload that gets a full picture on screen soonest: the time to make it
/// plus its time on the link. zlib's PNG is the smaller; `QuickPNG` is several times faster to
/// make, so it wins where the link outruns zlib (on a fast link the encoder, not the link, is
/// what a held key waits for). The costs per pixel start from measured values and follow what
/// this machine does (it may be loaded), payload by payload as they are used.
struct KittyPayloadChoice {
    struct Cost: Equatable {
        var secondsPerPixel: Double
        var bytesPerPixel: Double
    }

    /// Measured on a 1280x720 video frame (`bench render`), base64 included.
    private(set) var costs: [KittyPayload: Cost] = [
        .png: Cost(secondsPerPixel: 50e-9, bytesPerPixel: 1.6),
        .quickPNG: Cost(secondsPerPixel: 12e-9, bytesPerPixel: 2.1),
    ]

    /// The payload for a full picture of `pixels` at link `rate` (bytes a second; nil: not known yet).
    func payload(pixels: Int, rate: Double?) -> KittyPayload {
        guard let rate, rate > 0 else { return .png }
        let candidates: [KittyPayload] = [.png, .quickPNG]
        return candidates.min { time($0, pixels: pixels, rate: rate) < time($1, pixels: pixels, rate: rate) } ?? .png
    }

    /// Seconds until a picture of `pixels` sent as `payload` has crossed a link of `rate`.
    func time(_ payload: KittyPayload, pixels: Int, rate: Double) -> Double {
        guard let cost = costs[payload] else { return .infinity }
        return Double(pixels) * (cost.secondsPerPixel + cost.bytesPerPixel / rate)
    }

    /// A full picture of `pixels` was made as `payload` in `seconds`, `bytes` long.
    mutating func record(_ payload: KittyPayload, pixels: Int, seconds: Double, bytes: Int) {
        guard pixels >= 10_000, seconds > 0, bytes > 0, var cost = costs[payload] else { return }
        cost.secondsPerPixel = 0.7 * cost.secondsPerPixel + 0.3 * seconds / Double(pixels)
        cost.bytesPerPixel = 0.7 * cost.bytesPerPixel + 0.3 * Double(bytes) / Double(pixels)
        costs[payload] = cost
    }
}

/// A picture made on the read-ahead thread. The room takes it when the keys went where it was
/// guessed they would, or cancels it: a cancelled picture stops once its frame is fetched (the
/// decoding on the way is kept by the frame cache, and the picture the screen needs usually
/// reads through it), so the guess no longer competes with the picture on screen.
final class AheadPicture: Sendable {
    let placement: ImagePlacement
    let payload: KittyPayload
    /// Left when the picture is made, failed or cancelled.
    let done = DispatchGroup()
    private let state = Mutex(State())
    private struct State {
        var cancelled = false
        var result: (bytes: [UInt8], seconds: Double)?
        var finished = false
    }

    /// One thread for all pictures made ahead. Its priority is the screen's: on Linux a lower
    /// QoS is a higher nice value, and the screen's picture may wait for a frame this thread is
    /// fetching (a priority inversion that stalled the room for seconds under load).
    private static let queue = DispatchQueue(label: "microlabel.encode-ahead", qos: .userInitiated)

    init(placement: ImagePlacement, payload: KittyPayload,
         make: @escaping @Sendable (_ proceed: () -> Bool) throws -> (bytes: [UInt8], seconds: Double)) {
        self.placement = placement
        self.payload = payload
        done.enter()
        Self.queue.async { [self] in
            let made: (bytes: [UInt8], seconds: Double)?
            if isCancelled {
                made = nil
            } else {
                made = try? make { !self.isCancelled }
            }
            state.withLock {
                $0.result = $0.cancelled ? nil : made
                $0.finished = true
            }
            done.leave()
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
    var isDone: Bool { state.withLock { $0.finished } }
    /// The picture, once done (nil when it failed or was cancelled).
    var result: (bytes: [UInt8], seconds: Double)? { state.withLock { $0.result } }

    func cancel() { state.withLock { $0.cancelled = true } }
}
