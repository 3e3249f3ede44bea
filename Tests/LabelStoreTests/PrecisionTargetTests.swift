import LabelStore
import XCTest

final class PrecisionTargetTests: XCTestCase {
    /// Boxes are taken in decreasing confidence while their mean stays at the target.
    func testTakesTheLargestSetReachingTheTarget() {
        let selection = PrecisionTarget(precision: 0.99).select([0.5, 0.999, 0.9, 0.995, 0.99]) { $0 }
        XCTAssertEqual(selection.items, [0.999, 0.995, 0.99])
        XCTAssertEqual(selection.expectedWrong, 0.001 + 0.005 + 0.01, accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(selection.expectedPrecision, 0.99)
    }

    /// Very sure boxes can carry a less sure one: the rule is on the mean, not on each box.
    func testSureBoxesCarryALessSureOne() {
        let confidences = Array(repeating: 0.9999, count: 99) + [0.95, 0.0]
        let selection = PrecisionTarget().select(confidences) { $0 }
        XCTAssertEqual(selection.items.count, 100)
        XCTAssertEqual(selection.expectedWrong, 99 * 0.0001 + 0.05, accuracy: 1e-9)
    }

    /// However many sure boxes there are, a box more likely wrong than right is left for a person
    /// (without the floor the mean, 0.9914, would take the 0.03 box too).
    func testSureBoxesNeverCarryALikelyWrongOne() {
        let confidences = Array(repeating: 0.999, count: 178) + [0.6, 0.03]
        let selection = PrecisionTarget().select(confidences) { $0 }
        XCTAssertEqual(selection.items.count, 179)
        XCTAssertFalse(selection.items.contains(0.03))
        XCTAssertEqual(PrecisionTarget(precision: 0.3).select([0.45, 0.2]) { $0 }.items, [0.45])
    }

    /// A hard stretch does not withhold the easy one; nothing sure enough, nothing taken.
    func testHardBoxesDoNotWithholdEasyOnes() {
        let easy = Array(repeating: 0.998, count: 50), hard = Array(repeating: 0.4, count: 50)
        XCTAssertEqual(PrecisionTarget().select(easy + hard) { $0 }.items.count, 50)
        let none = PrecisionTarget().select(hard) { $0 }
        XCTAssertTrue(none.items.isEmpty)
        XCTAssertEqual(none.expectedWrong, 0)
        XCTAssertEqual(PrecisionTarget(precision: 0.4).select(hard) { $0 }.items.count, 50)
    }
}
