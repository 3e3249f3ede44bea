import Foundation
import Geometry
import Imaging
import XCTest
@testable import MicroModel

/// A generated clip for recovery: a striped object over a textured, slowly panning background.
/// It moves along `path` (centre per frame), is hidden behind a grey occluder on the frames in
/// `hidden`, and can reappear anywhere. Deterministic.
private struct OcclusionClip {
    let width = 320, height = 240
    let size = (width: 28.0, height: 36.0)
    let centres: [(Double, Double)]
    let hidden: Range<Int>
    var frameCount: Int { centres.count }

    func box(_ f: Int) -> BoxRect {
        BoxRect(centerX: centres[f].0, centerY: centres[f].1, width: size.width, height: size.height)
    }

    func frame(_ index: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let b = box(index)
        let pan = Double(index) * 0.5
        let shown = !hidden.contains(index)
        // The occluder sits where the object was when it vanished, large enough to hide it.
        let cover = hidden.isEmpty ? b : box(hidden.lowerBound)
        image.pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<height {
                for x in 0..<width {
                    let fx = Double(x) + pan
                    let n = texture(Int(fx) / 5, y / 5)
                    var r = 70 + 60 * n, g = 110 + 50 * n, bl = 80 + 40 * n
                    let ox = (Double(x) - b.x) / b.width, oy = (Double(y) - b.y) / b.height
                    if shown && ox >= 0 && ox < 1 && oy >= 0 && oy < 1 {
                        let stripe = Int(oy * 6) % 2 == 0
                        let dot = hypot(ox - 0.5, oy - 0.35) < 0.18
                        r = dot ? 250 : (stripe ? 220 : 40)
                        g = dot ? 230 : (stripe ? 40 : 30)
                        bl = dot ? 40 : (stripe ? 60 : 160)
                    }
                    if hidden.contains(index), abs(Double(x) - cover.centerX) < 40, abs(Double(y) - cover.centerY) < 45 {
                        let v = texture(x / 3 + 1000, y / 3)
                        r = 140 + 60 * v; g = r; bl = r
                    }
                    let i = (y * width + x) * 3
                    px[i] = UInt8(max(0, min(255, r)))
                    px[i + 1] = UInt8(max(0, min(255, g)))
                    px[i + 2] = UInt8(max(0, min(255, bl)))
                }
            }
        }
        return image
    }
}

private func texture(_ x: Int, _ y: Int) -> Double {
    var h = UInt64(bitPattern: Int64(x &* 73_856_093 &+ y &* 19_349_663))
    h = (h ^ (h >> 15)) &* 2_246_822_519
    h ^= h >> 13
    return Double(h & 0xFFFF) / 65535
}

final class RecoveryTests: XCTestCase {
    /// The runs of both seeds over `clip`, their stitching, and the recovered proposals.
    private func propose(_ clip: OcclusionClip, recovery: Bool = true) throws -> (stitched: [Proposal], recovered: [Proposal], needed: Bool) {
        var config = PropagationConfig()
        config.recovery = recovery
        let last = clip.frameCount - 1
        let seeds = [Seed(frame: 0, box: clip.box(0)), Seed(frame: last, box: clip.box(last))]
        let runs = try windows(for: seeds, frameCount: clip.frameCount, maxDistance: config.maxDistance).map {
            try propagate($0, frames: { clip.frame($0) }, config: config)
        }
        let stitched = stitch(runs: runs, seeds: seeds, imageWidth: clip.width, imageHeight: clip.height, config: config)
        let recovered = try recover(stitched, runs: runs, seeds: seeds, frames: { clip.frame($0) },
                                    imageWidth: clip.width, imageHeight: clip.height, config: config).proposals
        return (stitched, recovered, stretchNeedsRecovery(runs: runs, from: seeds[0], to: seeds[1], config: config))
    }

