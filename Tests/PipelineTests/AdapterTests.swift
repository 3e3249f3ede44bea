import Foundation
import Synchronization
@testable import Pipeline
import Geometry
import struct Imaging.RGBImage
import struct Imaging.PixelRect
import class Imaging.CachedFrameSource
import struct Imaging.FolderSource
import class LabelStore.Project
import struct LabelStore.BoxCounts
import struct LabelStore.ProposedBox
import enum LabelStore.SettingKey
import struct LabelStore.SourceInfo
@testable import ReviewRoom
import TestSupport
import struct TerminalGraphics.PixelSize
import XCTest

/// The adapters `microlabel open` runs the room on: the project store and the frame provider.
final class ProjectReviewStoreTests: XCTestCase {
    private var folder: URL!
    private var project: Project!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory("review-store")
        let source = SourceInfo(path: folder.path, kind: .folder, frameCount: 20, width: 640, height: 360, fps: 25)
        project = try Project.create(at: folder.appendingPathComponent("p.microlabel"), source: source, labels: [])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func rect(_ x: Double) -> BoxRect { .init(x: x, y: 10, width: 30, height: 40) }

    func testEditsUpdateBoxesMarksAndCountsAndUndoRestoresThem() throws {
        let store = try ProjectReviewStore(project: project)
        XCTAssertEqual(store.frameCount, 20)
        XCTAssertEqual(try store.frameMarks(), [FrameMarks](repeating: [], count: 20))

        let label = try store.addLabel(name: "object")
        let object = try store.addObject(label: label)
        XCTAssertEqual(try store.objects().map(\.name), ["object 1"])
        let first = try store.addSeed(frame: 3, target: .object(object), rect: rect(5)).box
        let second = try store.addSeed(frame: 7, target: .object(object), rect: rect(50)).box
        XCTAssertEqual(try store.boxes(onFrame: 3).map(\.id), [first])
        XCTAssertEqual(try store.frameMarks()[7], .seed)
        XCTAssertEqual(try store.counts(), KindCounts(seed: 2))

        try store.updateBox(first, rect: rect(9))
        XCTAssertEqual(try store.boxes(onFrame: 3).first?.rect.x, 9)
        try store.deleteBox(second)
        XCTAssertEqual(try store.frameMarks()[7], [])
        XCTAssertEqual(try store.counts(), KindCounts(seed: 1))

        // Each edit was one step: undo the delete, then the move.
        XCTAssertEqual(try store.undo(), "delete seed box on frame 8")
        XCTAssertEqual(try store.frameMarks()[7], .seed)
        XCTAssertNotNil(try store.undo())
        XCTAssertEqual(try store.boxes(onFrame: 3).first?.rect.x, 5)
        XCTAssertNotNil(try store.redo())
        XCTAssertEqual(try store.boxes(onFrame: 3).first?.rect.x, 9)
        // What the project holds agrees with the cache.
        XCTAssertEqual(try project.counts(), BoxCounts(seeds: 2))
    }

    /// The store refuses boxes under a pixel a side whatever the room sends; the room shows the
    /// refusal as the error message of the step.
    func testBoxesUnderOnePixelAreRefusedWithAMessage() throws {
        let store = try ProjectReviewStore(project: project)
        let label = try store.addLabel(name: "object")
        let object = try store.addObject(label: label)
        XCTAssertThrowsError(try store.addSeed(frame: 0, target: .object(object), rect: BoxRect(x: 5, y: 5, width: 0.4, height: 30))) { error in
            XCTAssertTrue("\(error)".contains("at least 1 pixel"), "\(error)")
        }
        let added = try store.addSeed(frame: 0, target: .object(object), rect: rect(5))
        XCTAssertThrowsError(try store.updateBox(added.box, rect: BoxRect(x: 5, y: 5, width: 30, height: 1e-300)))
        XCTAssertEqual(try store.boxes(onFrame: 0).map(\.rect), [rect(5)])
    }

