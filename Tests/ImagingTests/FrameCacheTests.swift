import Imaging
import XCTest

/// The frame cache's eviction order, and the hint that changes it.
final class FrameCacheTests: XCTestCase {
    /// Frames of one grey level each, counted as they are made.
    private final class CountingSource: FrameSource, @unchecked Sendable {
        let frameCount = 10, width = 8, height = 8, fps = 25.0
        private(set) var reads = 0
        func frame(at index: Int, scale: Int) throws -> RGBImage {
            reads += 1
            return RGBImage(width: width, height: height, pixels: [UInt8](repeating: UInt8(index * 20), count: width * height * 3))
        }
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
