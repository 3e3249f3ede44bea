@testable import ReviewRoom
import XCTest

final class TerminalRequirementsTests: XCTestCase {
    func testTerminalsWithoutCursorAddressingAreRefusedWithWhatIsNeeded() throws {
        let dumb = try XCTUnwrap(TerminalRequirements.problem(term: "dumb"))
        XCTAssertTrue(dumb.contains("TERM=dumb cannot move the cursor"), dumb)
        XCTAssertTrue(dumb.contains("TERM=xterm-256color"), "says what would work: \(dumb)")
        XCTAssertFalse(dumb.contains("\n"))
        XCTAssertNotNil(TerminalRequirements.problem(term: nil))
        XCTAssertNotNil(TerminalRequirements.problem(term: ""))
    }

    func testCommonTerminalsAreAccepted() {
        for term in ["xterm-256color", "xterm", "vt100", "screen", "tmux-256color", "linux"] {
            XCTAssertNil(TerminalRequirements.problem(term: term), term)
        }
    }
}
