import Foundation
import XCTest
@testable import Host

/// The one cron implementation behind every schedule (header section 8).
final class CronExpressionTests: XCTestCase {
    private func ms(_ text: String) -> Int64 { Timestamp.parseRFC3339(text)! }
    private func next(_ cron: String, after: String, zone: String = "UTC") throws -> String? {
        try CronExpression(cron).next(after: ms(after), in: TimeZone(identifier: zone)!).map { Timestamp.iso8601(millisecondsSinceEpoch: $0) }
    }

    func testFieldsListsRangesStepsAndNames() throws {
        XCTAssertEqual(try next("*/20 * * * *", after: "2026-12-01T10:41:00Z"), "2026-12-01T11:00:00Z")
        XCTAssertEqual(try next("5,35 9-10 * * *", after: "2026-12-01T09:35:00Z"), "2026-12-01T10:05:00Z")
        XCTAssertEqual(try next("0 12 * jun-aug/2 *", after: "2026-12-01T00:00:00Z"), "2027-06-01T12:00:00Z")
        XCTAssertEqual(try next("0 0 * * 7", after: "2026-12-01T00:00:00Z"), "2026-12-06T00:00:00Z")  // 7 is Sunday
        XCTAssertEqual(try next("0 0 * * SUN", after: "2026-12-01T00:00:00Z"), "2026-12-06T00:00:00Z")
    }

    func testEitherDayFieldWhenBothAreRestricted() throws {
        // 2026-12-04 is a Friday, before the 13th.
        XCTAssertEqual(try next("0 0 13 * fri", after: "2026-12-01T00:00:00Z"), "2026-12-04T00:00:00Z")
        // A star-step day of month counts as unrestricted: only Fridays.
        XCTAssertEqual(try next("0 0 */1 * fri", after: "2026-12-01T00:00:00Z"), "2026-12-04T00:00:00Z")
    }

    func testDaylightSavingGapsAndRepeats() throws {
        // Spring forward in Berlin (2026-03-29 02:00 → 03:00): 02:30 fires once, at 03:00 CEST.
        XCTAssertEqual(try next("30 2 * * *", after: "2026-03-28T12:00:00Z", zone: "Europe/Berlin"), "2026-03-29T01:00:00Z")
        // Every 15 minutes across the gap: 01:45 CET, then 03:00 CEST (02:00–02:45 collapse into it), then 03:15.
        XCTAssertEqual(try next("*/15 * * * *", after: "2026-03-29T00:45:00Z", zone: "Europe/Berlin"), "2026-03-29T01:00:00Z")
        XCTAssertEqual(try next("*/15 * * * *", after: "2026-03-29T01:00:00Z", zone: "Europe/Berlin"), "2026-03-29T01:15:00Z")
        // Fall back (2026-10-25 03:00 → 02:00): 02:30 happens twice and fires at the first only.
        XCTAssertEqual(try next("30 2 * * *", after: "2026-10-24T12:00:00Z", zone: "Europe/Berlin"), "2026-10-25T00:30:00Z")
        XCTAssertEqual(try next("30 2 * * *", after: "2026-10-25T00:30:00Z", zone: "Europe/Berlin"), "2026-10-26T01:30:00Z")
    }

    func testNeverAndErrors() throws {
        XCTAssertNil(try next("0 0 30 2 *", after: "2026-01-01T00:00:00Z"))
        let cases: [(String, String)] = [
            ("* * * *", "has 4 fields; it needs 5"),
            ("60 * * * *", "cron minute \"60\" is not within 0–59"),
            ("* 24 * * *", "cron hour \"24\" is not within 0–23"),
            ("* * 0 * *", "cron day of month \"0\" is not within 1–31"),
            ("* * * foo *", "cron month \"foo\" is not within 1–12 or a name such as jan"),
            ("*/0 * * * *", "step \"0\" must be a number from 1 to 59"),
            ("5-1 * * * *", "runs backwards"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try CronExpression(text), text) { error in
                XCTAssertTrue("\(error)".contains(message), "\(text): \(error)")
            }
        }
    }
}
