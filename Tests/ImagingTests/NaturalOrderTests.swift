import XCTest
import Imaging

final class NaturalOrderTests: XCTestCase {
    func testNumbersCompareByValue() {
        XCTAssertEqual(NaturalOrder.sorted(["frame10.jpg", "frame2.jpg", "frame1.jpg", "frame100.jpg"]),
                       ["frame1.jpg", "frame2.jpg", "frame10.jpg", "frame100.jpg"])
        XCTAssertTrue(NaturalOrder.areInIncreasingOrder("img9", "img10"))
        XCTAssertFalse(NaturalOrder.areInIncreasingOrder("img10", "img9"))
    }

    func testLettersIgnoreCase() {
        XCTAssertEqual(NaturalOrder.sorted(["b1", "A2", "a10", "B0"]), ["A2", "a10", "B0", "b1"])
    }

    func testNumbersLongerThanAnyIntegerType() {
        let big = "shot_123456789012345678901234567890"
        let bigger = "shot_123456789012345678901234567891"
        XCTAssertTrue(NaturalOrder.areInIncreasingOrder(big, bigger))
        XCTAssertTrue(NaturalOrder.areInIncreasingOrder("shot_99", big))
    }

    func testLeadingZerosSortByValueThenStably() {
        XCTAssertEqual(NaturalOrder.sorted(["f010", "f9", "f0011", "f01", "f1", "f001"]),
                       ["f1", "f01", "f001", "f9", "f010", "f0011"])
        XCTAssertEqual(NaturalOrder.compare("f01", "f1"), 1)
        XCTAssertEqual(NaturalOrder.compare("a", "A") , -NaturalOrder.compare("A", "a"))
        XCTAssertNotEqual(NaturalOrder.compare("a", "A"), 0)
        XCTAssertEqual(NaturalOrder.compare("same", "same"), 0)
    }

    func testSortedAgreesWithCompareWhateverTheInputOrder() {
        let names = ["x2y10", "x2y9", "x10y1", "X2Y9", "x02y9", "x", "x0", "x00", "10", "9", "a.b"]
        let expected = names.sorted(by: NaturalOrder.areInIncreasingOrder)
        XCTAssertEqual(NaturalOrder.sorted(names.reversed()), expected)
        XCTAssertEqual(NaturalOrder.sorted(names.shuffled()), expected)
        XCTAssertEqual(Array(expected.prefix(2)), ["9", "10"])
    }
}
