import XCTest

final class ExchangePlaceholderTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
