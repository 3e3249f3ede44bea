import Exchange
import XCTest

final class SplitTests: XCTestCase {
    /// Each split's frames, in time order, cut into maximal runs of consecutive exported frames.
    private func runs(_ assignment: [Int: Int], frames: [Int]) -> [(split: Int, count: Int)] {
        var result: [(Int, Int)] = []
        for frame in frames.sorted() {
            let split = assignment[frame]!
            if let last = result.last, last.0 == split { result[result.count - 1].1 += 1 } else { result.append((split, 1)) }
        }
        return result
    }

    func testSplitsAreContiguousBlocksInProportionAndInterleaved() throws {
        let spec = try SplitSpec(parsing: "train=0.8,val=0.2")
        let frames = Array(0..<1000)
        let assignment = spec.assign(frames: frames)
        XCTAssertEqual(spec.blockLength(frameCount: 1000), 50)
        let blocks = runs(assignment, frames: frames)
        XCTAssertTrue(blocks.allSatisfy { $0.count % 50 == 0 }, "whole blocks of 50 frames")
        XCTAssertEqual(frames.filter { assignment[$0] == 1 }.count, 200)
        XCTAssertLessThanOrEqual(blocks.count, 20)
        // val appears in the first, middle and last thirds of the video.
        let valFrames = frames.filter { assignment[$0] == 1 }
        XCTAssertTrue(valFrames.contains { $0 < 333 } && valFrames.contains { (333..<666).contains($0) } && valFrames.contains { $0 >= 666 })
    }

    func testSplitsAreDeterministicAndDependOnlyOnTheFrames() throws {
        let spec = try SplitSpec(parsing: "train=3,val=1,test=1")
        let frames = Array(stride(from: 0, to: 3000, by: 7))
        XCTAssertEqual(spec.assign(frames: frames), spec.assign(frames: frames.reversed()))
        let counts = (0..<3).map { split in spec.assign(frames: frames).values.filter { $0 == split }.count }
        XCTAssertEqual(Double(counts[0]) / Double(frames.count), 0.6, accuracy: 0.06)
        XCTAssertEqual(Double(counts[1]) / Double(frames.count), 0.2, accuracy: 0.06)
        XCTAssertEqual(Double(counts[2]) / Double(frames.count), 0.2, accuracy: 0.06)
    }

    func testAShortVideoStillGivesTheSmallSplitABlock() throws {
        let spec = try SplitSpec(parsing: "train=0.8,val=0.2")
        let assignment = spec.assign(frames: Array(0..<132))
        let val = assignment.values.filter { $0 == 1 }.count
        XCTAssertEqual(val, 25)
        XCTAssertEqual(runs(assignment, frames: Array(0..<132)).filter { $0.split == 1 }.count, 1)
    }

    func testBadSplitsAreRefused() {
        for text in ["train", "train=0.8,train=0.2", "train=x", "train=-1,val=1", "a b=1", ""] {
            XCTAssertThrowsError(try SplitSpec(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains("bad split"), "\(error)")
            }
        }
        XCTAssertEqual(try SplitSpec(parsing: "train=4, val=1").parts.map(\.share), [0.8, 0.2])
    }
}
