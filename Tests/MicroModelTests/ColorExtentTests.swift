import Geometry
import Imaging
import XCTest
@testable import MicroModel

/// The colour model's estimate of the object's width and height, and what it does to the boxes.
final class ColorExtentTests: XCTestCase {
    /// A red box of `width x height` centred at (`cx`, `cy`) on a textured blue-green ground, with
    /// a dark cross of `mark` pixels at its centre (0: none).
    private func frame(cx: Double, cy: Double, width: Double, height: Double, shift: Int = 0, mark: Double = 0) -> RGBImage {
        var image = RGBImage(width: 240, height: 160)
        for y in 0..<160 {
            for x in 0..<240 {
                let inside = abs(Double(x) + 0.5 - cx) < width / 2 && abs(Double(y) + 0.5 - cy) < height / 2
                let wave = UInt8(((x + shift) * 7 + y * 3) % 32)
                let dx = abs(Double(x) + 0.5 - cx), dy = abs(Double(y) + 0.5 - cy)
                let onMark = (dx < mark / 2 && dy < 3 * mark) || (dy < mark / 2 && dx < 3 * mark)
                image[x, y] = inside && onMark ? RGB(20, 20, 20) : inside ? RGB(200 &+ wave / 2, 40, 30) : RGB(40, 120 &+ wave, 160 &+ wave)
            }
        }
        return image
    }

    func testExtentFindsAWiderObject() {
        let learnt = frame(cx: 120, cy: 80, width: 30, height: 20)
        let patch = Patch(sampling: learnt, centerX: 120, centerY: 80, sourceWidth: 90, sourceHeight: 80, width: 90, height: 80)
        let model = ColorModel(patch: patch, objectWidth: 30, objectHeight: 20)
        let same = model.extent(patch: patch, objectWidth: 30, objectHeight: 20,
                                factors: CorrelationTracker.extentFactors, prior: 1)
        XCTAssertEqual(same.width, 1, accuracy: 0.07)
        XCTAssertEqual(same.height, 1, accuracy: 0.07)
        // The object got 30 % wider but not taller: the extent says so.
        let wider = frame(cx: 120, cy: 80, width: 39, height: 20)
        let widerPatch = Patch(sampling: wider, centerX: 120, centerY: 80, sourceWidth: 90, sourceHeight: 80, width: 90, height: 80)
        let e = model.extent(patch: widerPatch, objectWidth: 30, objectHeight: 20,
                             factors: CorrelationTracker.extentFactors, prior: 1)
        XCTAssertGreaterThan(e.width, 1.15)
        XCTAssertEqual(e.height, 1, accuracy: 0.07)
    }

    /// An object that doubles its width while its height stays: the scale filter alone keeps the
    /// seed's shape; with the colour extent the boxes widen. (The cross keeps the tracker on the
    /// object's centre: the extent widens a box about its centre.)
    func testBoxesFollowAChangeOfShape() throws {
        let count = 40
        func box(_ f: Int) -> (cx: Double, cy: Double, w: Double, h: Double) {
            let t = Double(f) / Double(count - 1)
            return (110 + 6 * t, 80, 24 * (1 + t), 24)
        }
        let frames: (Int) -> RGBImage = { f in
            let b = box(f)
            return self.frame(cx: b.cx, cy: b.cy, width: b.w, height: b.h, shift: f, mark: 3)
        }
        let b0 = box(0)
        let seed = Seed(frame: 0, box: BoxRect(x: b0.cx - b0.w / 2, y: b0.cy - b0.h / 2, width: b0.w, height: b0.h))
        let window = Window(seed: seed, direction: .forward, limit: count - 1)
        var plain = PropagationConfig()
        plain.tracker.colorExtent = 0
        func meanIoU(_ run: Run) -> Double {
            run.points.map { p in
                let b = box(p.frame)
                return p.box.iou(BoxRect(x: b.cx - b.w / 2, y: b.cy - b.h / 2, width: b.w, height: b.h))
            }.reduce(0, +) / Double(run.points.count)
        }
        let with = try propagate(window, frames: frames)
        let without = try propagate(window, frames: frames, config: plain)
        XCTAssertEqual(with.points.count, count - 1)
        let last = try XCTUnwrap(with.points.last), lastPlain = try XCTUnwrap(without.points.last)
        XCTAssertGreaterThan(last.box.width / last.box.height, lastPlain.box.width / lastPlain.box.height + 0.1)
        XCTAssertGreaterThan(meanIoU(with), meanIoU(without) + 0.02)
    }
}
