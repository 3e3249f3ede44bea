import XCTest
import Imaging
import TestSupport
@testable import MicroModel

/// The scale filter finds how much larger the object is than the size it is told, including
/// changes that fall between its steps.
final class ScaleFilterTests: XCTestCase {
    private func filter(width: Double, height: Double) -> ScaleFilter {
        let p = TrackerParameters()
        return ScaleFilter(count: p.scaleCount, step: p.scaleStep, sigma: p.scaleSigma, learningRate: p.scaleLearningRate,
                           lambda: p.lambda, objectWidth: width, objectHeight: height, area: p.scaleArea)
    }

    func testRecoversSizeChangesOnAndBetweenSteps() {
        let sequence = SyntheticSequence()
        let image = sequence.frame(0)
        let b = sequence.boxes[0]
        let cx = b.x + b.width / 2, cy = b.y + b.height / 2
        var scales = filter(width: b.width, height: b.height)
        scales.learn(scales.sample(image, centerX: cx, centerY: cy, width: b.width, height: b.height))
        // Told the object is smaller (or larger) than it is, the filter answers with the factor
        // that takes the told size to the true one, to within 0.8 % (whole steps of 2 % alone
        // would miss 1.03 and 0.95 by 1 % or more).
        for truth in [1.0, 1.03, 1.06, 0.95, 0.9] {
            let told = scales.sample(image, centerX: cx, centerY: cy, width: b.width / truth, height: b.height / truth)
            let found = scales.change(told)
            XCTAssertEqual(log(found), log(truth), accuracy: 0.008, "true change \(truth), found \(found)")
        }
    }

    /// Without refinement the answer is one of the filter's own factors.
    func testUnrefinedAnswersAreWholeSteps() {
        let sequence = SyntheticSequence()
        let image = sequence.frame(0)
        let b = sequence.boxes[0]
        let cx = b.x + b.width / 2, cy = b.y + b.height / 2
        var scales = filter(width: b.width, height: b.height)
        scales.learn(scales.sample(image, centerX: cx, centerY: cy, width: b.width, height: b.height))
        let found = scales.change(scales.sample(image, centerX: cx, centerY: cy, width: b.width / 1.05, height: b.height / 1.05),
                                  refine: false)
        let steps = log(found) / log(scales.step)
        XCTAssertEqual(steps, steps.rounded(), accuracy: 1e-9)
        XCTAssertEqual(steps.rounded(), 2, accuracy: 1, "1.05 is about 2.5 steps of 1.02")
    }
}
