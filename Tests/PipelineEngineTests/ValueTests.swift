import XCTest
@testable import PipelineEngine

final class ValueTests: XCTestCase {
    func testFieldTypeConversions() {
        XCTAssertEqual(FieldType.integer.convert(.text(" 42 ")), .int(42))
        XCTAssertNil(FieldType.integer.convert(.text("4.5")))
        XCTAssertEqual(FieldType.number.convert(.int(3)), .double(3))
        XCTAssertEqual(FieldType.boolean.convert(.text("Yes")), .bool(true))
        XCTAssertEqual(FieldType.string.convert(.double(3)), .text("3"))
        XCTAssertEqual(FieldType.string.convert(.null), .null)
    }
}
