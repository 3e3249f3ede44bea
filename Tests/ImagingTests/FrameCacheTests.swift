import Imaging
import XCTest

/// The frame cache's eviction order, and the hint that changes it.
final class FrameCacheTests: XCTestCase {
    /// Frames of one grey level each, counted as they are made, each taking `delay` seconds.
    private final class CountingSource: FrameSource, @unchecked Sendable {
        let frameCount = 10, width = 8, height = 8, fps = 25.0
        let delay: Double
        private let lock = NSLock()
        private var count = 0
        var reads: Int { lock.lock(); defer { lock.unlock() }; return count }
        init(delay: Double = 0) { self.delay = delay }
        func frame(at index: Int, scale: Int) throws -> RGBImage {
            lock.lock(); count += 1; lock.unlock()
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            return RGBImage(width: width, height: height, pixels: [UInt8](repeating: UInt8(index * 20), count: width * height * 3))
        }
    }

    /// Readers asking for one frame at once share one fetch: a video seeks once, not per reader.
    func testConcurrentReadersOfOneFrameShareOneFetch() throws {
        let source = CountingSource(delay: 0.2)
        let cache = CachedFrameSource(source)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in _ = try? cache.frame(at: 3) }
        XCTAssertEqual(source.reads, 1)
        XCTAssertTrue(cache.contains(3))
    }

    private let frameBytes = 8 * 8 * 3

    func testLeastRecentlyUsedFramesGoFirst() throws {
        let cache = CachedFrameSource(CountingSource(), budget: 4 * frameBytes)
        for index in 0..<4 { _ = try cache.frame(at: index) }
        _ = try cache.frame(at: 0)  // 0 is now the most recently used
        _ = try cache.frame(at: 4)  // over budget: the two least recently used, 1 and 2, go
        XCTAssertEqual((0..<5).filter { cache.contains($0) }, [0, 3, 4])
    }

    func testFramesAnnouncedAsReadSoonOutlastTheOthers() throws {
        let source = CountingSource()
        let cache = CachedFrameSource(source, budget: 4 * frameBytes)
        for index in 0..<4 { _ = try cache.frame(at: index) }
        // A reader going backwards announces 1 then 0: they now outlast 2 and 3.
        cache.willRead([1, 0])
        _ = try cache.frame(at: 4)
        XCTAssertEqual((0..<5).filter { cache.contains($0) }, [0, 1, 4])
        let before = source.reads
        _ = try cache.frame(at: 1)
        _ = try cache.frame(at: 0)
        XCTAssertEqual(source.reads, before, "frames 1 and 0 came from the cache")
        // Frames not in the cache are passed over.
        cache.willRead([7, 8])
        XCTAssertFalse(cache.contains(7) || cache.contains(8))
        XCTAssertTrue(source.readsForwardCheapest == false && cache.readsForwardCheapest == false)
    }
    /// A 16x8 gradient whose reduced frames are made by the source itself, counting each.
    private final class GradientSource: FrameSource, @unchecked Sendable {
        let frameCount = 4, width = 16, height = 8, fps = 25.0
        let readsForwardCheapest: Bool
        private let lock = NSLock()
        private var made: [Int] = []
        var scalesMade: [Int] { lock.lock(); defer { lock.unlock() }; return made }
        init(readsForwardCheapest: Bool) { self.readsForwardCheapest = readsForwardCheapest }
        func frame(at index: Int, scale: Int) throws -> RGBImage {
            lock.lock(); made.append(scale); lock.unlock()
            let full = RGBImage(width: width, height: height,
                                pixels: (0..<(width * height * 3)).map { UInt8(($0 / 3 % 16) * 15 + index) })
            return full.downsampled(by: scale)
        }
    }

    /// On a video, a reduced frame comes from a finer one in memory instead of a second decode
    /// (which may mean a seek); a folder of JPEGs decodes reduced frames cheaply and does so.
    func testAReducedVideoFrameIsMadeFromAFinerOneInMemory() throws {
        let video = GradientSource(readsForwardCheapest: true)
        let cache = CachedFrameSource(video)
        let full = try cache.frame(at: 2, scale: 1)
        let quarter = try cache.frame(at: 2, scale: 4)
        XCTAssertEqual(video.scalesMade, [1], "the quarter frame came from the full one")
        XCTAssertEqual(quarter, full.downsampled(by: 4))
        XCTAssertEqual(quarter.width, 4)
        XCTAssertTrue(cache.contains(2, scale: 4))
        _ = try cache.frame(at: 3, scale: 2)  // nothing finer of frame 3 in memory
        XCTAssertEqual(video.scalesMade, [1, 2])

        let folder = GradientSource(readsForwardCheapest: false)
        let folderCache = CachedFrameSource(folder)
        _ = try folderCache.frame(at: 2, scale: 1)
        _ = try folderCache.frame(at: 2, scale: 4)
        XCTAssertEqual(folder.scalesMade, [1, 4])
    }
}