    /// The object vanishes behind an occluder and comes out far from where it went in: the runs
    /// cannot meet, the stretch is recovered, and from the frame it shows again every box is on it.
    func testRecoveryAfterAnOcclusionFindsTheObjectWhereItReappears() throws {
        var centres: [(Double, Double)] = []
        for f in 0..<16 { centres.append((60 + 4 * Double(f), 80 + Double(f))) }   // in view
        for _ in 16..<24 { centres.append((130, 100)) }                            // hidden
        for f in 24..<44 { centres.append((200 + 3 * Double(f - 24), 170 - Double(f - 24))) }  // out again elsewhere
        let clip = OcclusionClip(centres: centres, hidden: 16..<24)
        let result = try propose(clip)
        XCTAssertTrue(result.needed, "the runs cannot agree across the jump")
        let byFrame = [Int: Proposal](result.recovered.map { ($0.frame, $0) }, uniquingKeysWith: { a, _ in a })
        for f in 24..<43 {
            let box = try XCTUnwrap(byFrame[f], "frame \(f) has a box")
            XCTAssertGreaterThanOrEqual(box.box.iou(clip.box(f)), 0.5, "frame \(f) lands on the object after it reappears")
        }
        for f in 1..<16 {
            let box = try XCTUnwrap(byFrame[f], "frame \(f) has a box")
            XCTAssertGreaterThanOrEqual(box.box.iou(clip.box(f)), 0.5, "frame \(f) is on the object before it vanishes")
        }
        // Every frame where the object shows gets a box that is at least as good as interpolation's.
        let seeds = (Seed(frame: 0, box: clip.box(0)), Seed(frame: 43, box: clip.box(43)))
        let shown = (1..<43).filter { !clip.hidden.contains($0) }
        let engine = shown.map { byFrame[$0]?.box.iou(clip.box($0)) ?? 0 }.reduce(0, +)
        let straight = shown.map { interpolated(seeds.0, seeds.1, at: $0).iou(clip.box($0)) }.reduce(0, +)
        XCTAssertGreaterThan(engine, straight + 0.3 * Double(shown.count))
        // Where the object is hidden the path's boxes are guesses, and score below every box on it.
        let seen = result.recovered.filter { !clip.hidden.contains($0.frame) }.map(\.confidence)
        for p in result.recovered where clip.hidden.contains(p.frame) && p.box.iou(clip.box(p.frame)) < 0.5 {
            XCTAssertLessThan(p.confidence, seen.min()!, "hidden frame \(p.frame)")
        }
    }

    /// The object crosses behind an occluder on a straight line at constant speed, where
    /// interpolation between the seeds is exactly right: the engine's boxes are not worse.
    func testStretchWhereInterpolationIsRightIsNotWorse() throws {
        let centres: [(Double, Double)] = (0..<40).map { (f: Int) -> (Double, Double) in
            let t = Double(f)
            return (50 + 5.5 * t, 70 + 2.5 * t)
        }
        let clip = OcclusionClip(centres: centres, hidden: 14..<24)
        let result = try propose(clip)
        XCTAssertTrue(result.needed, "the runs lose the object behind the occluder")
        let seeds = (Seed(frame: 0, box: clip.box(0)), Seed(frame: 39, box: clip.box(39)))
        let byFrame = [Int: Proposal](result.recovered.map { ($0.frame, $0) }, uniquingKeysWith: { a, _ in a })
        var engine = 0.0, straight = 0.0
        for f in 1..<39 {
            let box = try XCTUnwrap(byFrame[f], "frame \(f) has a box")
            engine += box.box.iou(clip.box(f))
            straight += interpolated(seeds.0, seeds.1, at: f).iou(clip.box(f))
            XCTAssertGreaterThanOrEqual(box.box.iou(clip.box(f)), 0.5, "frame \(f)")
        }
        XCTAssertGreaterThanOrEqual(engine / 38, straight / 38 - 0.05, "mean IoU against interpolation's")
        // The runs alone followed the occluder: recovery is what brings the hidden frames back.
        let hidden = result.stitched.filter { clip.hidden.contains($0.frame) }.map { $0.box.iou(clip.box($0.frame)) }
        XCTAssertLessThan(hidden.reduce(0, +) / Double(max(hidden.count, 1)), 0.5)
    }

    /// Without a reason (both runs land and agree), a stretch is left as stitched.
    func testAgreeingRunsAreLeftAlone() throws {
        let centres: [(Double, Double)] = (0..<30).map { (f: Int) -> (Double, Double) in
            let t = Double(f)
            return (80 + 4 * t, 100 + 20 * sin(t / 5))
        }
        let clip = OcclusionClip(centres: centres, hidden: 0..<0)
        let result = try propose(clip)
        XCTAssertFalse(result.needed)
        XCTAssertEqual(result.recovered, result.stitched)
    }
}
