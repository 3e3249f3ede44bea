import Exchange
import LabelStore
import XCTest

/// Rules that two targets must agree on but cannot share a definition of (neither depends on
/// the other): a test holds them together.
final class SharedRulesTests: XCTestCase {
    func testImportsAndTheStoreNameTheDefaultLabelAlike() {
        XCTAssertEqual(ImportOptions.unnamedLabel, Label.defaultName)
        XCTAssertEqual(ImportOptions().defaultLabel, Label.defaultName)
    }
}
