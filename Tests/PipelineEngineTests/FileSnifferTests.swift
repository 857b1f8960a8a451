import XCTest
@testable import PipelineEngine

final class FileSnifferTests: XCTestCase {
    func testDelimitersWithHeader() throws {
        let folder = try TemporaryFolder()
        for delimiter in [",", ";", "\t", "|"] {
            let text = ["id", "name", "price", "active"].joined(separator: delimiter) + "\n"
                + ["1", "Ann, Jr", "2.5", "true"].joined(separator: delimiter) + "\n"
                + ["2", "Bob", "3", "false"].joined(separator: delimiter) + "\n"
                + ["3", "", "4.75", "TRUE"].joined(separator: delimiter) + "\n"
            let path = try folder.file("h.csv", text.replacingOccurrences(of: "Ann, Jr", with: delimiter == "," ? "\"Ann, Jr\"" : "Ann, Jr"))
            let sniffed = try FileSniffer.sniff(path: path, lines: 100, overrides: SniffOverrides())
            XCTAssertEqual(sniffed.options.delimiter, UInt8(ascii: Unicode.Scalar(delimiter)!), "delimiter \(delimiter)")
            XCTAssertTrue(sniffed.options.headerRow)
            XCTAssertEqual(sniffed.columnNames, ["id", "name", "price", "active"])
            XCTAssertEqual(sniffed.fields.map(\.type), [.integer, .string, .number, .boolean])
            XCTAssertEqual(sniffed.sampleRows.count, 3)
            XCTAssertEqual(sniffed.sampleRows[0][1], "Ann, Jr")
            XCTAssertNil(sniffed.sampleRows[2][1])
            XCTAssertEqual(sniffed.recordsRead, 4)
        }
    }

    func testWithoutHeader() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("n.csv", "1;2.5;x\n2;3.5;y\n3;4;z\n")
        let sniffed = try FileSniffer.sniff(path: path, lines: 100, overrides: SniffOverrides())
        XCTAssertEqual(sniffed.options.delimiter, UInt8(ascii: ";"))
        XCTAssertFalse(sniffed.options.headerRow)
        XCTAssertEqual(sniffed.columnNames, ["column_1", "column_2", "column_3"])
        XCTAssertEqual(sniffed.fields.map(\.type), [.integer, .number, .string])
        XCTAssertEqual(sniffed.sampleRows.count, 3)

        let text = try folder.file("t.csv", "apple|red\npear|green\napple|yellow\n")
        XCTAssertFalse(try FileSniffer.sniff(path: text, lines: 100, overrides: SniffOverrides()).options.headerRow,
                       "a value repeated below the first row means the first row is data")
        let names = try folder.file("s.csv", "fruit|colour\napple|red\npear|green\n")
        XCTAssertTrue(try FileSniffer.sniff(path: names, lines: 100, overrides: SniffOverrides()).options.headerRow)
    }

    func testOverridesLineLimitAndLeadingZeros() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("o.csv", "zip,n\n007,1\n010,2\n123,x\n")
        let sniffed = try FileSniffer.sniff(path: path, lines: 3, overrides: SniffOverrides(headerRow: false))
        XCTAssertFalse(sniffed.options.headerRow)
        XCTAssertEqual(sniffed.recordsRead, 3)
        XCTAssertEqual(sniffed.sampleRows.count, 3)
        let withHeader = try FileSniffer.sniff(path: path, lines: 3, overrides: SniffOverrides(delimiter: UInt8(ascii: ",")))
        XCTAssertEqual(withHeader.fields, [Field("zip", .string), Field("n", .integer)])
    }

    func testEncodingDetection() throws {
        let folder = try TemporaryFolder()
        let latin = try folder.file("l.csv", Array("name,city\nJos".utf8) + [0xE9] + Array(",Z".utf8) + [0xFC] + Array("rich\n".utf8))
        let sniffed = try FileSniffer.sniff(path: latin, lines: 10, overrides: SniffOverrides())
        XCTAssertEqual(sniffed.options.encoding, .windows1252)
        XCTAssertEqual(sniffed.sampleRows, [["José", "Zürich"]])
        let bom = try folder.file("b.csv", [0xEF, 0xBB, 0xBF] + Array("a,b\n1,2\n".utf8))
        let withBOM = try FileSniffer.sniff(path: bom, lines: 10, overrides: SniffOverrides())
        XCTAssertEqual(withBOM.options.encoding, .utf8)
        XCTAssertEqual(withBOM.columnNames, ["a", "b"])
        var utf16: [UInt8] = [0xFE, 0xFF]
        for unit in "a\tb\nx\t1\n".utf16 { utf16 += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        let sixteen = try FileSniffer.sniff(path: try folder.file("u.csv", utf16), lines: 10, overrides: SniffOverrides())
        XCTAssertEqual(sixteen.options.encoding, .utf16be)
        XCTAssertEqual(sixteen.options.delimiter, UInt8(ascii: "\t"))
        XCTAssertEqual(sixteen.columnNames, ["a", "b"])
    }

    func testSingleQuoteDetection() throws {
        let folder = try TemporaryFolder()
        let path = try folder.file("q.csv", "id,name\n1,'a,b'\n2,'c'\n")
        let sniffed = try FileSniffer.sniff(path: path, lines: 10, overrides: SniffOverrides(delimiter: UInt8(ascii: ",")))
        XCTAssertEqual(sniffed.options.quote, UInt8(ascii: "'"))
        XCTAssertEqual(sniffed.sampleRows[0], ["1", "a,b"])
    }
}
