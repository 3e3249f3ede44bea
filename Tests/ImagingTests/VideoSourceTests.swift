import Foundation
import Imaging
import TestSupport
import XCTest

final class VideoSourceTests: XCTestCase {
    private var video: URL { Fixtures.sampleData.appendingPathComponent("bigbuckbunny.mp4") }

    override func setUpWithError() throws {
        try XCTSkipUnless(Fixtures.hasFFmpeg, "ffmpeg is not installed; .ci/run installs it")
    }

    func testProbeReadsGeometryWithoutExtractingFrames() throws {
        let source = try VideoSource(url: video)
        XCTAssertEqual(source.frameCount, 132)
        XCTAssertEqual(source.width, 1280)
        XCTAssertEqual(source.height, 720)
        XCTAssertEqual(source.fps, 25, accuracy: 0.001)
        XCTAssertEqual(source.rotation, 0)
    }

    func testRandomAccessGivesTheSameFramesAsAStream() throws {
        let source = try VideoSource(url: video)
        var streamed: [Int: RGBImage] = [:]
        let wanted: Set = [0, 1, 2, 40, 41, 90, 131]
        try source.forEachFrame(in: 0..<132, scale: 4) { index, image in
            if wanted.contains(index) { streamed[index] = image }
            return true
        }
        XCTAssertEqual(streamed.count, wanted.count)
        // Out of order, with jumps both ways: forces seeks as well as warm reads.
        for index in [90, 131, 0, 1, 2, 41, 40] {
            let image = try source.frame(at: index, scale: 4)
            XCTAssertEqual(image.width, 320)
            XCTAssertEqual(image.height, 180)
            XCTAssertEqual(image, streamed[index], "frame \(index + 1) differs between seek and stream")
        }
    }

    func testSteppingBackThroughTheCacheGivesTheStreamedFrames() throws {
        let source = try VideoSource(url: video)
        var streamed: [RGBImage] = []
        try source.forEachFrame(in: 60..<100, scale: 8) { _, image in
            streamed.append(image)
            return true
        }
        let cache = CachedFrameSource(try VideoSource(url: video))
        for index in stride(from: 99, through: 60, by: -1) {
            XCTAssertEqual(try cache.frame(at: index, scale: 8), streamed[index - 60], "frame \(index + 1)")
        }
        // Frames decoded on the way back were kept, so most steps were cache hits.
        XCTAssertGreaterThan(cache.statistics.hits, 30)
    }

    /// The room and the engine read the video through the project's `RecordedSource`: the frames
    /// decoded on the way still reach the cache, so a step of several frames leaves the ones it
    /// passed there, and stepping back finds them instead of seeking.
    func testFramesDecodedOnTheWayReachTheCacheThroughARecordedSource() throws {
        let video = try VideoSource(url: video)
        let recorded = RecordedSource(video, frameCount: video.frameCount, width: video.width, height: video.height)
        let cache = CachedFrameSource(recorded)
        _ = try cache.frame(at: 10, scale: 8)
        _ = try cache.frame(at: 16, scale: 8)
        for passed in 11..<16 { XCTAssertTrue(cache.contains(passed, scale: 8), "frame \(passed + 1) was decoded on the way") }
        let hits = cache.statistics.hits
        for index in stride(from: 15, through: 11, by: -1) { _ = try cache.frame(at: index, scale: 8) }
        XCTAssertEqual(cache.statistics.hits - hits, 5, "stepping back is served from memory")
        // A source that changed size gives no frames, and none reach the cache on the way.
        let resized = CachedFrameSource(RecordedSource(try VideoSource(url: self.video), frameCount: 132, width: 640, height: 360))
        XCTAssertThrowsError(try resized.frame(at: 5, scale: 8))
        XCTAssertFalse(resized.contains(3, scale: 8))
    }

    /// Two readers at once, one going forward and one going back (as the engine's two workers
    /// do), each get exactly the frames a plain stream gives.
    func testConcurrentReadersGetTheStreamedFrames() throws {
        let source = try VideoSource(url: video)
        var streamed: [RGBImage] = []
        try source.forEachFrame(in: 0..<132, scale: 8) { _, image in
            streamed.append(image)
            return true
        }
        let expected = streamed
        let shared = CachedFrameSource(try VideoSource(url: video))
        let orders = [Array(20..<80), Array(stride(from: 120, through: 60, by: -1))]
        let mismatches = Mismatches()
        DispatchQueue.concurrentPerform(iterations: orders.count) { reader in
            for index in orders[reader] {
                let image = try? shared.frame(at: index, scale: 8)
                if image != expected[index] { mismatches.add(index) }
            }
        }
        XCTAssertEqual(mismatches.frames, [], "frames that differ from the stream (0-based)")
    }

    private final class Mismatches: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [Int] = []
        func add(_ frame: Int) { lock.lock(); list.append(frame); lock.unlock() }
        var frames: [Int] { lock.lock(); defer { lock.unlock() }; return list.sorted() }
    }

    func testAdjacentFramesDiffer() throws {
        let source = try VideoSource(url: video)
        let a = try source.frame(at: 10, scale: 8)
        let b = try source.frame(at: 11, scale: 8)
        XCTAssertNotEqual(a, b)
    }

    func testFrameOutOfRangeNamesTheFrame() throws {
        let source = try VideoSource(url: video)
        XCTAssertThrowsError(try source.frame(at: 132)) { error in
            XCTAssertTrue("\(error)".contains("frame 133"), "\(error)")
        }
    }

    func testAFileFFmpegCannotReadIsNamed() throws {
        let directory = try Fixtures.temporaryDirectory()
        let bogus = directory.appendingPathComponent("not-a-video.mp4")
        try Data("this is text, not a video\n".utf8).write(to: bogus)
        XCTAssertThrowsError(try VideoSource(url: bogus)) { error in
            XCTAssertTrue("\(error)".contains(bogus.path), "\(error)")
        }
    }

    func testAVideoOverTheSizeLimitIsRefusedAtTheProbe() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let wide = directory.appendingPathComponent("wide.mkv")
        let ffmpeg = Process()
        ffmpeg.executableURL = try XCTUnwrap(Fixtures.program("ffmpeg"))
        ffmpeg.arguments = ["-v", "error", "-f", "lavfi", "-i", "color=size=16400x16:rate=1", "-t", "1", "-c:v", "ffv1", wide.path]
        try ffmpeg.run()
        ffmpeg.waitUntilExit()
        XCTAssertEqual(ffmpeg.terminationStatus, 0)
        XCTAssertThrowsError(try VideoSource(url: wide)) { error in
            XCTAssertEqual(error as? ImagingError, .tooLarge(path: wide.path, width: 16400, height: 16))
        }
    }

    func testCacheServesRepeatsAndStaysWithinBudget() throws {
        let frameBytes = 320 * 180 * 3
        let cache = CachedFrameSource(try VideoSource(url: video), budget: frameBytes * 4)
        let first = try cache.frame(at: 5, scale: 4)
        XCTAssertEqual(try cache.frame(at: 5, scale: 4), first)
        XCTAssertEqual(cache.statistics.hits, 1)
        for index in 0..<20 { _ = try cache.frame(at: index, scale: 4) }
        XCTAssertLessThanOrEqual(cache.statistics.bytes, frameBytes * 4)
        XCTAssertTrue(cache.contains(19, scale: 4))
        XCTAssertFalse(cache.contains(0, scale: 4))
    }
}