    func testQueuesReviewAndEngineWrites() throws {
        let label = try project.addLabel("rabbit")
        let object = try project.addObject(labelID: label.id)
        let store = try ProjectReviewStore(project: project)
        XCTAssertEqual(try store.counts(), KindCounts())
        // The engine writes behind the store's back; the next refresh notices.
        let proposals = [(2, 0.999), (4, 0.2), (6, 0.5), (8, 0.995)].map { frame, confidence in
            ProposedBox(frame: frame, rect: .init(x: 1, y: 1, width: 10, height: 10), confidence: confidence)
        }
        try project.replaceProposals(objectID: object.id, frames: 0...19, with: proposals)
        XCTAssertEqual(try store.frameMarks()[4], .pending)
        XCTAssertEqual(try store.counts(), KindCounts(pending: 4))

        XCTAssertEqual(try store.queue(kind: .pending, order: .confidenceAscending).map(\.frame), [4, 6, 8, 2])
        XCTAssertEqual(try store.queue(kind: .pending, order: .confidenceDescending).map(\.frame), [2, 8, 6, 4])
        XCTAssertEqual(try store.queue(kind: .pending, order: .frame).map(\.frame), [2, 4, 6, 8])

        // Bulk accept's rule is `accept`'s: the two sure boxes reach expected precision 0.99, the third would not.
        XCTAssertEqual(try store.suggestedThreshold(), 0.995)
        XCTAssertEqual(try XCTUnwrap(store.expectedWrongAtThreshold()), 0.006, accuracy: 1e-9)
        XCTAssertEqual(try store.pendingCount(minConfidence: 0.8), 2)

        let low = try store.queue(kind: .pending, order: .confidenceAscending)[0]
        try store.setKind([low.id], to: .rejected)
        XCTAssertEqual(try store.frameMarks()[4], .rejected)
        XCTAssertEqual(try store.acceptPending(minConfidence: 0.8), 2)
        XCTAssertEqual(try store.counts(), KindCounts(pending: 1, accepted: 2, rejected: 1))
        XCTAssertEqual(try store.queue(kind: .accepted, order: .frame).map(\.frame), [2, 8])
        XCTAssertEqual(try project.counts(), BoxCounts(proposals: 1, accepted: 2, rejected: 1))

        // Accepting all was one action.
        XCTAssertNotNil(try store.undo())
        XCTAssertEqual(try store.counts(), KindCounts(pending: 3, rejected: 1))
    }
}

