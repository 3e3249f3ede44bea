import Synthetic
import XCTest
import Imaging
import TestSupport
@testable import MicroModel

/// The scale filter finds how much larger the object is than the size it is told, including
/// changes that fall between its steps.
final class ScaleFilterTests: XCTestCase {
    private let image = SyntheticSequence().frame(0)
    private let object = SyntheticSequence().boxes[0]

    /// A filter with the tracker's settings, trained on the object at its true size, and a
    /// function that samples the object told to be its true size divided by `change`.
    private func trainedFilter() -> (ScaleFilter, (Double) -> ScaleFilter.Spectrum) {
        let p = TrackerParameters()
        let b = object, cx = b.x + b.width / 2, cy = b.y + b.height / 2
        var scales = ScaleFilter(count: p.scaleCount, step: p.scaleStep, sigma: p.scaleSigma, learningRate: p.scaleLearningRate,
                                 lambda: p.lambda, objectWidth: b.width, objectHeight: b.height, area: p.scaleArea)
        scales.learn(scales.sample(image, centerX: cx, centerY: cy, width: b.width, height: b.height))
        let image = self.image
        return (scales, { [scales] change in
            scales.sample(image, centerX: cx, centerY: cy, width: b.width / change, height: b.height / change)
        })
    }

    func testRecoversSizeChangesOnAndBetweenSteps() {
        let (scales, told) = trainedFilter()
        // Told the object is smaller (or larger) than it is, the filter answers with the factor
        // that takes the told size to the true one, to within 0.8 % (whole steps of 2 % alone
        // would miss 1.03 and 0.95 by 1 % or more).
        for truth in [1.0, 1.03, 1.06, 0.95, 0.9] {
            let found = scales.change(told(truth))
            XCTAssertEqual(log(found), log(truth), accuracy: 0.008, "true change \(truth), found \(found)")
        }
    }

    /// Without refinement the answer is one of the filter's own factors.
    func testUnrefinedAnswersAreWholeSteps() {
        let (scales, told) = trainedFilter()
        let found = scales.change(told(1.05), refine: false)
        let steps = log(found) / log(scales.step)
        XCTAssertEqual(steps, steps.rounded(), accuracy: 1e-9)
        XCTAssertEqual(steps.rounded(), 2, accuracy: 1, "1.05 is about 2.5 steps of 1.02")
    }
}
