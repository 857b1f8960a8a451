import Foundation
import JSON
import XCTest

/// Runs the parser against nst/JSONTestSuite (test_parsing) and checks writer round trips.
final class JSONConformanceTests: XCTestCase {
    /// `<repo>/../shared/data/JSONTestSuite/test_parsing`, found from this file's location
    /// (CI clones the repo with shared/ beside it), or `$TOOLHOST_JSON_TEST_SUITE`, which wins.
    static func corpusDirectory() -> URL? {
        SharedData.directory("JSONTestSuite/test_parsing", overriddenBy: "TOOLHOST_JSON_TEST_SUITE")
    }

    /// (file name, contents) for every corpus file whose name starts with `prefix`.
    private func corpus(_ prefix: String, file: StaticString = #filePath, line: UInt = #line) throws -> [(String, [UInt8])] {
        guard let directory = Self.corpusDirectory() else {
            XCTFail("""
                JSONTestSuite corpus not found: expected ../shared/data/JSONTestSuite/test_parsing next to the \
                repository, or a directory in $TOOLHOST_JSON_TEST_SUITE
                """, file: file, line: line)
            return []
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
            .sorted()
        XCTAssertFalse(names.isEmpty, "no \(prefix)*.json files in \(directory.path)", file: file, line: line)
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    // MARK: - JSONTestSuite

    /// RFC 8259 conformance: with duplicate names kept, every y_ file parses.
    func testAcceptsEveryYFile() throws {
        let files = try corpus("y_")
        var failures: [String] = []
        for (name, bytes) in files {
            do { _ = try JSONParser.parse(bytes, duplicateNames: .keep) } catch { failures.append("\(name): \(error)") }
        }
        XCTAssertEqual(failures, [], "valid documents rejected (\(failures.count) of \(files.count))")
    }

    /// The default is I-JSON (RFC 7493 §2.3): of the y_ files, exactly those that repeat a member
    /// name are refused, so a validator and a plugin can never read different copies of a value.
    func testDefaultRejectsExactlyTheYFilesWithDuplicateNames() throws {
        var rejected: [String] = []
        for (name, bytes) in try corpus("y_") where (try? JSONParser.parse(bytes)) == nil { rejected.append(name) }
        XCTAssertEqual(rejected.sorted(), ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"])
    }

    func testDuplicateNamesAreRefusedAtEveryDepthWithTheirOffset() {
        let text = #"{"start_date":"2026-13-45","start_date":"2026-01-01","end_date":"2026-01-10"}"#
        XCTAssertThrowsError(try JSONParser.parse(text)) { error in
            XCTAssertEqual((error as? JSONParseError)?.message, #"Duplicate member name "start_date" in an object (I-JSON, RFC 7493 §2.3)"#)
            XCTAssertEqual((error as? JSONParseError)?.offset, 27)
        }
        XCTAssertThrowsError(try JSONParser.parse(#"{"params":{"arguments":{"a":1,"b":{"c":1,"c":2}}}}"#))
        // Escapes are compared after decoding: "\u0061" is "a".
        XCTAssertThrowsError(try JSONParser.parse(#"{"a":1,"\u0061":2}"#))
        // The same name in sibling or nested objects is not a duplicate.
        XCTAssertNoThrow(try JSONParser.parse(#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#))
    }

    func testDuplicateNamesInLargeObjectsAreFoundWithoutQuadraticWork() throws {
        // Past the linear-scan threshold the parser switches to a set; both sides of it must catch duplicates.
        for count in [15, 16, 17, 20_000] {
            let members = (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
            XCTAssertEqual(try JSONParser.parse("{\(members)}").objectValue?.count, count)
            XCTAssertThrowsError(try JSONParser.parse("{\(members),\"k0\":0}"), "count \(count)")
            XCTAssertThrowsError(try JSONParser.parse("{\(members),\"k\(count - 1)\":0}"), "count \(count)")
        }
    }

    func testRejectsEveryNFile() throws {
        let files = try corpus("n_")
        var failures: [String] = []
        for (name, bytes) in files {
            if let value = try? JSONParser.parse(bytes) { failures.append("\(name) parsed as \(value.jsonString)") }
        }
        XCTAssertEqual(failures, [], "invalid documents accepted (\(failures.count) of \(files.count))")
    }

    func testImplementationDefinedFilesDoNotCrash() throws {
        let files = try corpus("i_")
        var accepted: [String] = [], rejected: [String] = []
        for (name, bytes) in files {
            do {
                let value = try JSONParser.parse(bytes)
                accepted.append(name)
                // Whatever we accept must serialize to something we accept again.
                XCTAssertNoThrow(try JSONParser.parse(value.serialized()), name)
            } catch {
                rejected.append(name)
            }
        }
        XCTAssertEqual(accepted.count + rejected.count, files.count)
    }

    func testRoundTripsEveryYFile() throws {
        var failures: [String] = []
        for (name, bytes) in try corpus("y_") {
            guard let value = try? JSONParser.parse(bytes, duplicateNames: .keep) else { continue }  // reported by testAcceptsEveryYFile
            do {
                let again = try JSONParser.parse(value.serialized(), duplicateNames: .keep)
                if again != value { failures.append("\(name): \(value) became \(again)") }
            } catch {
                failures.append("\(name): serialized form \(value.jsonString) does not parse: \(error)")
            }
        }
        XCTAssertEqual(failures, [])
    }

    // MARK: - Depth

    func testDeepNestingThrowsInsteadOfCrashing() {
        for open in ["[", "{\"a\":"] {
            let text = String(repeating: open, count: 100_000)
            XCTAssertThrowsError(try JSONParser.parse(text)) { error in
                XCTAssertTrue("\(error)".contains("Nesting deeper than"), "\(error)")
            }
        }
    }

    func testExactlyMaxDepthParses() throws {
        let depth = JSONParser.defaultMaxDepth
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        XCTAssertNoThrow(try JSONParser.parse(arrays))
        let objects = String(repeating: "{\"k\":", count: depth) + "1" + String(repeating: "}", count: depth)
        XCTAssertNoThrow(try JSONParser.parse(objects))
        let tooDeep = "[" + arrays + "]"
        XCTAssertThrowsError(try JSONParser.parse(tooDeep)) { error in
            XCTAssertTrue("\(error)".contains("Nesting deeper than \(depth)"), "\(error)")
        }
        XCTAssertNoThrow(try JSONParser.parse("[[[]]]", maxDepth: 3))
        XCTAssertThrowsError(try JSONParser.parse("[[[[]]]]", maxDepth: 3))
        // Round trip at the limit.
        let value = try JSONParser.parse(arrays)
        XCTAssertEqual(try JSONParser.parse(value.serialized()), value)
    }

    // MARK: - Writer round trips

    private func assertRoundTrip(_ value: JSONValue, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = value.serialized()
        do {
            let parsed = try JSONParser.parse(bytes)
            XCTAssertEqual(parsed, value, String(decoding: bytes, as: UTF8.self), file: file, line: line)
        } catch {
            XCTFail("\(String(decoding: bytes, as: UTF8.self)) does not parse: \(error)", file: file, line: line)
        }
    }

    func testStringsRoundTrip() {
        var control = ""
        for code in 0..<0x20 { control.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
        let strings = [
            "", control, "\u{7F}", "\"", "\\", "\\\"", "\"\\\"", "/", "a\"b\\c\nd\te\r\u{8}\u{C}",
            "😀", "👩‍👩‍👧‍👦", "🇫🇷", "\u{10FFFF}", "\u{FFFF}", "\u{2028}\u{2029}", "é and e\u{301}", "日本語",
            String(repeating: "x\"", count: 1000),
        ]
        for string in strings {
            assertRoundTrip(.string(string))
            assertRoundTrip(.object([string: .string(string)]))
        }
    }

    func testEscapesParse() throws {
        XCTAssertEqual(try JSONParser.parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try JSONParser.parse(#""\uD834\uDD1E""#), .string("\u{1D11E}"))
        XCTAssertEqual(try JSONParser.parse(#""\u0000\u001f\"\\\/\b\f\n\r\t""#), .string("\u{0}\u{1F}\"\\/\u{8}\u{C}\n\r\t"))
        XCTAssertThrowsError(try JSONParser.parse(#""\ud83d""#))
        XCTAssertThrowsError(try JSONParser.parse(#""\ude00""#))
        XCTAssertThrowsError(try JSONParser.parse(#""\ud83d\u0041""#))
        XCTAssertThrowsError(try JSONParser.parse("\"\u{1}\""))
    }

    func testIntegersRoundTrip() throws {
        for value: Int64 in [0, 1, -1, 42, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 9_007_199_254_740_993] {
            assertRoundTrip(.int(value))
        }
        XCTAssertEqual(JSONValue.int(.min).jsonString, "-9223372036854775808")
        XCTAssertEqual(JSONValue.int(.max).jsonString, "9223372036854775807")
        XCTAssertEqual(try JSONParser.parse("-9223372036854775808"), .int(.min))
        XCTAssertEqual(try JSONParser.parse("9223372036854775807"), .int(.max))
        // One past the range is still a valid number: it becomes a double.
        XCTAssertEqual(try JSONParser.parse("9223372036854775808"), .double(9_223_372_036_854_775_808))
    }

    func testDoublesRoundTrip() {
        for value in [0.0, -0.0, 1.0, -1.0, 3.0, 0.1, -2.5, 1e15, 1e16, 1e22, 1e-7, .leastNonzeroMagnitude, 1.7976931348623157e308,
                      123456.789, Double.pi, 9_007_199_254_740_993.0, -1e300] {
            assertRoundTrip(.double(value))
        }
    }

    func testNumbersBeyondADoubleAreRefusedWithTheirOffset() {
        for text in ["1e400", "-1e999", "[1,2e308]", #"{"limit":1E+400}"#] {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                XCTAssertTrue("\(error)".contains("is out of range"), "\(error)")
            }
        }
        XCTAssertEqual(try JSONParser.parse("1e-400"), .double(0), "underflow is lost precision, not an error")
        XCTAssertEqual(try JSONParser.parse("1.7976931348623157e308"), .double(1.7976931348623157e308))
        XCTAssertEqual(JSONValue.double(.infinity).typeName, "number")
    }

    func testNonFiniteDoublesBecomeNull() {
        XCTAssertEqual(JSONValue.double(.nan).jsonString, "null")
        XCTAssertEqual(JSONValue.double(.infinity).jsonString, "null")
        XCTAssertEqual(JSONValue.double(-.infinity).jsonString, "null")
        XCTAssertEqual(JSONValue.array([.double(.nan), 1]).jsonString, "[null,1]")
        XCTAssertEqual(try JSONParser.parse(JSONValue.double(.nan).serialized()), .null)
    }

    func testDoubleSpelling() {
        XCTAssertEqual(JSONValue.double(3).jsonString, "3.0")
        XCTAssertEqual(JSONValue.double(-0.0).jsonString, "-0.0")
        XCTAssertEqual(JSONValue.double(0.1).jsonString, "0.1")
        XCTAssertEqual(JSONValue.double(1e22).jsonString, "1e+22")
    }

    func testCompositeRoundTrip() {
        let value: JSONValue = [
            "b": [1, 2.5, "x", nil, true, false, [:], []],
            "a": ["nested": ["deeper": ["k": "v"]]],
            "": "empty key", "dup": 1,
        ]
        assertRoundTrip(value)
        XCTAssertEqual(value.jsonString, #"{"b":[1,2.5,"x",null,true,false,{},[]],"a":{"nested":{"deeper":{"k":"v"}}},"":"empty key","dup":1}"#)
    }

    func testRejectsTrailingGarbageAndEmptyInput() {
        for text in ["", " ", "1 2", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "nul", "[1]x", "\u{FEFF}1", "'a'", "[1}", "{\"a\" 1}"] {
            XCTAssertThrowsError(try JSONParser.parse(text), text.debugDescription)
        }
        for text in [" 1 ", "\t\n\r[ ]\n", "-0", "0e0", "1E+2", "-1.5e-3", "\"\"", "{}"] {
            XCTAssertNoThrow(try JSONParser.parse(text), text.debugDescription)
        }
    }
}
