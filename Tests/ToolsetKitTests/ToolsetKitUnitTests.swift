import JSON
@testable import ToolsetKit
import XCTest

/// In-process checks of the kit's pure parts (schemas, argument getters, definition validation).
final class ToolsetKitUnitTests: XCTestCase {
    func testSchemaBuilder() {
        let schema = Schema.object(
            properties: [
                "id": .string(description: "The id", minLength: 1),
                "limit": .integer(minimum: 1, maximum: 100),
                "status": .string(enum: ["a", "b"]),
            ],
            required: ["id"])
        XCTAssertEqual(schema.json.jsonString,
                       #"{"type":"object","properties":{"id":{"type":"string","description":"The id","minLength":1},"limit":{"type":"integer","minimum":1,"maximum":100},"status":{"type":"string","enum":["a","b"]}},"required":["id"],"additionalProperties":false}"#)
        XCTAssertEqual(Schema.string().orNull.json, ["type": ["string", "null"]])
        XCTAssertEqual(Schema.object().json, ["type": "object", "properties": [:], "additionalProperties": false])
    }

    func testArgumentGetters() throws {
        let args = ToolArguments((["start": 5, "name": "Ada", "flag": true, "n": 3, "gone": nil, "list": [1]] as JSONValue).objectValue!)
        XCTAssertEqual(try args.string("name"), "Ada")
        XCTAssertThrowsError(try args.string("start")) { XCTAssertEqual(($0 as? ToolError)?.message, "\"start\" must be a string") }
        XCTAssertThrowsError(try args.string("missing")) { XCTAssertEqual(($0 as? ToolError)?.message, "\"missing\" is required") }
        XCTAssertThrowsError(try args.int("gone")) { XCTAssertEqual(($0 as? ToolError)?.message, "\"gone\" is required") }
        XCTAssertNil(try args.optionalString("gone"))
        XCTAssertEqual(try args.int("n"), 3)
        XCTAssertEqual(try args.optionalBool("flag"), true)
        XCTAssertThrowsError(try args.bool("name")) { XCTAssertEqual(($0 as? ToolError)?.message, "\"name\" must be a boolean") }
        XCTAssertEqual(try args.array("list"), [1])
        XCTAssertThrowsError(try args.object("list")) { XCTAssertEqual(($0 as? ToolError)?.message, "\"list\" must be an object") }
    }

    func testDefinitionValidation() {
        let tool = Tool(name: "bad name!", description: "x", input: .string()) { _ in .text("") }
        let plugin = PluginDefinition(name: "Bad", version: "1", description: "",
                                      toolsets: [Toolset(name: "t", description: "", tools: [tool, tool])])
        let problems = plugin.validationProblems()
        XCTAssertTrue(problems.contains("plugin name \"Bad\" must match [a-z0-9_-]{1,32}"), "\(problems)")
        XCTAssertTrue(problems.contains("tool \"bad name!\" is defined twice in toolset \"t\""), "\(problems)")
        XCTAssertTrue(problems.contains("tool \"bad name!\": input schema root type must be \"object\""), "\(problems)")
    }
}

final class CallToolResultEncodingTests: XCTestCase {
    /// The text copy is written from the same serialized bytes as structuredContent: byte for byte
    /// what the general path (an explicit text equal to the JSON) writes, escapes included.
    func testStructuredResultWritesTheSameBytesAsAnExplicitTextCopy() throws {
        let json: JSONValue = ["title": "Quote \" backslash \\ newline \n tab \t unicode é 😀", "n": 3, "list": [1, nil, true],
                               "nested": ["empty": [:], "s": "\u{01}"]]
        let fast = ToolResult.structured(json).callToolResultBytes
        let general = ToolResult.structured(json, text: json.jsonString).callToolResultBytes
        XCTAssertEqual(fast, general)
        let parsed = try JSONParser.parse(fast)
        XCTAssertEqual(parsed["content"]?.arrayValue?.first?["text"]?.stringValue, json.jsonString)
        XCTAssertEqual(parsed["structuredContent"], json)
    }

    /// Extra blocks follow the text block, in order; optional resource_link fields are left out when nil.
    func testStructuredResultWithContentBlocks() throws {
        let json: JSONValue = ["url": "https://h/x"]
        let bytes = ToolResult.structured(json, text: "Here", content: [
            .resourceLink(uri: "https://h/x", name: "a.pdf", mimeType: "application/pdf", size: 7), .text("more"),
        ]).callToolResultBytes
        let parsed = try JSONParser.parse(bytes)
        XCTAssertEqual(parsed["content"], [["type": "text", "text": "Here"],
                                           ["type": "resource_link", "uri": "https://h/x", "name": "a.pdf", "mimeType": "application/pdf", "size": 7],
                                           ["type": "text", "text": "more"]])
        XCTAssertEqual(parsed["structuredContent"], json)
        XCTAssertEqual(parsed["isError"], false)
    }
}
