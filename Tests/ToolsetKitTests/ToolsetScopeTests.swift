import PluginABI
@testable import ToolsetKit
import XCTest

/// Toolset-defined scopes through ToolsetKit (header section 9): checked before the host sees
/// them, and handed over as th_scope_def with NULL-terminated tool lists.
final class ToolsetScopeTests: XCTestCase {
    private let tools = ["list_drafts", "send_reply"].map { name in Tool(name: name, description: name) { _ in .text("") } }

    func testValidationFindsWhatTheHostWouldRefuse() {
        let toolset = Toolset(name: "helpdesk", description: "", tools: tools, scopes: [
            ToolsetScope(name: "drafts", description: "Draft", tools: ["list_drafts", "nope"]),
            ToolsetScope(name: "Bad", description: "", tools: []),
            ToolsetScope(name: "drafts", description: "Again", tools: ["send_reply", "send_reply"]),
        ])
        let problems = PluginDefinition(name: "p", version: "1", description: "", toolsets: [toolset]).validationProblems()
        XCTAssertEqual(problems, [
            #"scope "drafts" of toolset "helpdesk" names unknown tool "nope""#,
            #"scope "Bad" of toolset "helpdesk": name must match [a-z0-9_-]{1,32}, optionally followed by one :[a-z0-9_-]{1,16}"#,
            #"scope "Bad" of toolset "helpdesk" has no description"#,
            #"scope "Bad" of toolset "helpdesk" names no tools"#,
            #"scope "drafts" of toolset "helpdesk" names a tool twice"#,
            #"scope "drafts" is defined twice in toolset "helpdesk""#,
        ])
    }

    func testNamesMayCarryOneQualifier() {
        for good in ["drafts", "conversations:read", "drafts:write", "a:" + String(repeating: "q", count: 16)] {
            XCTAssertTrue(ToolsetScope.isValidName(good), good)
        }
        for bad in ["a:b:c", "a:", ":read", "Things:read", "things:Read", "a:" + String(repeating: "q", count: 17), "a.b:read"] {
            XCTAssertFalse(ToolsetScope.isValidName(bad), bad)
        }
    }

    func testAScopeAndItsReadTwinAreRefusedNamingBoth() {
        let toolset = Toolset(name: "helpdesk", description: "", tools: tools, scopes: [
            ToolsetScope(name: "conversations:read", description: "Read", tools: ["list_drafts"]),
            ToolsetScope(name: "conversations", description: "All", tools: ["send_reply"]),
            ToolsetScope(name: "drafts:write", description: "Write", tools: ["send_reply"]),
        ])
        XCTAssertEqual(PluginDefinition(name: "p", version: "1", description: "", toolsets: [toolset]).validationProblems(), [
            #"scope "conversations" of toolset "helpdesk": toolset also declares "conversations:read", so the grant "helpdesk.conversations:read" would mean either"#,
        ])
    }

    func testScopesBecomeSizedDefinitionsWithTerminatedToolLists() throws {
        let scopes = [ToolsetScope(name: "drafts", title: "Drafts", description: "Draft replies", tools: ["list_drafts", "send_reply"])]
        let definitions = try XCTUnwrap(Registrar.scopeDefinitions(scopes))
        let def = definitions.pointee
        XCTAssertEqual(Int(def.struct_size), MemoryLayout<th_scope_def>.stride)
        XCTAssertEqual(String(cString: def.name), "drafts")
        XCTAssertEqual(def.title.map { String(cString: $0) }, "Drafts")
        let names = try XCTUnwrap(def.tools)
        XCTAssertEqual(String(cString: names[0]!), "list_drafts")
        XCTAssertEqual(String(cString: names[1]!), "send_reply")
        XCTAssertNil(names[2])
        XCTAssertNil(Registrar.scopeDefinitions([]), "no scopes: NULL, as a 1.1 plugin would leave it")
    }
}
