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

    /// A helpdesk like the real one: scopes named with a qualifier (`conversations:read`).
    private func qualifiedHelpdesk() throws -> RegisteredToolset {
        let qualified = RegisteredToolset(name: "helpdesk", title: "Helpdesk", description: "", minPlan: nil, restrictionKeys: [:],
                                          call: { _, _, _, _, _, _ in TH_OK }, release: { _, _ in }, toolsetData: nil, plugin: plugin)
        helpdesk = qualified
        for (name, readOnly) in [("list_conversations", true), ("mark_read", false), ("reply_to_conversation", false), ("create_draft", false)] {
            qualified.add(try tool(name, readOnly: readOnly))
        }
        for (name, tools) in [("conversations:read", ["list_conversations", "mark_read"]), ("conversations:reply", ["reply_to_conversation"]),
                              ("drafts:write", ["create_draft"])] {
            qualified.add(RegisteredScope(name: name, title: name, description: "d", tools: tools, grant: "helpdesk." + name))
        }
        plugin.toolsets = [qualified]
        return qualified
    }

    func testAQualifiedGrantHasBothReadingsLiteralFirst() {
        XCTAssertEqual(ScopeGrant("helpdesk.conversations:read").readings, [
            ScopeGrant(toolset: "helpdesk", scope: "conversations:read", readOnly: false),
            ScopeGrant(toolset: "helpdesk", scope: "conversations", readOnly: true),
        ])
        XCTAssertEqual(ScopeGrant("helpdesk.drafts:write"), ScopeGrant(toolset: "helpdesk", scope: "drafts:write", readOnly: false))
        XCTAssertEqual(ScopeGrant("helpdesk.drafts:write").readings.count, 1)
        XCTAssertEqual(ScopeGrant("helpdesk:read").readings.count, 1, "a whole toolset has no qualified scope reading")
    }

    func testTheLiteralReadingWinsWhereTheScopeIsDeclared() throws {
        let qualified = try qualifiedHelpdesk()
        XCTAssertEqual(ScopeGrant("helpdesk.conversations:read").declared(in: qualified)?.reading.readOnly, false)
        XCTAssertEqual(ScopeGrant("helpdesk.drafts:write:read").declared(in: qualified)?.scope.name, "drafts:write")
        XCTAssertEqual(ScopeGrant("helpdesk.drafts:write:read").declared(in: qualified)?.reading.readOnly, true)
        XCTAssertNil(ScopeGrant("helpdesk.conversations").declared(in: qualified))
    }

    func testAQualifiedScopeGrantsItsToolsWithWritesUnlessTheTokenIsReadOnly() throws {
        _ = try qualifiedHelpdesk()
        XCTAssertEqual(access(["helpdesk.conversations:read"]),
                       ["list_conversations": .write, "mark_read": .write, "reply_to_conversation": .none, "create_draft": .none])
        XCTAssertEqual(access(["helpdesk.conversations:read"], readOnly: true)["mark_read"], .read)
        XCTAssertEqual(access(["helpdesk.drafts:write"])["create_draft"], .write)
        XCTAssertEqual(access(["helpdesk.drafts:write"], readOnly: true)["create_draft"], .read)
        XCTAssertEqual(access(["helpdesk.drafts:write:read"])["create_draft"], .read)
        XCTAssertEqual(TokenGrants(scopes: ["helpdesk.drafts:write"], readOnly: true, tools: nil).effectiveScopesJSON, #"["helpdesk.drafts:write:read"]"#)
    }

    func testDenialOfAQualifiedScopeNamesTheGrantsAsGiven() throws {
        let qualified = try qualifiedHelpdesk()
        let reply = try XCTUnwrap(qualified.toolsByName["reply_to_conversation"])
        let grants = TokenGrants(scopes: ["helpdesk.drafts:write", "helpdesk.conversations:read"], readOnly: false, tools: nil)
        let caller = grants.granted(in: "helpdesk")
        XCTAssertEqual(Denial.scopeMissing(tool: reply, has: caller).message,
                       "Token lacks scope helpdesk.conversations:reply for tool reply_to_conversation (has helpdesk.drafts:write, helpdesk.conversations:read)")
        XCTAssertEqual(grants.access(to: reply), TokenGrants.Access.none)
    }

    func testTokenCreateAcceptsQualifiedScopesAndTheReadOnlyFormOfThem() throws {
        _ = try qualifiedHelpdesk()
        let registry = PluginRegistry()
        registry.add(plugin)
        XCTAssertNoThrow(try TokenCommands.validate(.init(toolsets: ["helpdesk.drafts:write", "helpdesk.conversations:read", "helpdesk.drafts:write:read"]),
                                                    registry: registry))
        XCTAssertThrowsError(try TokenCommands.validate(.init(toolsets: ["helpdesk.conversations"]), registry: registry)) { error in
            XCTAssertTrue("\(error)".contains(#"unknown scope "helpdesk.conversations" (toolset helpdesk declares: helpdesk.conversations:read, "#), "\(error)")
        }
        XCTAssertThrowsError(try TokenCommands.validate(.init(toolsets: ["helpdesk.drafts:read"]), registry: registry))
    }

    func testScopeNamesMayCarryOneQualifier() {
        for good in ["drafts", "conversations:read", "outbound:write", "a:" + String(repeating: "q", count: 16)] {
            XCTAssertTrue(ScopeDefinitions.isValidName(good), good)
        }
        for bad in ["", "a:b:c", "a:", ":read", "Things:read", "things:Read", "a:" + String(repeating: "q", count: 17), "a.b"] {
            XCTAssertFalse(ScopeDefinitions.isValidName(bad), bad)
        }
    }

    func testOAuthOffersReadFormsOnlyOfUnqualifiedScopes() throws {
        let qualified = try qualifiedHelpdesk()
        qualified.add(RegisteredScope(name: "notes", title: "Notes", description: "n", tools: ["create_draft"], grant: "helpdesk.notes"))
        XCTAssertEqual(AuthorizationServer.scopes([qualified]), [
            "helpdesk", "helpdesk:read", "helpdesk.conversations:read", "helpdesk.conversations:reply", "helpdesk.drafts:write",
            "helpdesk.notes", "helpdesk.notes:read",
        ])
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
