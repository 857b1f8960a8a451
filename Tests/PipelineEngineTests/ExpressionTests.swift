import XCTest
@testable import PipelineEngine

final class ExpressionTests: XCTestCase {
    private let schema = RowSchema([
        Field("id", .integer), Field("name", .string), Field("price", .number),
        Field("active", .boolean), Field("unit price", .number), Field("note", .string),
    ])
    private let row: DataRow = [.int(7), .text("Widget"), .double(2.5), .bool(true), .double(10), .null]

    private func eval(_ text: String, _ row: DataRow? = nil, variables: [String: Value] = [:]) throws -> Value {
        try Expression.parse(text).bind(to: schema, variables: variables).evaluate(row ?? self.row)
    }

    private func bindError(_ text: String, variables: [String: Value] = [:]) -> String {
        do {
            _ = try Expression.parse(text).bind(to: schema, variables: variables)
            return "no error"
        } catch {
            return error.message
        }
    }

    private func evalError(_ text: String) -> String {
        do {
            _ = try eval(text)
            return "no error"
        } catch let error as ExpressionError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    func testLiteralsAndFieldReferences() throws {
        XCTAssertEqual(try eval("42"), .int(42))
        XCTAssertEqual(try eval("-42"), .int(-42))
        XCTAssertEqual(try eval("1.5e2"), .double(150))
        XCTAssertEqual(try eval("'it''s'"), .text("it's"))
        XCTAssertEqual(try eval("TRUE"), .bool(true))
        XCTAssertEqual(try eval("false"), .bool(false))
        XCTAssertEqual(try eval("NULL"), .null)
        XCTAssertEqual(try eval("name"), .text("Widget"))
        XCTAssertEqual(try eval("\"unit price\""), .double(10))
        XCTAssertEqual(try eval("$limit", variables: ["limit": .int(5)]), .int(5))
    }

    func testPrecedence() throws {
        XCTAssertEqual(try eval("1 + 2 * 3"), .int(7))
        XCTAssertEqual(try eval("(1 + 2) * 3"), .int(9))
        XCTAssertEqual(try eval("10 - 4 - 3"), .int(3))
        XCTAssertEqual(try eval("-2 * 3"), .int(-6))
        XCTAssertEqual(try eval("- id + 1"), .int(-6))
        XCTAssertEqual(try eval("'a' || 1 + 2"), .text("a3"))
        XCTAssertEqual(try eval("TRUE OR TRUE AND FALSE"), .bool(true))
        XCTAssertEqual(try eval("(TRUE OR TRUE) AND FALSE"), .bool(false))
        XCTAssertEqual(try eval("NOT FALSE AND FALSE"), .bool(false))
        XCTAssertEqual(try eval("NOT id = 8"), .bool(true))
        XCTAssertEqual(try eval("id > 5 AND price < 3 OR name = 'x'"), .bool(true))
        XCTAssertEqual(try eval("id BETWEEN 1 AND 10 AND price > 2"), .bool(true))
    }

    func testArithmeticTypes() throws {
        XCTAssertEqual(try eval("7 / 2"), .double(3.5))
        XCTAssertEqual(try eval("7 % 3"), .int(1))
        XCTAssertEqual(try eval("7.5 % 2"), .double(1.5))
        XCTAssertEqual(try eval("id + price"), .double(9.5))
        XCTAssertEqual(try Expression.parse("id * 2").bind(to: schema, variables: [:]).resultType, .integer)
        XCTAssertEqual(try Expression.parse("id / 2").bind(to: schema, variables: [:]).resultType, .number)
        XCTAssertEqual(try Expression.parse("id + price").bind(to: schema, variables: [:]).resultType, .number)
        XCTAssertNil(try Expression.parse("NULL").bind(to: schema, variables: [:]).resultType)
    }

    func testComparisons() throws {
        XCTAssertEqual(try eval("id = 7"), .bool(true))
        XCTAssertEqual(try eval("id == 7"), .bool(true))
        XCTAssertEqual(try eval("id != 7"), .bool(false))
        XCTAssertEqual(try eval("id <> 8"), .bool(true))
        XCTAssertEqual(try eval("id < 7.5"), .bool(true))
        XCTAssertEqual(try eval("id <= 7"), .bool(true))
        XCTAssertEqual(try eval("price > 2"), .bool(true))
        XCTAssertEqual(try eval("price >= 2.5"), .bool(true))
        XCTAssertEqual(try eval("7 = 7.0"), .bool(true))
        XCTAssertEqual(try eval("9007199254740993 > 9007199254740992.0"), .bool(true))
        XCTAssertEqual(try eval("'abc' < 'abd'"), .bool(true))
        XCTAssertEqual(try eval("active = TRUE"), .bool(true))
    }

    func testNullLogic() throws {
        XCTAssertEqual(try eval("note = 'x'"), .null)
        XCTAssertEqual(try eval("id + NULL"), .null)
        XCTAssertEqual(try eval("price * 2", [.int(1), .text("x"), .null, .bool(true), .double(1), .null]), .null)
        XCTAssertEqual(try eval("NULL = NULL"), .null)
        XCTAssertEqual(try eval("note IS NULL"), .bool(true))
        XCTAssertEqual(try eval("name IS NOT NULL"), .bool(true))
        XCTAssertEqual(try eval("NULL AND FALSE"), .bool(false))
        XCTAssertEqual(try eval("NULL AND TRUE"), .null)
        XCTAssertEqual(try eval("NULL OR TRUE"), .bool(true))
        XCTAssertEqual(try eval("NULL OR FALSE"), .null)
        XCTAssertEqual(try eval("NOT NULL"), .null)
        XCTAssertEqual(try eval("id IN (1, NULL)"), .null)
        XCTAssertEqual(try eval("id IN (7, NULL)"), .bool(true))
        XCTAssertEqual(try eval("NULL IN (1, 2)"), .null)
        XCTAssertEqual(try eval("note || 'x'"), .null)
        XCTAssertEqual(try eval("id BETWEEN NULL AND 5"), .bool(false))
        XCTAssertEqual(try eval("id BETWEEN NULL AND 10"), .null)
        let filter = try Expression.parse("note = 'x'").bind(to: schema, variables: [:])
        XCTAssertFalse(try filter.isTrue(row))
        XCTAssertTrue(try Expression.parse("id = 7").bind(to: schema, variables: [:]).isTrue(row))
        XCTAssertThrowsError(try Expression.parse("id").bind(to: schema, variables: [:]).isTrue(row))
    }

    func testInBetweenLike() throws {
        XCTAssertEqual(try eval("id IN (1, 7, 9)"), .bool(true))
        XCTAssertEqual(try eval("id NOT IN (1, 9)"), .bool(true))
        XCTAssertEqual(try eval("name IN ('a', 'b')"), .bool(false))
        XCTAssertEqual(try eval("id BETWEEN 7 AND 8"), .bool(true))
        XCTAssertEqual(try eval("id NOT BETWEEN 1 AND 6"), .bool(true))
        XCTAssertEqual(try eval("name LIKE 'Wid%'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE '%get'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE '%dge%'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE 'W_dget'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE 'w%'"), .bool(false))
        XCTAssertEqual(try eval("name NOT LIKE 'w%'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE 'Widget'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE 'W%g_t'"), .bool(true))
        XCTAssertEqual(try eval("name LIKE '%x%'"), .bool(false))
        XCTAssertEqual(try eval("'héllo' LIKE 'h_llo'"), .bool(true))
        XCTAssertEqual(try eval("'abcabc' LIKE '%b_c'"), .bool(false))
        XCTAssertEqual(try eval("'abcabd' LIKE 'a%b_'"), .bool(true))
        XCTAssertEqual(try eval("note LIKE '%'"), .null)
        XCTAssertEqual(try eval("name LIKE name"), .bool(true))
    }

    func testCase() throws {
        XCTAssertEqual(try eval("CASE WHEN id > 10 THEN 'big' WHEN id > 5 THEN 'medium' ELSE 'small' END"), .text("medium"))
        XCTAssertEqual(try eval("CASE WHEN id > 10 THEN 'big' END"), .null)
        XCTAssertEqual(try eval("CASE WHEN note = 'x' THEN 1 ELSE 2 END"), .int(2))
        let mixed = try Expression.parse("CASE WHEN id > 5 THEN 1 ELSE 2.5 END").bind(to: schema, variables: [:])
        XCTAssertEqual(mixed.resultType, .number)
        XCTAssertEqual(try mixed.evaluate(row), .double(1))
        XCTAssertTrue(bindError("CASE WHEN id > 5 THEN 1 ELSE 'x' END").contains("CASE mixes types: integer and string"))
    }

    func testTextFunctions() throws {
        XCTAssertEqual(try eval("UPPER(name)"), .text("WIDGET"))
        XCTAssertEqual(try eval("lower(name)"), .text("widget"))
        XCTAssertEqual(try eval("trim('  a b  ')"), .text("a b"))
        XCTAssertEqual(try eval("ltrim('  a ')"), .text("a "))
        XCTAssertEqual(try eval("rtrim('  a ')"), .text("  a"))
        XCTAssertEqual(try eval("length('héllo')"), .int(5))
        XCTAssertEqual(try eval("length(note)"), .null)
        XCTAssertEqual(try eval("substr('hello', 2)"), .text("ello"))
        XCTAssertEqual(try eval("substr('hello', 2, 3)"), .text("ell"))
        XCTAssertEqual(try eval("substr('hello', 0, 3)"), .text("he"))
        XCTAssertEqual(try eval("substr('hello', 9)"), .text(""))
        XCTAssertEqual(try eval("replace('a-b-c', '-', '+')"), .text("a+b+c"))
        XCTAssertEqual(try eval("concat(name, '-', note, id)"), .text("Widget-7"))
        XCTAssertEqual(try eval("starts_with(name, 'Wid')"), .bool(true))
        XCTAssertEqual(try eval("ends_with(name, 'get')"), .bool(true))
        XCTAssertEqual(try eval("contains(name, 'dg')"), .bool(true))
        XCTAssertEqual(try eval("contains(name, 'DG')"), .bool(false))
        XCTAssertEqual(try eval("upper(42)"), .text("42"))
    }

    func testNullAndNumberFunctions() throws {
        XCTAssertEqual(try eval("coalesce(note, name)"), .text("Widget"))
        XCTAssertEqual(try eval("coalesce(note, NULL)"), .null)
        XCTAssertEqual(try eval("coalesce(NULL, 1, 2.5)"), .double(1))
        XCTAssertEqual(try eval("nullif(id, 7)"), .null)
        XCTAssertEqual(try eval("nullif(id, 8)"), .int(7))
        XCTAssertEqual(try eval("abs(-3)"), .int(3))
        XCTAssertEqual(try eval("abs(-2.5)"), .double(2.5))
        XCTAssertEqual(try eval("round(2.5)"), .double(3))
        XCTAssertEqual(try eval("round(-2.5)"), .double(-3))
        XCTAssertEqual(try eval("round(3.14159, 2)"), .double(3.14))
        XCTAssertEqual(try eval("round(1234, -2)"), .int(1200))
        XCTAssertEqual(try eval("floor(2.7)"), .double(2))
        XCTAssertEqual(try eval("ceil(2.1)"), .double(3))
        XCTAssertEqual(try eval("floor(5)"), .int(5))
        XCTAssertEqual(try eval("to_integer('42')"), .int(42))
        XCTAssertEqual(try eval("to_integer(3.0)"), .int(3))
        XCTAssertEqual(try eval("to_number('2.5')"), .double(2.5))
        XCTAssertEqual(try eval("to_string(price)"), .text("2.5"))
        XCTAssertEqual(try eval("to_boolean('yes')"), .bool(true))
        XCTAssertEqual(try eval("to_integer(note)"), .null)
        XCTAssertTrue(evalError("to_integer('abc')").contains("to_integer cannot convert 'abc' (string) to integer"))
        XCTAssertTrue(evalError("to_boolean(2)").contains("to_boolean cannot convert 2"))
    }

    func testReferencedNames() throws {
        let e = try Expression.parse("a + \"b c\" > $x AND upper(d) = $y")
        XCTAssertEqual(e.referencedFields, ["a", "b c", "d"])
        XCTAssertEqual(e.referencedVariables, ["x", "y"])
        XCTAssertEqual(e.source, "a + \"b c\" > $x AND upper(d) = $y")
    }

    func testBindErrors() {
        let unknown = bindError("pricee > 1")
        XCTAssertTrue(unknown.contains("unknown field 'pricee'"), unknown)
        XCTAssertTrue(unknown.contains("available fields: id, name, price, active, unit price, note"), unknown)
        XCTAssertTrue(unknown.contains("position 1"), unknown)
        XCTAssertTrue(bindError("Name = 'x'").contains("did you mean 'name'?"))
        let variable = bindError("id > $min", variables: ["max": .int(1)])
        XCTAssertTrue(variable.contains("unknown variable '$min'; defined variables: $max"), variable)
        let mismatch = bindError("name = 5")
        XCTAssertTrue(mismatch.contains("cannot compare field name (string) with 5 (integer)"), mismatch)
        XCTAssertTrue(bindError("name + 1").contains("operator + needs a number, but field name is string"))
        XCTAssertTrue(bindError("id AND TRUE").contains("AND needs TRUE/FALSE values, but field id is integer"))
        XCTAssertTrue(bindError("id LIKE 'x'").contains("LIKE needs text, but field id is integer"))
        XCTAssertTrue(bindError("name IN (1, 2)").contains("IN cannot compare"))
        XCTAssertTrue(bindError("frobnicate(id)").contains("unknown function 'frobnicate'"))
        XCTAssertTrue(bindError("substr('a')").contains("function substr takes 2 to 3 arguments, but 1 were given"))
        XCTAssertTrue(bindError("abs(name)").contains("abs needs a number, but field name is string"))
    }

    func testRuntimeErrors() {
        XCTAssertEqual(evalError("id / 0"), "division by zero (at position 4)")
        XCTAssertTrue(evalError("id % 0").hasPrefix("division by zero"))
        XCTAssertTrue(evalError("price / 0.0").hasPrefix("division by zero"))
        XCTAssertTrue(evalError("9223372036854775807 + id").contains("integer overflow"))
        XCTAssertTrue(evalError("id * 9223372036854775807").contains("integer overflow"))
        XCTAssertTrue(evalError("-9223372036854775807 - id").contains("integer overflow"))
        XCTAssertTrue(evalError("1e308 * 10 + price").contains("number overflow"))
        // A never-taken branch that would fail is not an error.
        XCTAssertEqual(try eval("CASE WHEN id > 0 THEN 1 ELSE 1 / 0 END"), .double(1))
    }

    func testSyntaxErrors() {
        func syntaxError(_ text: String) -> String {
            do { _ = try Expression.parse(text); return "no error" } catch { return error.message }
        }
        XCTAssertTrue(syntaxError("id >").contains("ends where a value was expected"))
        XCTAssertTrue(syntaxError("(id > 1").contains("expected ')'"))
        XCTAssertTrue(syntaxError("'abc").contains("string is not closed"))
        XCTAssertTrue(syntaxError("id ! 2").contains("unexpected character '!'"))
        XCTAssertTrue(syntaxError("id 2").contains("unexpected 2 after a complete expression"))
        XCTAssertTrue(syntaxError("99999999999999999999").contains("too large"))
        XCTAssertTrue(syntaxError("end = 1").contains("keyword END"))
        XCTAssertTrue(syntaxError("").contains("empty"))
        XCTAssertTrue(syntaxError("id IS 1").contains("expected NULL after IS"))
        XCTAssertEqual(syntaxError("\"end\" = 1"), "no error")
    }

    func testLimits() {
        func message(_ text: String) -> String {
            do { _ = try Expression.parse(text); return "no error" } catch { return error.message }
        }
        let deepParens = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        XCTAssertTrue(message(deepParens).contains("nests too deeply (the limit is 64 levels)"))
        let longChain = (0..<100).map(String.init).joined(separator: " + ")
        XCTAssertTrue(message(longChain).contains("nests too deeply"))
        let manyNots = String(repeating: "NOT ", count: 100) + "TRUE"
        XCTAssertTrue(message(manyNots).contains("nests too deeply"))
        XCTAssertTrue(message(String(repeating: "1+", count: 3000) + "1").contains("too long"))
        // A long flat OR list is not deep.
        let alternatives = (0..<200).map { "id = \($0)" }.joined(separator: " OR ")
        XCTAssertEqual(message(alternatives), "no error")
    }
}
