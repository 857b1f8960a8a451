import XCTest
@testable import PipelineEngine

final class DelimitedFormatTests: XCTestCase {
    private func readAll(_ path: String, _ options: DelimitedOptions = DelimitedOptions(), fields: [Field]? = nil) throws -> (RowSchema, [DataRow]) {
        let reader = try DelimitedReader(path: path, options: options, fields: fields)
        var rows: [DataRow] = []
        while let row = try reader.next() { rows.append(row) }
        return (reader.schema, rows)
    }

    private func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testHeaderAndStringFields() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("a.csv", "id,name,,name\n1,Ann,x,y\n2,Bob,,z\n")
        let (schema, rows) = try readAll(path)
        XCTAssertEqual(schema.names, ["id", "name", "column_3", "name_2"])
        XCTAssertEqual(schema.fields.map(\.type), [.string, .string, .string, .string])
        XCTAssertEqual(rows, [[.text("1"), .text("Ann"), .text("x"), .text("y")], [.text("2"), .text("Bob"), .null, .text("z")]])
    }

    func testNoHeaderNamesColumns() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("a.csv", "1,2\n3,4")
        var options = DelimitedOptions()
        options.headerRow = false
        let (schema, rows) = try readAll(path, options)
        XCTAssertEqual(schema.names, ["column_1", "column_2"])
        XCTAssertEqual(rows, [[.text("1"), .text("2")], [.text("3"), .text("4")]])
    }

    func testTypedFieldsQuotingCRLFAndBOM() throws {
        let folder = try TemporaryFolder()
        let text = "\u{FEFF}id,price,label,ok\r\n1,2.50,\"a, \"\"quoted\"\"\r\nline\",true\r\n-7, 3e2 ,\"\",no\r\n,,,\r\n"
        let path = try folder.file("t.csv", text)
        let fields = [Field("id", .integer), Field("price", .number), Field("label"), Field("ok", .boolean)]
        let (_, rows) = try readAll(path, fields: fields)
        XCTAssertEqual(rows, [
            [.int(1), .double(2.5), .text("a, \"quoted\"\r\nline"), .bool(true)],
            [.int(-7), .double(300), .text(""), .bool(false)],
            [.null, .null, .null, .null],
        ])
        let (schema, _) = try readAll(path)
        XCTAssertEqual(schema.names.first, "id", "the byte-order mark must not become part of the first name")
    }

    func testFieldsPickHeaderColumnsByNameOrRenameByPosition() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("t.csv", "id,name,amount,note\n1,Ann,2.5,x\n2,Bob,3,\n")
        let (picked, rows) = try readAll(path, fields: [Field("amount", .number), Field("id", .integer)])
        XCTAssertEqual(picked.names, ["amount", "id"])
        XCTAssertEqual(rows, [[.double(2.5), .int(1)], [.double(3), .int(2)]])
        let (renamed, same) = try readAll(path, fields: [Field("a", .integer), Field("b"), Field("c", .number), Field("d")])
        XCTAssertEqual(renamed.names, ["a", "b", "c", "d"])
        XCTAssertEqual(same[1], [.int(2), .text("Bob"), .double(3), .null])
        XCTAssertEqual(message { _ = try readAll(path, fields: [Field("id", .integer), Field("price", .number)]) },
                       "t.csv has no column 'price' (its header names id, name, amount, note); list fields by those names, or all 4 columns in order")
    }

    func testRaggedRows() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("r.csv", "a,b,c\n1,2\n1,2,3,4\n")
        let reader = try DelimitedReader(path: path, options: DelimitedOptions(), fields: nil)
        XCTAssertEqual(try reader.next(), [.text("1"), .text("2"), .null])
        let error = message { _ = try reader.next() }
        XCTAssertEqual(error, "r.csv line 3 has 4 fields, but the file has 3 columns (check the delimiter and quoting)")
    }

    func testConversionErrorNamesLineColumnAndValue() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("c.csv", "id,amount\n1,\"multi\nline\"\n2,12x\n")
        let error = message { _ = try self.readAll(path, fields: [Field("id", .integer), Field("amount", .string)]) }
        XCTAssertEqual(error, "no error")
        let typed = message { _ = try self.readAll(path, fields: [Field("id", .integer), Field("amount", .number)]) }
        XCTAssertEqual(typed, "c.csv line 2, column 'amount': 'multi\nline' is not a valid number")
        let path2 = try folder.file("d.csv", "id,amount\n1,2\n\n2,12x\n")
        let second = message { _ = try self.readAll(path2, fields: [Field("id", .integer), Field("amount", .number)]) }
        XCTAssertEqual(second, "d.csv line 4, column 'amount': '12x' is not a valid number")
        let long = try folder.file("e.csv", "n\n" + String(repeating: "z", count: 100) + "\n")
        let truncated = message { _ = try self.readAll(long, fields: [Field("n", .integer)]) }
        XCTAssertTrue(truncated.contains("'" + String(repeating: "z", count: 40) + "…'"), truncated)
    }

    func testUnclosedQuote() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("q.csv", "a\n\"open\n")
        XCTAssertTrue(message { _ = try self.readAll(path) }.contains("q.csv line 2: a quoted field is never closed"))
    }

    func testLatin1AndWindows1252() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("l.csv", [0x6E, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A, 0x80, 0x0A])
        var options = DelimitedOptions()
        options.encoding = .latin1
        XCTAssertEqual(try readAll(path, options).1, [[.text("café")], [.text("\u{80}")]])
        options.encoding = .windows1252
        XCTAssertEqual(try readAll(path, options).1, [[.text("café")], [.text("€")]])
    }

    func testUTF16WithByteOrderMark() throws {
        let folder = try TemporaryFolder()
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "a;b\n1;😀\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let path = try folder.file("u.csv", bytes)
        var options = DelimitedOptions()
        options.delimiter = UInt8(ascii: ";")
        let (schema, rows) = try readAll(path, options)
        XCTAssertEqual(schema.names, ["a", "b"])
        XCTAssertEqual(rows, [[.text("1"), .text("😀")]])
    }

    func testCustomRecordDelimiterAndEscape() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("x.txt", "a|b~1|x\\|y~")
        let options = DelimitedOptions(delimiter: UInt8(ascii: "|"), quote: nil, escape: UInt8(ascii: "\\"), recordDelimiter: .custom(UInt8(ascii: "~")))
        XCTAssertEqual(try readAll(path, options).1, [[.text("1"), .text("x|y")]])
    }

    func testRecordsSpanningBlocksAndLongRecordLimit() throws {
        let folder = try TemporaryFolder()
        // About 3 MiB, so records (quoted, with doubled quotes, CRLF and line breaks) straddle block edges.
        var text = "id,text,amount\r\n"
        for i in 0..<80_000 { text += "\(i),\"value \"\"\(i)\"\", with\ncomma\",\(i).25\r\n" }
        let path = try folder.file("big.csv", text)
        let (_, rows) = try readAll(path, fields: [Field("id", .integer), Field("text"), Field("amount", .number)])
        XCTAssertEqual(rows.count, 80_000)
        for (i, row) in rows.enumerated() {
            XCTAssertEqual(row, [.int(Int64(i)), .text("value \"\(i)\", with\ncomma"), .double(Double(i) + 0.25)])
            if row != [.int(Int64(i)), .text("value \"\(i)\", with\ncomma"), .double(Double(i) + 0.25)] { break }
        }
        // Transcoded input crosses blocks too.
        let latin = try folder.file("big-latin1.csv", Array("n\n".utf8) + [UInt8](repeating: 0, count: 0) + (0..<300_000).flatMap { _ in [0xE9, 0x0A] as [UInt8] })
        var options = DelimitedOptions()
        options.encoding = .latin1
        let (_, latinRows) = try readAll(latin, options)
        XCTAssertEqual(latinRows.count, 300_000)
        XCTAssertTrue(latinRows.allSatisfy { $0 == [.text("é")] })
        let huge = try folder.file("huge.csv", "a\n\"" + String(repeating: "x", count: 17 << 20))
        XCTAssertTrue(message { _ = try self.readAll(huge) }.contains("has a record longer than 16 MiB"))
    }

    func testWriteThenReadRoundTrip() throws {
        let folder = try TemporaryFolder()
        let schema = RowSchema([Field("id", .integer), Field("text"), Field("price", .number), Field("flag", .boolean)])
        let rows: [DataRow] = [
            [.int(1), .text("plain"), .double(1.25), .bool(true)],
            [.int(2), .text("comma, \"quote\"\nnewline"), .double(3), .bool(false)],
            [.int(3), .text(" padded "), .null, .null],
            [.int(4), .text(""), .double(-0.5), .bool(true)],
        ]
        let path = folder.path + "/out.csv"
        let writer = try DelimitedWriter(path: path, options: DelimitedOptions(), schema: schema)
        for row in rows { try writer.write(row) }
        try writer.finish()
        XCTAssertEqual(writer.rowsWritten, 4)
        let written = String(decoding: try folder.read("out.csv"), as: UTF8.self)
        XCTAssertEqual(written, "id,text,price,flag\n1,plain,1.25,true\n2,\"comma, \"\"quote\"\"\nnewline\",3,false\n3,\" padded \",,\n4,\"\",-0.5,true\n")
        XCTAssertEqual(try readAll(path, fields: schema.fields).1, rows)
        XCTAssertThrowsError(try writer.write([.int(1)]))
    }

    func testWriterEncodingsAndEscapes() throws {
        let folder = try TemporaryFolder()
        let schema = RowSchema([Field("name")])
        var options = DelimitedOptions()
        options.encoding = .windows1252
        let path = folder.path + "/w.csv"
        let writer = try DelimitedWriter(path: path, options: options, schema: schema)
        try writer.write([.text("5 €")])
        try writer.finish()
        XCTAssertEqual(try folder.read("w.csv"), Array("name\n5 ".utf8) + [0x80, 0x0A])
        XCTAssertEqual(try readAll(path, options).1, [[.text("5 €")]])
        options.encoding = .latin1
        let latin = try DelimitedWriter(path: folder.path + "/l.csv", options: options, schema: schema)
        XCTAssertTrue(message { try latin.write([.text("5 €")]) }.contains("cannot be written in iso-8859-1"))

        let escaped = DelimitedOptions(delimiter: UInt8(ascii: "\t"), quote: nil, escape: UInt8(ascii: "\\"))
        let tsv = try DelimitedWriter(path: folder.path + "/e.tsv", options: escaped, schema: schema)
        try tsv.write([.text("a\tb")])
        try tsv.finish()
        XCTAssertEqual(try readAll(folder.path + "/e.tsv", escaped).1, [[.text("a\tb")]])
    }

    func testOptionsThatCannotWork() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("a.csv", "a\n")
        let bad = DelimitedOptions(delimiter: UInt8(ascii: "\""))
        XCTAssertTrue(message { _ = try DelimitedReader(path: path, options: bad, fields: nil) }.contains("must be different characters"))
        XCTAssertTrue(message { _ = try DelimitedReader(path: folder.path + "/missing.csv", options: DelimitedOptions(), fields: nil) }.contains("cannot open missing.csv"))
    }
}
