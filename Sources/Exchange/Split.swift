import Foundation

/// Named splits with their shares of the exported frames, such as `train=0.8,val=0.2`.
///
/// The rule: the exported frames, in time order, are cut into blocks of consecutive frames, and
/// each block goes whole to one split. Blocks are dealt in time order; each goes to the split that
/// is furthest below its share once the block is counted (ties go to the split named first).
///
/// Why: adjacent video frames are near-duplicates, so a random split would put almost the same
/// image in train and val. Only frames at a boundary between blocks of different splits have
/// near-duplicates across splits, and there are at most `blocks - 1` such boundaries. Dealing the
/// blocks in turn, instead of cutting the video once into a first 80 % and a last 20 %, gives every
/// split frames from the beginning, middle and end of the video.
///
/// The block length is `max(ceil(N / 20), min(25, floor(N * smallest share)))` frames for N
/// exported frames: about twenty blocks for a long video (so a 10,000-frame export has 20 blocks
/// of 500 frames), and blocks of up to 25 frames for a short one, so the smallest split still gets
/// a block of its own. The result depends only on the exported frame numbers and the shares.
public struct SplitSpec: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var name: String
        /// The part's share of the frames; the shares of a spec sum to 1.
        public var share: Double
    }

    public private(set) var parts: [Part]

    /// Splits with the given names and relative weights (they need not sum to 1).
    public init(_ weights: [(name: String, weight: Double)]) throws {
        let text = weights.map { "\($0.name)=\($0.weight)" }.joined(separator: ",")
        guard !weights.isEmpty else { throw ExchangeError.invalidSplit(text: text, reason: "no splits named") }
        var seen = Set<String>()
        for (name, weight) in weights {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ExchangeError.invalidSplit(text: text, reason: "'\(name)' is not a usable folder name (letters, digits, _ and -)")
            }
            guard seen.insert(name).inserted else {
                throw ExchangeError.invalidSplit(text: text, reason: "'\(name)' is named twice")
            }
            guard weight.isFinite, weight > 0 else {
                throw ExchangeError.invalidSplit(text: text, reason: "the share of '\(name)' must be a positive number")
            }
        }
        let total = weights.reduce(0) { $0 + $1.weight }
        parts = weights.map { Part(name: $0.name, share: $0.weight / total) }
    }

    /// Parses `train=0.8,val=0.2` (any names; shares are normalised, so `train=4,val=1` is the same).
    public init(parsing text: String) throws {
        var weights: [(name: String, weight: Double)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "=", omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw ExchangeError.invalidSplit(text: text, reason: "'\(item)' is not NAME=SHARE")
            }
            let name = pieces[0].trimmingCharacters(in: .whitespaces)
            guard let weight = Double(pieces[1].trimmingCharacters(in: .whitespaces)) else {
                throw ExchangeError.invalidSplit(text: text, reason: "'\(pieces[1])' is not a number")
            }
            weights.append((name, weight))
        }
        do {
            try self.init(weights)
        } catch ExchangeError.invalidSplit(_, let reason) {
            throw ExchangeError.invalidSplit(text: text, reason: reason)
        }
    }

    /// The block length the rule above gives for `frameCount` exported frames.
    public func blockLength(frameCount: Int) -> Int {
        let smallest = parts.map(\.share).min() ?? 1
        let forLongVideos = (frameCount + 19) / 20
        let forShortVideos = min(25, Int((Double(frameCount) * smallest).rounded(.down)))
        return max(1, forLongVideos, forShortVideos)
    }

    /// The splits of frames from several videos (`videos[v]` lists video v's 0-based frame indices);
    /// the result maps each video's frames to a split (an index into `parts`).
    ///
    /// Frames of different videos are never near-duplicates, so whole videos are dealt first:
    /// largest first, each to the split furthest below its share once the video is counted. When
    /// that leaves a split empty (fewer videos than splits, or one video dominating), each video is
    /// cut into blocks by the single-video rule (the block length taken over all frames), blocks never
    /// span two videos, and the blocks are dealt in order as above.
    public func assign(videos: [[Int]]) -> (unit: String, splits: [[Int: Int]]) {
        if videos.count == 1 { return ("segments", [assign(frames: videos[0])]) }
        let counts = videos.map { Set($0).count }
        let order = counts.indices.filter { counts[$0] > 0 }.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        var assigned = [Int](repeating: 0, count: parts.count)
        var videoSplit = [Int](repeating: 0, count: videos.count)
        var dealt = 0
        for video in order {
            dealt += counts[video]
            let best = mostBehind(assigned: assigned, dealt: dealt)
            assigned[best] += counts[video]
            videoSplit[video] = best
        }
        if assigned.allSatisfy({ $0 > 0 }) {
            let splits = videos.enumerated().map { video, frames in
                Dictionary(frames.map { ($0, videoSplit[video]) }, uniquingKeysWith: { a, _ in a })
            }
            return ("whole videos", splits)
        }

        return ("segments of each video", dealBlocks(videos, length: blockLength(frameCount: counts.reduce(0, +))))
    }

    /// Cuts each video's frames into blocks of `length` frames, in time order and never spanning two
    /// videos, and deals the blocks in order, each to the split furthest below its share so far.
    private func dealBlocks(_ videos: [[Int]], length: Int) -> [[Int: Int]] {
        var assigned = [Int](repeating: 0, count: parts.count)
        var dealt = 0
        var splits: [[Int: Int]] = []
        for frames in videos {
            let ordered = Array(Set(frames)).sorted()
            var result: [Int: Int] = [:]
            result.reserveCapacity(ordered.count)
            var start = 0
            while start < ordered.count {
                let end = min(start + length, ordered.count)
                dealt += end - start
                let best = mostBehind(assigned: assigned, dealt: dealt)
                assigned[best] += end - start
                for frame in ordered[start..<end] { result[frame] = best }
                start = end
            }
            splits.append(result)
        }
        return splits
    }

    /// The split furthest below its share of `dealt` frames (ties to the one named first).
    private func mostBehind(assigned: [Int], dealt: Int) -> Int {
        var best = 0
        var bestDeficit = -Double.infinity
        for (index, part) in parts.enumerated() {
            let deficit = part.share * Double(dealt) - Double(assigned[index])
            if deficit > bestDeficit {
                best = index
                bestDeficit = deficit
            }
        }
        return best
    }

    /// The split (an index into `parts`) of each frame in `frames` (0-based frame indices).
    public func assign(frames: [Int]) -> [Int: Int] {
        dealBlocks([frames], length: blockLength(frameCount: Set(frames).count))[0]
    }
}
