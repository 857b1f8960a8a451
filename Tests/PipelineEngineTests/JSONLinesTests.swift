import XCTest
@testable import PipelineEngine

final class JSONLinesTests: XCTestCase {
    private func readAll(_ reader: JSONLinesReader) throws -> [DataRow] {
        var rows: [DataRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    func testInferredSchemaMissingKeysAndNestedValues() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("a.jsonl", "{\"id\":1,\"name\":\"Ann\",\"score\":2.5,\"ok\":true,\"tags\":[1,2]}\n\n{\"name\":\"Bob\",\"id\":2,\"tags\":{\"a\":null}}\r\n")
        let reader = try JSONLinesReader(path: path, fields: nil)
        XCTAssertEqual(reader.schema.fields, [Field("id", .integer), Field("name"), Field("score", .number), Field("ok", .boolean), Field("tags")])
        XCTAssertEqual(try readAll(reader), [
            [.int(1), .text("Ann"), .double(2.5), .bool(true), .text("[1,2]")],
            [.int(2), .text("Bob"), .null, .null, .text("{\"a\":null}")],
        ])
    }

    func testDeclaredFieldsConvertAndReportErrors() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("b.jsonl", "{\"n\":\"42\"}\n{\"n\":\"x\"}\n")
        let reader = try JSONLinesReader(path: path, fields: [Field("n", .integer)])
        XCTAssertEqual(try reader.next(), [.int(42)])
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual("\(error)", "b.jsonl line 2, key 'n': 'x' is not a valid integer")
        }
        let bad = try folder.file("c.jsonl", "{\"n\":1}\n[1]\n{oops}\n")
        let second = try JSONLinesReader(path: bad, fields: nil)
        _ = try second.next()
        XCTAssertThrowsError(try second.next()) { XCTAssertEqual("\($0)", "c.jsonl line 2 is a JSON array, but each line must be an object") }
        XCTAssertThrowsError(try second.next()) { XCTAssertTrue("\($0)".hasPrefix("c.jsonl line 3 is not valid JSON"), "\($0)") }
    }

    func testRoundTrip() throws {
        let folder = try TemporaryFolder()
        let schema = RowSchema([Field("id", .integer), Field("text"), Field("x", .number), Field("b", .boolean)])
        let rows: [DataRow] = [[.int(1), .text("line\n\"quoted\" é"), .double(0.5), .bool(false)], [.int(2), .null, .double(3), .null]]
        let path = folder.path + "/out.jsonl"
        let writer = try JSONLinesWriter(path: path, schema: schema)
        for row in rows { try writer.write(row) }
        try writer.finish()
        XCTAssertEqual(writer.rowsWritten, 2)
        XCTAssertEqual(String(decoding: try folder.read("out.jsonl"), as: UTF8.self),
                       "{\"id\":1,\"text\":\"line\\n\\\"quoted\\\" é\",\"x\":0.5,\"b\":false}\n{\"id\":2,\"text\":null,\"x\":3.0,\"b\":null}\n")
        XCTAssertEqual(try readAll(JSONLinesReader(path: path, fields: schema.fields)), rows)
    }

    func testLinesAcrossBlocks() throws {
        let folder = try TemporaryFolder()
        var text = ""
        for i in 0..<60_000 { text += "{\"id\":\(i),\"pad\":\"0123456789\"}\n" }
        let path = try folder.file("big.jsonl", text + "{\"id\":60000,\"pad\":\"end\"}")
        let rows = try readAll(JSONLinesReader(path: path, fields: nil))
        XCTAssertEqual(rows.count, 60_001)
        XCTAssertEqual(rows[59_999], [.int(59_999), .text("0123456789")])
        XCTAssertEqual(rows.last, [.int(60_000), .text("end")])
    }

    func testSniffedFieldsHoldEveryValueSeen() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("s.jsonl", """
            {"id": 1, "price": 3, "tag": "a"}
            {"id": 2, "price": 2.5, "tag": null, "late": true}
            {"id": 3, "price": 4, "tag": 7, "late": false}
            {"id": "x"}
            """)
        let first = try JSONLinesReader.sniffFields(path: path, limit: 3)
        XCTAssertEqual(first.records, 3)
        XCTAssertEqual(first.fields, [Field("id", .integer), Field("price", .number), Field("tag", .string), Field("late", .boolean)])
        XCTAssertEqual(try JSONLinesReader.sniffFields(path: path, limit: 100).fields.first, Field("id", .string))
    }
}
