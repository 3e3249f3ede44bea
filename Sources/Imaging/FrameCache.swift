import Foundation
import Synchronization

/// A frame source that keeps recently decoded frames in memory, up to a byte budget.
///
/// Wraps any source. Eviction is least-recently-used. Safe to share between threads; decoding
/// happens outside the lock, so a slow decode never holds up hits.
public final class CachedFrameSource: FrameSource, Sendable {
    public static let defaultBudget = 256 << 20

    public let base: any FrameSource
    public let budget: Int
    public var frameCount: Int { base.frameCount }
    public var width: Int { base.width }
    public var height: Int { base.height }
    public var fps: Double { base.fps }

    private struct Key: Hashable { var index: Int; var scale: Int }
    private final class Entry {
        let image: RGBImage
        var lastUse: UInt64
        init(_ image: RGBImage, _ lastUse: UInt64) { self.image = image; self.lastUse = lastUse }
    }

    private struct State {
        /// Frames some reader is fetching from the base right now; the group is left when it is done.
        var fetching: [Key: DispatchGroup] = [:]
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0

        /// The cached frame, marked as just used; counts a hit or a miss.
        mutating func lookUp(_ key: Key) -> RGBImage? {
            clock &+= 1
            guard let entry = entries[key] else {
                misses += 1
                return nil
            }
            hits += 1
            entry.lastUse = clock
            return entry.image
        }

        /// The cached frame, marked as just used, without counting a hit or a miss.
        mutating func touch(_ key: Key) -> RGBImage? {
            guard let entry = entries[key] else { return nil }
            clock &+= 1
            entry.lastUse = clock
            return entry.image
        }

        /// Drops the least recently used frames until the budget holds, plus an eighth of it, so
        /// eviction runs once per many inserts rather than on each.
        mutating func evict(budget: Int) {
            let target = budget - budget / 8
            let order = entries.sorted { $0.value.lastUse < $1.value.lastUse }
            for (key, entry) in order where bytes > target {
                entries[key] = nil
                bytes -= entry.image.byteCount
            }
        }
    }

    private let state = Mutex(State())

    public init(_ base: any FrameSource, budget: Int = CachedFrameSource.defaultBudget) {
        self.base = base
        self.budget = max(0, budget)
        // Frames the decoder passes on its way to the one asked for are kept too.
        base.collectDecodedFrames { [weak self] index, scale, image in
            self?.store(image, for: Key(index: index, scale: scale))
        }
    }

    public func frame(at index: Int) throws -> RGBImage {
        try frame(at: index, scale: 1)
    }

    private enum Step: Sendable {
        case hit(RGBImage)
        case wait(DispatchGroup)
        case fetch(DispatchGroup)
    }

    public func frame(at index: Int, scale: Int) throws -> RGBImage {
        let key = Key(index: index, scale: scale)
        // One fetch per frame at a time: a second reader asking for the same frame (two workers
        // starting at one seed) waits for the first instead of seeking the video again.
        while true {
            let step = state.withLock { state -> Step in
                if let pending = state.fetching[key] { return .wait(pending) }
                if let image = state.lookUp(key) { return .hit(image) }
                let group = DispatchGroup()
                group.enter()
                state.fetching[key] = group
                return .fetch(group)
            }
            switch step {
            case .hit(let image):
                return image
            case .wait(let group):
                group.wait()
            case .fetch(let group):
                defer {
                    state.withLock { _ = $0.fetching.removeValue(forKey: key) }
                    group.leave()
                }
                // On a video a reduced frame is cheaper to make from a finer one in memory than to
                // decode again, which may mean a seek (the room's light pictures while reviewing
                // backward in time asked for one and waited half a second).
                if base.readsForwardCheapest, let finer = finerCopy(of: index, below: scale) {
                    let image = finer.image.downsampled(by: scale / finer.scale)
                    store(image, for: key)
                    return image
                }
                // A read in progress that passes this frame delivers it to the cache; one that stops
                // just short leaves a warm decoder that reads on to it. Either beats a new seek.
                // (Another read may take that decoder before this one does: then wait for it too.)
                while true {
                    // (This request counted its miss already.)
                    if base.waitForRead(reaching: index, scale: scale), let image = state.withLock({ $0.touch(key) }) {
                        return image
                    }
                    if let image = try base.frameUnlessReading(at: index, scale: scale) {
                        store(image, for: key)
                        return image
                    }
                }
            }
        }
    }

    /// The frame at the nearest scale finer than `scale` that is in memory, if any: the least
    /// to reduce.
    private func finerCopy(of index: Int, below scale: Int) -> (image: RGBImage, scale: Int)? {
        state.withLock { state in
            var finer = scale / 2
            while finer >= 1 {
                if let image = state.entries[Key(index: index, scale: finer)]?.image { return (image, finer) }
                finer /= 2
            }
            return nil
        }
    }

    public var readsForwardCheapest: Bool { base.readsForwardCheapest }

    /// Ranks the cached frames among `indices` as just used, in the order given, so they
    /// outlast everything else and the first of them goes first when room is needed.
    public func willRead(_ indices: [Int]) {
        state.withLock { state in
            for index in indices {
                guard let entry = state.entries[Key(index: index, scale: 1)] else { continue }
                state.clock &+= 1
                entry.lastUse = state.clock
            }
        }
    }

    /// Whether a frame is in memory now (the tests check what was kept; reading ahead does not ask).
    public func contains(_ index: Int, scale: Int = 1) -> Bool {
        state.withLock { $0.entries[Key(index: index, scale: scale)] != nil }
    }

    /// Bytes of decoded pixels held, and the hit and miss counts since creation.
    public var statistics: (bytes: Int, frames: Int, hits: Int, misses: Int) {
        state.withLock { ($0.bytes, $0.entries.count, $0.hits, $0.misses) }
    }

    private func store(_ image: RGBImage, for key: Key) {
        guard image.byteCount <= budget else { return }
        state.withLock { state in
            state.clock &+= 1
            if let old = state.entries[key] { state.bytes -= old.image.byteCount }
            state.entries[key] = Entry(image, state.clock)
            state.bytes += image.byteCount
            if state.bytes > budget { state.evict(budget: budget) }
        }
    }
}
