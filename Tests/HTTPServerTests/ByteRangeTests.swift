import XCTest
@testable import HTTPServer

/// Range (RFC 9110 §14) for streamed files: one range is honoured, anything else sends the whole.
final class ByteRangeTests: XCTestCase {
    private func range(_ header: String?, _ length: Int64 = 1000) -> ByteRangeRequest { ByteRangeRequest(header: header, length: length) }

    func testSingleRanges() {
        XCTAssertEqual(range("bytes=0-99"), .partial(first: 0, last: 99))
        XCTAssertEqual(range("bytes=990-"), .partial(first: 990, last: 999))
        XCTAssertEqual(range("bytes=-100"), .partial(first: 900, last: 999))
        XCTAssertEqual(range("bytes=-5000"), .partial(first: 0, last: 999))      // a suffix longer than the file: all of it
        XCTAssertEqual(range("bytes=500-5000"), .partial(first: 500, last: 999)) // clipped to the end
        XCTAssertEqual(range("BYTES = 1-2"), .whole)                              // "BYTES =" is not the unit syntax
        XCTAssertEqual(range("Bytes=1-2"), .partial(first: 1, last: 2))           // the unit is case-insensitive
    }

    func testUnsatisfiable() {
        XCTAssertEqual(range("bytes=1000-"), .unsatisfiable)
        XCTAssertEqual(range("bytes=5000-6000"), .unsatisfiable)
        XCTAssertEqual(range("bytes=-0"), .unsatisfiable)
        XCTAssertEqual(range("bytes=0-", 0), .unsatisfiable)
    }

    func testIgnoredHeadersSendTheWhole() {
        XCTAssertEqual(range(nil), .whole)
        XCTAssertEqual(range("bytes=0-1,5-6"), .whole)   // several ranges: documented as ignored
        XCTAssertEqual(range("items=0-1"), .whole)
        XCTAssertEqual(range("bytes=9-3"), .whole)       // invalid: ignored, not 416
        XCTAssertEqual(range("bytes=a-b"), .whole)
        XCTAssertEqual(range("bytes=-"), .whole)
        XCTAssertEqual(range("bytes=+1-2"), .whole)
        XCTAssertEqual(range("bytes=99999999999999999999-"), .whole)
    }
}
