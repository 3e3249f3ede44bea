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
}
