import Foundation
import Geometry
import Imaging
import LabelStore
import MicroModel
@testable import Pipeline
import TestSupport
import XCTest

/// Recovery through the engine and the store: a stretch whose runs lose the object behind an
/// occluder is written as the path pinned at both seeds.
final class RecoveryEngineTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try Fixtures.temporaryDirectory("recovery")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A striped object crossing a textured background on a straight line at constant speed,
    /// hidden behind a grey block (which stays where the object went in) on `hidden`.
    private struct Crossing {
        let width = 320, height = 240, frameCount = 40
        let hidden = 14..<24
        func box(_ f: Int) -> BoxRect { BoxRect(centerX: 50 + 5.5 * Double(f), centerY: 70 + 2.5 * Double(f), width: 28, height: 36) }
        func frame(_ index: Int) -> RGBImage {
            var image = RGBImage(width: width, height: height)
            let b = box(index), cover = box(hidden.lowerBound)
            image.pixels.withUnsafeMutableBufferPointer { px in
                for y in 0..<height {
                    for x in 0..<width {
                        let n = noise((x + index / 2) / 5, y / 5)
                        var rgb = (70 + 60 * n, 110 + 50 * n, 80 + 40 * n)
                        let ox = (Double(x) - b.x) / b.width, oy = (Double(y) - b.y) / b.height
                        if !hidden.contains(index) && ox >= 0 && ox < 1 && oy >= 0 && oy < 1 {
                            let dot = hypot(ox - 0.5, oy - 0.35) < 0.18
                            rgb = dot ? (250, 230, 40) : (Int(oy * 6) % 2 == 0 ? (220, 40, 60) : (40, 30, 160))
                        }
                        if hidden.contains(index) && abs(Double(x) - cover.centerX) < 40 && abs(Double(y) - cover.centerY) < 45 {
                            let v = 140 + 60 * noise(x / 3 + 1000, y / 3)
                            rgb = (v, v, v)
                        }
                        px[(y * width + x) * 3] = UInt8(max(0, min(255, rgb.0)))
                        px[(y * width + x) * 3 + 1] = UInt8(max(0, min(255, rgb.1)))
                        px[(y * width + x) * 3 + 2] = UInt8(max(0, min(255, rgb.2)))
                    }
                }
            }
            return image
        }
        private func noise(_ x: Int, _ y: Int) -> Double {
            var h = UInt64(bitPattern: Int64(x &* 73_856_093 &+ y &* 19_349_663))
            h = (h ^ (h >> 15)) &* 2_246_822_519
            h ^= h >> 13
            return Double(h & 0xFFFF) / 65535
        }
    }

    /// Proposals (by frame) of a pass over `clip` seeded on its first and last frames.
    private func pass(_ clip: Crossing, recovery: Bool) throws -> [Int: BoxRect] {
        try proposals(clip, recovery: recovery).mapValues(\.rect)
    }

    private func proposals(_ clip: Crossing, recovery: Bool) throws -> [Int: Box] {
        let (project, source, _) = try makeSeededProject(frameCount: clip.frameCount, frame: clip.frame, truth: clip.box,
                                                         seedFrames: [0, clip.frameCount - 1], in: directory)
        var config = PropagationConfig()
        config.recovery = recovery
        _ = try PropagationEngine(project: project, frames: source, config: config).run()
        return Dictionary(try project.boxes(kinds: [.proposal]).map { ($0.frame, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Where interpolation is right, the engine's boxes are as good as it is, hidden frames
    /// included; without recovery the runs follow the occluder there.
    func testThroughAnOcclusionTheEngineIsNotWorseThanInterpolation() throws {
        let clip = Crossing()
        let stored = try proposals(clip, recovery: true)
        let recovered = stored.mapValues(\.rect)
        // Behind the occluder the boxes are the motion prior's guesses: they come first in review.
        let seen = stored.filter { !clip.hidden.contains($0.key) }.map(\.value.confidence)
        for f in clip.hidden { XCTAssertLessThan(try XCTUnwrap(stored[f]).confidence, try XCTUnwrap(seen.min()), "hidden frame \(f + 1)") }
        let plain = try pass(clip, recovery: false)
        let last = clip.frameCount - 1
        var engine = 0.0, straight = 0.0
        for f in 1..<last {
            let u = Double(f) / Double(last), a = clip.box(0), b = clip.box(last)
            let line = BoxRect(x: a.x + u * (b.x - a.x), y: a.y + u * (b.y - a.y), width: a.width, height: a.height)
            let box = try XCTUnwrap(recovered[f], "frame \(f + 1) has a proposal")
            XCTAssertGreaterThanOrEqual(box.iou(clip.box(f)), 0.5, "frame \(f + 1)")
            engine += box.iou(clip.box(f))
            straight += line.iou(clip.box(f))
        }
        XCTAssertGreaterThanOrEqual(engine, straight - 0.05 * Double(last - 1))
        let hidden = clip.hidden.map { f in plain[f].map { $0.iou(clip.box(f)) } ?? 0 }
        XCTAssertLessThan(hidden.reduce(0, +) / Double(hidden.count), 0.5, "the runs alone lose the object")
    }
}
