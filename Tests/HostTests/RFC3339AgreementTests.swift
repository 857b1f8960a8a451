import CivilDate
import Foundation
import JSON
import JSONSchema
import XCTest
@testable import Host

/// RFC 3339 used to be parsed three ways (the JSON Schema `date-time` format, Scheduling, and the
/// CLI's `--expires` through ISO8601DateFormatter) and they disagreed. Now there is one parser
/// (CivilDate's RFC3339DateTime); these tests hold every entry point to the same answers, on the
/// official JSON-Schema-Test-Suite's date-time cases plus our own.
final class RFC3339AgreementTests: XCTestCase {
    /// (text, valid) pairs: the suite's optional/format/date-time.json strings and extra edge cases.
    private func corpus() throws -> [(String, Bool)] {
        let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = repoRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/data/JSON-Schema-Test-Suite/tests/draft2020-12/optional/format/date-time.json")
        let suite = try JSONParser.parse([UInt8](Data(contentsOf: file)))
        var cases: [(String, Bool)] = []
        for group in suite.arrayValue ?? [] {
            for test in group["tests"]?.arrayValue ?? [] {
                if let text = test["data"]?.stringValue, let valid = test["valid"]?.boolValue { cases.append((text, valid)) }
            }
        }
        XCTAssertGreaterThan(cases.count, 20, "the suite's date-time cases were not found at \(file.path)")
        return cases + [
            ("2026-05-01T09:00:00+02:00", true), ("2024-02-29t23:59:60.123z", true), ("2024-02-29T22:59:60Z", false), ("2024-02-29T23:59:60Z", true),
            ("2026-12-31T23:59:60.5Z", true), ("2027-01-01T00:59:60+01:00", true), ("2026-05-01T09:00:00.123456789123Z", true),
            ("2026-02-29T09:00:00Z", false), ("2026-05-01T09:00:00", false), ("2026-05-01T09:00Z", false),
            ("2026-05-01T09:00:00+0200", false), ("2026-05-01T09:00:00.Z", false), (" 2026-05-01T09:00:00Z", false),
            ("2026-05-01T09:00:00Z ", false), ("2026-05-01", false), ("", false), ("2026-05-01T09:00:00+24:00", false),
        ]
    }

    func testEveryEntryPointAcceptsExactlyTheSameStrings() throws {
        let schema = try CompiledSchema.compile(JSONParser.parse(#"{"type":"string","format":"date-time"}"#))
        for (text, valid) in try corpus() {
            let parser = RFC3339DateTime(text) != nil
            let format = schema.validate(.string(text)).isEmpty
            let cli = Timestamp.parseRFC3339(text) != nil
            XCTAssertEqual(parser, valid, "RFC3339DateTime on \(text.debugDescription)")
            XCTAssertEqual(format, valid, "date-time format on \(text.debugDescription)")
            XCTAssertEqual(cli, valid, "--expires on \(text.debugDescription)")
        }
    }

    func testInstants() {
        XCTAssertEqual(Timestamp.parseRFC3339("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(Timestamp.parseRFC3339("2026-05-01T09:00:00.25+02:00"), Timestamp.parseRFC3339("2026-05-01T07:00:00.250Z"))
        XCTAssertEqual(Timestamp.parseRFC3339("1969-12-31T23:59:59.999Z"), -1)
        // A leap second is the last millisecond of its minute, in any offset.
        XCTAssertEqual(Timestamp.parseRFC3339("1998-12-31T15:59:60.123-08:00"), Timestamp.parseRFC3339("1998-12-31T23:59:59.999Z"))
        // A date alone means "through that day": the next midnight UTC.
        XCTAssertEqual(Timestamp.parseExpiry("2026-05-01"), Timestamp.parseRFC3339("2026-05-02T00:00:00Z"))
        XCTAssertNil(Timestamp.parseExpiry("2026-5-1"))
    }

    func testFormatterRoundTripsThroughTheParser() {
        for ms: Int64 in [0, -1, 1_000, 951_782_400_000, 1_798_761_599_999, -62_135_596_800_000, 253_402_300_799_999] {
            let text = Timestamp.iso8601(millisecondsSinceEpoch: ms, fractional: true)
            XCTAssertEqual(Timestamp.parseRFC3339(text), ms, text)
            XCTAssertEqual(RFC3339DateTime(text)?.offsetMinutes, 0)
        }
        XCTAssertEqual(Timestamp.iso8601(millisecondsSinceEpoch: 1_798_761_599_999), "2026-12-31T23:59:59Z")
        XCTAssertEqual(Timestamp.iso8601(millisecondsSinceEpoch: 951_782_400_000, fractional: true), "2000-02-29T00:00:00.000Z")
    }

    func testFullDate() {
        XCTAssertNotNil(RFC3339.fullDate("2000-02-29"))
        for bad in ["1900-02-29", "2026-13-01", "2026-5-1", "2026-05-01T00:00:00Z", "20260501", "2026-05-01 "] {
            XCTAssertNil(RFC3339.fullDate(bad), bad)
        }
    }
}
