import XCTest
import JSON
import JSONSchema
import PluginABI
@testable import Host

/// Toolset-defined scopes (header section 9) as layer 2 sees them: grant strings, the access a
/// token's grants give a tool, the denial text, and `token create`'s validation.
final class ScopeGrantUnitTests: XCTestCase {
    private var plugin: LoadedPlugin!
    private var helpdesk: RegisteredToolset!

    override func setUpWithError() throws {
        plugin = LoadedPlugin(name: "fixture", version: "1", description: "", file: "fixture.so", abiMinor: 2)
        helpdesk = RegisteredToolset(name: "helpdesk", title: "Helpdesk", description: "", minPlan: nil, restrictionKeys: [:],
                                     call: { _, _, _, _, _, _ in TH_OK }, release: { _, _ in }, toolsetData: nil, plugin: plugin)
        for (name, readOnly) in [("list_drafts", true), ("create_draft_reply", false), ("send_reply", false), ("close_ticket", false)] {
            helpdesk.add(try tool(name, readOnly: readOnly))
        }
        helpdesk.add(RegisteredScope(name: "drafts", title: "Drafts", description: "d", tools: ["list_drafts", "create_draft_reply"], grant: "helpdesk.drafts"))
        helpdesk.add(RegisteredScope(name: "send", title: "Send", description: "s", tools: ["send_reply"], grant: "helpdesk.send"))
        plugin.toolsets = [helpdesk]
    }

    private func tool(_ name: String, readOnly: Bool) throws -> RegisteredTool {
        let schema: JSONValue = ["type": "object"]
        let hints = UInt32(TH_HINT_READ_ONLY)
        return RegisteredTool(name: name, title: nil, description: name, inputSchema: schema, outputSchema: nil,
                              inputValidator: try CompiledSchema.compile(schema), outputValidator: nil,
                              annotations: ToolAnnotations(set: hints, values: readOnly ? hints : 0), minPlan: nil, toolset: helpdesk)
    }

    private func access(_ scopes: [String], readOnly: Bool = false) -> [String: TokenGrants.Access] {
        let grants = TokenGrants(scopes: scopes, readOnly: readOnly, tools: nil)
        return Dictionary(uniqueKeysWithValues: helpdesk.tools.map { ($0.name, grants.access(to: $0)) })
    }

    func testGrantStringsSplitIntoToolsetScopeAndReadOnly() {
        XCTAssertEqual(ScopeGrant("helpdesk"), ScopeGrant(toolset: "helpdesk", scope: nil, readOnly: false))
        XCTAssertEqual(ScopeGrant("helpdesk:read"), ScopeGrant(toolset: "helpdesk", scope: nil, readOnly: true))
        XCTAssertEqual(ScopeGrant("helpdesk.drafts:read"), ScopeGrant(toolset: "helpdesk", scope: "drafts", readOnly: true))
        XCTAssertEqual(ScopeGrant("helpdesk.drafts").target, "helpdesk.drafts")
        XCTAssertEqual(TokenGrants.toolset(of: "helpdesk.drafts:read"), "helpdesk")
    }

    func testToolsRegisteredUnderScopesKnowTheirGrants() {
        XCTAssertEqual(helpdesk.toolsByName["list_drafts"]?.grantingScopes, ["helpdesk.drafts"])
        XCTAssertEqual(helpdesk.toolsByName["close_ticket"]?.grantingScopes, [])
    }

    func testAScopeReachesOnlyItsTools() {
        XCTAssertEqual(access(["helpdesk.drafts"]), ["list_drafts": .write, "create_draft_reply": .write, "send_reply": .none, "close_ticket": .none])
        XCTAssertTrue(TokenGrants(scopes: ["helpdesk.drafts"], readOnly: false, tools: nil).covers("helpdesk"))
    }

    func testScopesAddUpAndTheWholeToolsetWins() {
        XCTAssertEqual(access(["helpdesk.drafts", "helpdesk.send"])["send_reply"], .write)
        XCTAssertEqual(access(["helpdesk.drafts", "helpdesk.send"])["close_ticket"], TokenGrants.Access.none)
        XCTAssertEqual(Set(access(["helpdesk.send", "helpdesk"]).values), [.write])
    }

    func testReadOnlyFormsAndReadOnlyTokens() {
        XCTAssertEqual(access(["helpdesk.drafts:read"])["create_draft_reply"], .read)
        XCTAssertEqual(access(["helpdesk.drafts"], readOnly: true)["create_draft_reply"], .read)
        XCTAssertEqual(access(["helpdesk:read", "helpdesk.send"]), ["list_drafts": .read, "create_draft_reply": .read, "send_reply": .write, "close_ticket": .read])
        XCTAssertEqual(TokenGrants(scopes: ["helpdesk.drafts"], readOnly: true, tools: nil).effectiveScopesJSON, #"["helpdesk.drafts:read"]"#)
    }

    func testDenialNamesTheMissingScopeAndWhatTheTokenHas() throws {
        let send = try XCTUnwrap(helpdesk.toolsByName["send_reply"])
        let denial = Denial.scopeMissing(tool: send, has: ["helpdesk.drafts"])
        XCTAssertEqual(denial.message, "Token lacks scope helpdesk.send for tool send_reply (has helpdesk.drafts)")
        XCTAssertEqual(denial.layer, .scope)
        XCTAssertEqual(denial.errorData["required_scopes"], ["helpdesk.send", "helpdesk"])
        let close = try XCTUnwrap(helpdesk.toolsByName["close_ticket"])
        XCTAssertEqual(Denial.scopeMissing(tool: close, has: ["helpdesk.drafts"]).message,
                       "Token lacks scope helpdesk for tool close_ticket (has helpdesk.drafts)")
    }

    func testTokenCreateValidatesDeclaredScopes() {
        let registry = PluginRegistry()
        registry.add(plugin)
        XCTAssertNoThrow(try TokenCommands.validate(.init(toolsets: ["helpdesk.drafts", "helpdesk.send:read"]), registry: registry))
        XCTAssertThrowsError(try TokenCommands.validate(.init(toolsets: ["helpdesk.nope"]), registry: registry)) { error in
            XCTAssertEqual("\(error)".contains(#"unknown scope "helpdesk.nope" (toolset helpdesk declares: helpdesk.drafts, helpdesk.send)"#), true, "\(error)")
        }
        XCTAssertThrowsError(try TokenCommands.validate(.init(toolsets: ["nope.drafts"]), registry: registry))
    }
}
