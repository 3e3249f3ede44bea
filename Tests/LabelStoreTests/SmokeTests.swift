import XCTest

final class LabelStorePlaceholderTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
