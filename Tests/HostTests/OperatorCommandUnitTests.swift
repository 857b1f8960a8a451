import XCTest
import JSON
import JSONSchema
@testable import Host

/// Console-ready operator commands (header section 7a): roles, the command line derived from an
/// input schema, and the view hints checked at load.
final class OperatorRoleTests: XCTestCase {
    func testRolesRankViewerBelowAdminBelowOwner() {
        XCTAssertLessThan(OperatorRole.viewer, .admin)
        XCTAssertLessThan(OperatorRole.admin, .owner)
        XCTAssertEqual(OperatorRole.allCases.sorted(), [.viewer, .admin, .owner])
    }

    func testAnOperatorSatisfiesItsOwnRoleAndEveryLowerOne() {
        let expected: [(OperatorRole, OperatorRole, Bool)] = [
            (.viewer, .viewer, true), (.viewer, .admin, false), (.viewer, .owner, false),
            (.admin, .viewer, true), (.admin, .admin, true), (.admin, .owner, false),
            (.owner, .viewer, true), (.owner, .admin, true), (.owner, .owner, true),
        ]
        for (role, required, allowed) in expected {
            XCTAssertEqual(role.satisfies(required), allowed, "\(role) running a command that requires \(required)")
        }
    }

    func testTheCommandLineIsTheOwnerAndCommandsDefaultToAdmin() {
        XCTAssertEqual(OperatorRole.commandLine, .owner)
        XCTAssertEqual(OperatorRole.defaultRequired, .admin)
        XCTAssertNil(OperatorRole(rawValue: "root"))
    }
}

final class SchemaCommandLineTests: XCTestCase {
    private let schema: JSONValue = try! JSONParser.parse("""
        {"type":"object","x-positional":["id"],"required":["id"],"additionalProperties":false,
         "properties":{"id":{"type":"string","description":"the id"},"count":{"type":"integer","minimum":1},
         "ratio":{"type":"number"},"verbose":{"type":"boolean"},"tags":{"type":"array","items":{"type":"string"}},
         "sizes":{"type":"array","items":{"type":"integer"}},"mode":{"type":"string","enum":["fast","slow"]},
         "note":{"type":["string","null"]}}}
        """)

    private func parse(_ words: String...) throws -> JSONObject {
        try SchemaCommandLine(schema: schema).parse(words[...])
    }

    private func usageError(_ words: String...) -> String? {
        do {
            _ = try SchemaCommandLine(schema: schema).parse(words[...])
            return nil
        } catch {
            return error.description
        }
    }

    func testOptionsAreTypedByTheSchemaAndOperandsFillXPositional() throws {
        // Options in the order given, then the operands.
        let object = try parse("kn_1", "--count", "3", "--ratio=2.5", "--verbose", "--tags", "a,b", "--tags", "c",
                               "--sizes", "1,2", "--mode", "slow", "--note", "hi")
        XCTAssertEqual(JSONValue.object(object), try JSONParser.parse("""
            {"count":3,"ratio":2.5,"verbose":true,"tags":["a","b","c"],"sizes":[1,2],"mode":"slow","note":"hi","id":"kn_1"}
            """))
    }

    func testAFlagNeverTakesTheNextWordAndCanBeFalse() throws {
        XCTAssertEqual(JSONValue.object(try parse("--verbose", "kn_1")), ["verbose": true, "id": "kn_1"])
        XCTAssertEqual(JSONValue.object(try parse("--verbose=false", "kn_1")), ["verbose": false, "id": "kn_1"])
        XCTAssertEqual(usageError("kn_1", "--verbose=yes"), "--verbose is a flag: give it alone, or as --verbose=true|false")
    }

    func testWordsOfTheWrongTypeAreUsageErrorsNamingTheOption() {
        XCTAssertEqual(usageError("x", "--count", "three"), "--count takes an integer, not \"three\"")
        XCTAssertEqual(usageError("x", "--count", "1.5"), "--count takes an integer, not \"1.5\"")
        XCTAssertEqual(usageError("x", "--ratio", "half"), "--ratio takes a number, not \"half\"")
        XCTAssertEqual(usageError("x", "--sizes", "1,x"), "--sizes takes an integer, not \"x\"")
        XCTAssertEqual(usageError("x", "--count"), "--count needs a value")
        XCTAssertEqual(usageError("x", "--count", "1", "--count", "2"), "--count given twice")
    }

    func testUnknownOptionsAndSurplusWordsAreRefused() {
        XCTAssertEqual(usageError("x", "--bogus", "1"),
                       "unknown option --bogus (known: --count, --ratio, --verbose, --tags, --sizes, --mode, --note)")
        XCTAssertEqual(usageError("x", "y"), "unexpected word \"y\": this command takes ID")
        // An x-positional property is an operand, not an option.
        XCTAssertNotNil(usageError("--id", "x"))
    }

    func testEverythingAfterADoubleDashIsAnOperand() throws {
        XCTAssertEqual(JSONValue.object(try parse("--", "--looks-like-an-option")), ["id": "--looks-like-an-option"])
    }

    func testValidationFailuresAreWordedAsOptions() throws {
        let line = SchemaCommandLine(schema: schema)
        let validator = try CompiledSchema.compile(schema)
        let missing = validator.validate(.object(JSONObject())).map(line.describe)
        XCTAssertEqual(missing, ["ID is required"])
        let tooSmall = validator.validate(.object(try line.parse(["x", "--count", "0"]))).map(line.describe)
        XCTAssertEqual(tooSmall, ["--count: must be >= 1"])
        let notInEnum = validator.validate(.object(try line.parse(["x", "--mode", "medium"]))).map(line.describe)
        XCTAssertEqual(notInEnum, ["--mode: must be one of: \"fast\", \"slow\""])
    }

