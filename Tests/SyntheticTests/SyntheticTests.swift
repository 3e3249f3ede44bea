import Geometry
import Imaging
import Synthetic
import XCTest

/// The generated videos and the seeded generator. The benchmarks' published figures and the
/// tests' thresholds were measured on these exact pixels and numbers, so each is pinned here
/// by a checksum taken before they moved into this target: a change to the drawing shows up as
/// a failure, not as quietly different figures.
final class SyntheticTests: XCTestCase {
    /// FNV-1a over the pixels.
    private func checksum(_ image: RGBImage) -> UInt64 {
        image.pixels.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    private func pixel(_ image: RGBImage, _ x: Double, _ y: Double) -> [UInt8] {
        let i = (Int(y) * image.width + Int(x)) * 3
        return Array(image.pixels[i..<(i + 3)])
    }

    func testTheGeneratorIsSplitMix64() {
        // The first outputs of SplitMix64 seeded with 1234567, from its reference implementation.
        var generator = SeededGenerator(seed: 1_234_567)
        XCTAssertEqual((0..<5).map { _ in generator.next() },
                       [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
                        4_593_380_528_125_082_431, 16_408_922_859_458_223_821])
        var again = SeededGenerator(seed: 42), other = SeededGenerator(seed: 42)
        XCTAssertEqual(Int.random(in: 0..<1000, using: &again), Int.random(in: 0..<1000, using: &other))
    }

    func testTheSequenceDrawsItsObjectInsideTheTrueBox() {
        let sequence = SyntheticSequence(frameCount: 60)
        for f in [0, 30, 59] {
            let image = sequence.frame(f), box = sequence.rect(f)
            // The dot sits at (0.5, 0.35) of the box; a point well outside is background.
            XCTAssertEqual(pixel(image, box.x + 0.5 * box.width, box.y + 0.35 * box.height), [250, 230, 40], "frame \(f)")
            XCTAssertNotEqual(pixel(image, box.x + box.width + 10, box.y + 0.35 * box.height), [250, 230, 40], "frame \(f)")
        }
        let twin = SyntheticSequence(frameCount: 60, twin: true)
        let mirrored = twin.twinBoxes[10]
        XCTAssertEqual(pixel(twin.frame(10), mirrored.x + 0.5 * mirrored.width, mirrored.y + 0.35 * mirrored.height), [250, 230, 40])
    }

    func testTheVideoDrawsItsObjectInsideTheTrueBoxAndScalesLikeAnyFrameSource() throws {
        let video = SyntheticVideo(frameCount: 2000)
        for f in [0, 333, 1999] {
            let image = try video.frame(at: f, scale: 1), box = video.box(f)
            XCTAssertEqual(pixel(image, box.x + 0.5 * box.width, box.y + 0.35 * box.height), [250, 230, 40], "frame \(f)")
            XCTAssertEqual(image.pixels, try video.frame(at: f, scale: 1).pixels, "the same index gives the same pixels")
        }
        let half = try video.frame(at: 77, scale: 2)
        XCTAssertEqual(half.pixels, try video.frame(at: 77, scale: 1).downsampled(by: 2).pixels)
    }

    func testTheSequencesPixelsAreTheOnesTheTestsWereTunedOn() {
        let pinned: [(SyntheticSequence, Int, UInt64)] = [
            (SyntheticSequence(frameCount: 60), 0, 5_732_039_902_211_914),
            (SyntheticSequence(frameCount: 60), 31, 10_442_562_677_337_754_018),
            (SyntheticSequence(frameCount: 60), 59, 12_930_749_524_872_918_845),
            (SyntheticSequence(frameCount: 64, occluded: 40..<50), 45, 18_423_836_144_193_525_064),
            (SyntheticSequence(frameCount: 50, cutAt: 30), 31, 4_266_852_241_833_685_273),
            (SyntheticSequence(frameCount: 50, cutAt: 30), 45, 5_874_705_898_866_350_057),
            (SyntheticSequence(frameCount: 60, twin: true), 31, 15_348_456_213_589_787_142),
            (SyntheticSequence(width: 100, height: 80, frameCount: 1), 0, 3_882_041_796_161_085_392),
        ]
        for (sequence, frame, sum) in pinned {
            XCTAssertEqual(checksum(sequence.frame(frame)), sum, "\(sequence.frameCount) frames, frame \(frame)")
        }
        let box = SyntheticSequence(frameCount: 60).boxes[31]
        XCTAssertEqual([box.x, box.y, box.width, box.height],
                       [145.78386023143642, 143.79589079317302, 36.30508474576271, 48.40677966101695])
    }

    func testTheVideosPixelsAreTheOnesTheScaleBenchmarkMeasured() throws {
        let video = SyntheticVideo(frameCount: 10_000)
        let pinned: [(Int, UInt64)] = [
            (0, 2_098_863_087_313_087_318), (1, 11_170_068_324_588_805_987), (137, 15_124_664_432_448_857_740),
            (5000, 10_122_782_929_392_877_003), (9999, 10_989_462_401_844_172_464),
        ]
        for (frame, sum) in pinned {
            XCTAssertEqual(checksum(try video.frame(at: frame, scale: 1)), sum, "frame \(frame)")
        }
        XCTAssertEqual(checksum(try SyntheticVideo(frameCount: 50, width: 96, height: 64).frame(at: 7, scale: 1)), 6_924_930_221_341_450_582)
    }
}
