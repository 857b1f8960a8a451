import XCTest
@testable import PipelineEngine

final class WhereClauseTests: XCTestCase {
    func testAcceptsAPlainFilter() throws {
        try WhereClause.check("status = 'open' AND amount > 10")
        try WhereClause.check("name LIKE 'a%' OR id IN (1, 2, 3)")
    }

    func testRefusesStatementSeparatorsAndCommentsWithTheReason() {
        assertRefused("id = 1; DROP TABLE t", because: "where_clause may not contain ';'")
        assertRefused("id = 1 -- rest", because: "where_clause may not contain '--'")
        assertRefused("id = 1 /* x", because: "where_clause may not contain '/*'")
        assertRefused("id = 1 */", because: "where_clause may not contain '*/'")
        // Inside a string literal too: the check does not parse dialects.
        assertRefused("name = 'a;b'", because: "where_clause may not contain ';'")
    }

    func testRefusesEmptyOverlongAndNUL() {
        assertRefused("", because: "where_clause may not be empty")
        assertRefused("  \n\t", because: "where_clause may not be empty")
        assertRefused("id = 1 AND name = 'a\u{0}'", because: "where_clause may not contain a NUL character")
        let long = "id = 1" + String(repeating: " ", count: WhereClause.maximumLength)
        XCTAssertThrowsError(try WhereClause.check(long)) { error in
            XCTAssertTrue("\(error)".contains("at most 2000 bytes"), "\(error)")
        }
        XCTAssertNoThrow(try WhereClause.check(String(repeating: "1", count: WhereClause.maximumLength)))
    }

    private func assertRefused(_ fragment: String, because reason: String, line: UInt = #line) {
        XCTAssertThrowsError(try WhereClause.check(fragment), line: line) { error in
            XCTAssertEqual((error as? EngineError)?.message, reason, line: line)
        }
    }
}