    func testHelpShowsOperandsAndTypedOptions() {
        let line = SchemaCommandLine(schema: schema)
        XCTAssertEqual(line.operands, "ID")
        XCTAssertEqual(line.optionSpecs.map(\.label), ["--count N", "--ratio NUMBER", "--verbose", "--tags A,B…", "--sizes A,B…",
                                                       "--mode fast|slow", "--note NOTE"])
    }

    func testNoSchemaMeansNoArguments() throws {
        let line = SchemaCommandLine(schema: nil)
        XCTAssertEqual(try line.parse([]), JSONObject())
        XCTAssertThrowsError(try line.parse(["x"]))
        XCTAssertThrowsError(try line.parse(["--x", "1"]))
    }

    func testSchemasThatCannotMakeACommandLineAreRefused() throws {
        func problem(_ text: String) throws -> String? { SchemaCommandLine.problem(in: try JSONParser.parse(text)) }
        XCTAssertNil(try problem(#"{"type":"object","x-positional":["id"],"properties":{"id":{"type":"string"}}}"#))
        XCTAssertEqual(try problem(#"{"type":"object","x-positional":["nope"],"properties":{}}"#),
                       "\"x-positional\" names \"nope\", which is not a property")
        XCTAssertEqual(try problem(#"{"type":"object","x-positional":"id","properties":{"id":{}}}"#),
                       "\"x-positional\" must be an array of property names")
        XCTAssertEqual(try problem(#"{"type":"object","x-positional":["f"],"properties":{"f":{"type":"boolean"}}}"#),
                       "\"x-positional\" names \"f\", a boolean (a flag cannot be positional)")
        XCTAssertEqual(try problem(#"{"type":"object","x-positional":["a","b"],"properties":{"a":{"type":"array"},"b":{}}}"#),
                       "\"x-positional\": only the last may be an array")
        XCTAssertEqual(try problem(#"{"type":"object","properties":{"tenant":{"type":"string"}}}"#),
                       "property \"tenant\" collides with the host's own --tenant option")
    }

    func testTheSchemaCompilerIgnoresXPositional() throws {
        XCTAssertNoThrow(try CompiledSchema.compile(schema))
    }
}

final class OperatorViewTests: XCTestCase {
    private func parse(_ text: String) throws -> Result<OperatorView, DefinitionProblem> {
        OperatorView.parse(try JSONParser.parse(text))
    }

    private func problem(_ text: String) throws -> String? {
        if case .failure(let problem) = try parse(text) { return problem.description }
        return nil
    }

    func testTheThreeKindsParse() throws {
        XCTAssertEqual(try parse(#"{"kind":"text"}"#).get().kind, .text)
        XCTAssertEqual(try parse(#"{"kind":"record"}"#).get().kind, .record)
        let table = try parse("""
            {"kind":"table","rows":"/items","columns":[{"key":"id","title":"ID"},{"key":"name"}],
             "row_actions":[{"command":"promote","label":"Promote","args":{"id":"{id}"}},{"command":"hide"}]}
            """).get()
        XCTAssertEqual(table.kind, .table)
        XCTAssertEqual(table.actionCommands, ["promote", "hide"])
        XCTAssertNil(table.unknownAction(groupCommands: ["list", "promote", "hide"]))
        XCTAssertEqual(table.unknownAction(groupCommands: ["list", "promote"]),
                       "row action names command \"hide\", which its group does not register")
    }

    func testMalformedViewsAreRefusedWithTheReason() throws {
        XCTAssertEqual(try problem(#"[]"#), "view_json must be a JSON object")
        XCTAssertEqual(try problem(#"{"kind":"chart"}"#), "view kind must be one of text, record, table")
        XCTAssertEqual(try problem(#"{"kind":"text","columns":[]}"#), "a text view has no member \"columns\"")
        XCTAssertEqual(try problem(#"{"kind":"table","columns":[{"key":"id"}]}"#),
                       "a table view needs \"rows\", a JSON Pointer to the array in data (\"\" for data itself)")
        XCTAssertEqual(try problem(#"{"kind":"table","rows":"items","columns":[{"key":"id"}]}"#),
                       "table \"rows\" must be a JSON Pointer string: \"\" or starting with \"/\"")
        XCTAssertEqual(try problem(#"{"kind":"table","rows":"","columns":[]}"#), "a table view needs \"columns\", a non-empty array")
        XCTAssertEqual(try problem(#"{"kind":"table","rows":"","columns":[{"title":"ID"}]}"#),
                       "table column 0 needs a non-empty string \"key\"")
        XCTAssertEqual(try problem(#"{"kind":"table","rows":"","columns":[{"key":"id","width":3}]}"#),
                       "table column \"id\" has no member \"width\"")
        XCTAssertEqual(try problem(#"{"kind":"table","rows":"","columns":[{"key":"id"}],"row_actions":[{"label":"x"}]}"#),
                       "row action 0 needs a string \"command\"")
        XCTAssertEqual(try problem(#"{"kind":"table","rows":"","columns":[{"key":"id"}],"row_actions":[{"command":"x","args":[]}]}"#),
                       "row action \"x\": \"args\" must be an object")
    }
}