final class CachedFrameProviderTests: XCTestCase {
    /// An image whose red channel is 4 x the column and green 4 x the row.
    private func ramp(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                image[x, y] = .init(UInt8(4 * x), UInt8(4 * y), 0)
            }
        }
        return image
    }

    func testCutTakesTheFractionalRegionAtTheRightPlace() {
        let image = ramp(width: 60, height: 40)
        // A 4x zoom whose region starts between pixels: 10 x 5 source pixels into 40 x 20 view pixels.
        let region = BoxRect(x: 10.5, y: 20.25, width: 10, height: 5)
        let view = CachedFrameProvider.cut(image, region: region, size: .init(width: 40, height: 20))
        XCTAssertEqual([view.width, view.height], [40, 20])
        // View pixel i's centre is source x = 10.5 + (i + 0.5) / 4, where the ramp (valued at pixel
        // centres) reads 4 * (x - 0.5). Ignoring the region's fraction would be 2 levels off.
        for i in 2..<38 {
            let expected = 4 * (10.5 + (Double(i) + 0.5) / 4 - 0.5)
            XCTAssertEqual(Double(view[i, 10].r), expected, accuracy: 1.5, "column \(i)")
        }
        for j in 2..<18 {
            let expected = 4 * (20.25 + (Double(j) + 0.5) / 4 - 0.5)
            XCTAssertEqual(Double(view[20, j].g), expected, accuracy: 1.5, "row \(j)")
        }
    }

    func testReducedDecodeOnlyWhenTheViewIsMuchSmaller() {
        let whole = BoxRect(x: 0, y: 0, width: 1280, height: 720)
        XCTAssertEqual(CachedFrameProvider.decodeScale(region: whole, size: .init(width: 910, height: 510)), 1)
        XCTAssertEqual(CachedFrameProvider.decodeScale(region: whole, size: .init(width: 640, height: 360)), 2)
        XCTAssertEqual(CachedFrameProvider.decodeScale(region: whole, size: .init(width: 91, height: 50)), 8)
    }

    /// Threads asking for the same pictures while the prefetch queue makes them (the provider's
    /// shared state behind one Mutex): every thread gets the same picture, none deadlocks, and
    /// each frame is decoded once.
    func testConcurrentRequestsShareOneDecode() throws {
        let source = CachedFrameSource(try FolderSource(folder: Fixtures.sampleData.appendingPathComponent("frames")))
        let provider = CachedFrameProvider(source: source)
        let region = BoxRect(x: 0, y: 0, width: 640, height: 360)
        let size = PixelSize(width: 320, height: 180)
        provider.prefetch(frames: [0, 1, 2, 3], region: region, size: size)
        let results = Mutex<[Int: [RGBImage]]>([:])
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let frame = i % 4
            let image = try? provider.image(frame: frame, region: region, size: size)
            results.withLock { $0[frame, default: []].append(image ?? RGBImage(width: 1, height: 1)) }
        }
        let all = results.withLock { $0 }
        for frame in 0..<4 {
            let images = try XCTUnwrap(all[frame])
            XCTAssertEqual(images.count, 4)
            XCTAssertEqual(Set(images.map { [$0.width, $0.height] }), [[320, 180]])
            XCTAssertTrue(images.allSatisfy { $0 == images[0] }, "frame \(frame): threads got different pictures")
        }
        XCTAssertEqual(source.statistics.misses, 4, "each frame decoded once")
    }

    func testUnreadableFrameBecomesAPlaceholderAndNeighboursAreReadAhead() throws {
        let folder = try Fixtures.temporaryDirectory("provider")
        defer { try? FileManager.default.removeItem(at: folder) }
        let frames = Fixtures.sampleData.appendingPathComponent("frames")
        for n in 1...4 {
            let name = String(format: "%06d.jpg", n)
            var data = try Data(contentsOf: frames.appendingPathComponent(name))
            if n == 2 { data = data.prefix(2000) }  // truncated
            try data.write(to: folder.appendingPathComponent(name))
        }
        let source = CachedFrameSource(try FolderSource(folder: folder))
        let provider = CachedFrameProvider(source: source)
        let region = BoxRect(x: 0, y: 0, width: 640, height: 360)
        let size = PixelSize(width: 320, height: 180)

        let good = try provider.image(frame: 0, region: region, size: size)
        XCTAssertEqual([good.width, good.height], [320, 180])
        let bad = try provider.image(frame: 1, region: region, size: size)
        XCTAssertEqual([bad.width, bad.height], [320, 180])
        XCTAssertNotEqual(bad, good)

        provider.prefetch(frames: [2, 3], region: region, size: size)
        let deadline = Date().addingTimeInterval(10)
        while !(source.contains(2, scale: 2) && source.contains(3, scale: 2)) && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(source.contains(3, scale: 2), "frame 4 was decoded ahead, at half size")
        let ahead = try provider.image(frame: 3, region: region, size: size)
        XCTAssertEqual(ahead.width, 320)
    }
}

final class FirstSeedTests: XCTestCase {
    /// In a project without labels, the first box brings the label `object` and its first
    /// object with it, and one undo takes all three away again.
    func testTheFirstSeedIsOneUndoStep() throws {
        let folder = try Fixtures.temporaryDirectory("first-seed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let frames = Fixtures.sampleData.appendingPathComponent("frames")
        let project = try Project.create(at: folder.appendingPathComponent("p.microlabel"),
                                         source: SourceInfo(path: frames.path, kind: .folder, frameCount: 132, width: 640, height: 360, fps: 25),
                                         labels: [])
        let store = try ProjectReviewStore(project: project)
        let added = try store.addSeed(frame: 4, target: .defaultLabel, rect: BoxRect(x: 10, y: 10, width: 40, height: 30))
        XCTAssertTrue(added.objectIsNew)
        XCTAssertEqual(try store.labels().map(\.name), ["object"])
        XCTAssertEqual(try store.objects().map(\.name), ["object 1"])
        XCTAssertNotNil(try store.undo())
        XCTAssertEqual(try store.counts(), KindCounts())
        XCTAssertEqual(try store.labels().count, 0)
        XCTAssertEqual(try store.objects().count, 0)
    }
}
