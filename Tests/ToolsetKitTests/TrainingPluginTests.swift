import Foundation
import JSON
import PluginABI
import SQLite
import XCTest

/// Loads the built libToolhostTraining.so from disk (the test target does not link the plugin) and
/// drives its tools and its ABI 1.1 operator commands the way the host does.
final class TrainingPluginTests: XCTestCase {
    var host: TestHost!
    var database: Database!
    var databasePath: String!

    static var libraryPath: String { TestHost.productsDirectory() + "/libToolhostTraining.so" }

    override func setUpWithError() throws {
        try start(config: "{}")
    }

    func start(config: String, operatorCommands: Bool = true) throws {
        if let databasePath { cleanUp(databasePath) }
        host = TestHost()
        host.setConfiguration(config)
        host.offersOperatorCommands = operatorCommands
        let info = try TestHost.entry(path: Self.libraryPath)
        XCTAssertEqual(host.initialize(info), TH_OK, host.initError ?? "")
        (database, databasePath) = try migratedDatabase(host)
    }

    func cleanUp(_ path: String) {
        database = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    override func tearDownWithError() throws {
        if let databasePath { cleanUp(databasePath) }
    }

    @discardableResult
    func call(_ toolset: String, _ tool: String, _ arguments: JSONValue, file: StaticString = #filePath, line: UInt = #line) -> TestHost.CallOutcome {
        let outcome = host.call(toolset, tool, arguments, database: database, tokenName: "crm-sync")
        XCTAssertEqual(outcome.status, TH_OK, "\(tool) failed: \(outcome.message ?? "")", file: file, line: line)
        return outcome
    }

    func push(_ title: String, _ content: String, category: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        var args: JSONObject = ["title": .string(title), "content": .string(content)]
        if let category { args["category"] = .string(category) }
        let outcome = call("training", "add_training_item", .object(args), file: file, line: line)
        XCTAssertFalse(outcome.isError, outcome.text, file: file, line: line)
        return outcome.structured["id"]?.stringValue ?? ""
    }

    func search(_ query: String, _ extra: JSONObject = JSONObject()) -> TestHost.CallOutcome {
        var args = extra
        args["query"] = .string(query)
        return call("knowledge", "search_knowledge", .object(args))
    }

    func searchIDs(_ query: String) -> [String] {
        (search(query).structured["results"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }

    @discardableResult
    func operate(_ name: String, _ positional: [String] = [], _ options: JSONObject = JSONObject(),
                 file: StaticString = #filePath, line: UInt = #line) -> JSONValue {
        let (status, result, message) = host.runOperator("knowledge", name, positional: positional, options: options, database: database)
        XCTAssertEqual(status, TH_OK, message ?? "", file: file, line: line)
        return result ?? .null
    }

    func visibility(_ id: String) throws -> String? {
        try database.queryOne("SELECT visibility FROM knowledge_items WHERE id = ?", [.text(id)]) { $0.string(0) }
    }

    // MARK: - Registration

    func testRegistersTwoToolsetsWithExactNamesPlansAndAnnotations() throws {
        XCTAssertEqual(host.toolsets.map(\.name), ["knowledge", "training"])
        let knowledge = try XCTUnwrap(host.toolset("knowledge"))
        let training = try XCTUnwrap(host.toolset("training"))
        XCTAssertEqual(knowledge.minPlan, "starter")
        XCTAssertEqual(training.minPlan, "growth")
        XCTAssertEqual(knowledge.tools.map(\.name), ["search_knowledge", "list_categories"])
        XCTAssertEqual(training.tools.map(\.name), ["add_training_item", "update_training_item", "archive_training_item", "list_training_drafts"])
        let readOnly = UInt32(TH_HINT_READ_ONLY)
        for tool in knowledge.tools + training.tools {
            XCTAssertNotNil(tool.outputSchema, "\(tool.name) declares no outputSchema")
            XCTAssertTrue(tool.annotationsSet & readOnly != 0, "\(tool.name) does not state readOnlyHint")
            let isReadOnly = tool.annotations & readOnly != 0
            XCTAssertEqual(isReadOnly, ["search_knowledge", "list_categories", "list_training_drafts"].contains(tool.name), tool.name)
        }
        let search = try XCTUnwrap(knowledge.tools.first { $0.name == "search_knowledge" })
        XCTAssertEqual(Set(search.inputSchema["properties"]?.objectValue?.keys ?? []), ["query", "category", "limit", "cursor"])
        let add = try XCTUnwrap(training.tools.first { $0.name == "add_training_item" })
        XCTAssertEqual(Set(add.inputSchema["properties"]?.objectValue?.keys ?? []), ["title", "content", "summary", "category"])
        XCTAssertEqual(Set(host.operatorCommands.map(\.name)), ["list", "show", "promote", "hide", "delete", "add"])
        XCTAssertTrue(host.operatorCommands.allSatisfy { $0.group == "knowledge" })
    }

    func testReviewCommandsAreConsoleReady() throws {
        let commands = Dictionary(uniqueKeysWithValues: host.operatorCommands.map { ($0.name, $0) })
        let consoles = try commands.mapValues { try XCTUnwrap($0.console, "\($0.name) is not a 1.2 registration") }
        XCTAssertTrue(consoles.values.allSatisfy { $0.toolset == "knowledge" && $0.title?.isEmpty == false })
        let list = try XCTUnwrap(consoles["list"])
        XCTAssertEqual(list.role, "viewer")
        XCTAssertEqual(list.view?["kind"], "table")
        XCTAssertEqual(list.view?["row_actions"]?.arrayValue?.compactMap { $0["command"]?.stringValue }, ["promote", "hide", "delete"])
        let destructive = UInt32(TH_HINT_DESTRUCTIVE)
        for (name, console) in consoles {
            XCTAssertEqual(console.annotations & destructive != 0, name == "delete", name)
        }
        for name in ["show", "promote", "hide", "delete"] {
            XCTAssertEqual(consoles[name]?.input?["x-positional"], ["id"], name)
        }
        XCTAssertEqual(consoles["delete"]?.role, "admin")
    }

    func testDegradesOnAHostWithoutOperatorCommands() throws {
        try start(config: "{}", operatorCommands: false)
        XCTAssertEqual(host.toolsets.map(\.name), ["knowledge", "training"])
        XCTAssertTrue(host.operatorCommands.isEmpty)
        XCTAssertTrue(host.logs.contains { $0.contains("ABI 1.1") }, host.logs.joined(separator: "\n"))
    }

    // MARK: - Drafts and live items

    func testPushedItemIsAnExternalSystemSuggestedDraftInvisibleToSearch() throws {
        let outcome = call("training", "add_training_item", ["title": "Opening hours", "content": "We open at nine o'clock sharp.",
                                                             "summary": "Hours", "category": "Store"])
        XCTAssertFalse(outcome.isError, outcome.text)
        let item = outcome.structured
        let id = try XCTUnwrap(item["id"]?.stringValue)
        XCTAssertTrue(id.hasPrefix("kn_"))
        XCTAssertEqual(item["visibility"], "draft")
        XCTAssertEqual(item["source"], "external")
        XCTAssertEqual(item["source_label"], "Pushed by an external tool")
        XCTAssertEqual(item["system_suggested"], true)
        XCTAssertEqual(item["pushed_by_token_id"], "tok_123")
        XCTAssertEqual(item["pushed_by_token_name"], "crm-sync")
        XCTAssertEqual(searchIDs("opening hours nine"), [])
        XCTAssertEqual(call("knowledge", "list_categories", [:]).structured["total_live_items"], 0)
        let drafts = call("training", "list_training_drafts", [:]).structured
        XCTAssertEqual(drafts["drafts"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [id])
        XCTAssertEqual(drafts["pending"], 1)
        XCTAssertEqual(host.takeEvents().map(\.kind), ["knowledge.visibility_changed"])
    }

    func testLiveItemsCannotBeTouchedThroughTrainingTools() throws {
        let pushed = push("Shipping", "Parcels ship within two days.")
        operate("promote", [pushed])
        let manual = operate("add", [], ["title": "Returns", "content": "Returns are free for thirty days."])["data"]?["id"]?.stringValue ?? ""
        for id in [pushed, manual] {
            XCTAssertEqual(try visibility(id), "live")
            let before = try XCTUnwrap(database.queryOne("SELECT title, content, updated_at FROM knowledge_items WHERE id = ?", [.text(id)]) {
                [$0.string(0), $0.string(1), $0.string(2)]
            })
            for args: JSONValue in [["id": .string(id), "title": "Poisoned"], ["id": .string(id), "content": "Poisoned"],
                                    ["id": .string(id), "summary": "x"], ["id": .string(id), "category": "x"]] {
                let update = call("training", "update_training_item", args)
                XCTAssertTrue(update.isError, "update of live \(id) was not refused")
                XCTAssertTrue(update.text.contains("live"), update.text)
            }
            let archive = call("training", "archive_training_item", ["id": .string(id)])
            XCTAssertTrue(archive.isError, "archive of live \(id) was not refused")
            XCTAssertTrue(archive.text.contains("live"), archive.text)
            XCTAssertEqual(try visibility(id), "live")
            let after = try database.queryOne("SELECT title, content, updated_at FROM knowledge_items WHERE id = ?", [.text(id)]) {
                [$0.string(0), $0.string(1), $0.string(2)]
            }
            XCTAssertEqual(after, before)
        }
        // A different token changes nothing.
        let other = host.call("training", "update_training_item", ["id": .string(pushed), "title": "x"], database: database, tokenName: "other")
        XCTAssertTrue(other.isError)
        // No tool argument can make an item live.
        let sneaky = call("training", "add_training_item", ["title": "t", "content": "c", "visibility": "live"])
        XCTAssertEqual(sneaky.structured["visibility"], "draft")
        XCTAssertEqual(call("training", "list_training_drafts", [:]).structured["drafts"]?.arrayValue?.count, 1)
    }

    func testDraftEditsAndArchivingAreLimitedToExternalDrafts() throws {
        let id = push("Draft", "First version")
        let edited = call("training", "update_training_item", ["id": .string(id), "content": "Second version", "category": "Misc"])
        XCTAssertFalse(edited.isError, edited.text)
        XCTAssertEqual(edited.structured["content"], "Second version")
        XCTAssertEqual(edited.structured["visibility"], "draft")
        let empty = call("training", "update_training_item", ["id": .string(id)])
        XCTAssertTrue(empty.isError)
        XCTAssertTrue(call("training", "update_training_item", ["id": "kn_doesnotexist", "title": "x"]).isError)

        let archived = call("training", "archive_training_item", ["id": .string(id)])
        XCTAssertFalse(archived.isError, archived.text)
        XCTAssertEqual(archived.structured["visibility"], "hidden")
        XCTAssertEqual(archived.structured["already_archived"], false)
        XCTAssertEqual(call("training", "archive_training_item", ["id": .string(id)]).structured["already_archived"], true)
        XCTAssertTrue(call("training", "update_training_item", ["id": .string(id), "title": "x"]).isError)
        XCTAssertEqual(call("training", "list_training_drafts", [:]).structured["drafts"]?.arrayValue?.count, 0)

        let history = try database.query("SELECT from_visibility, to_visibility, actor FROM knowledge_item_history WHERE item_id = ? ORDER BY id",
                                          [.text(id)]) { [$0.optionalString(0) ?? "-", $0.string(1), $0.string(2)] }
        XCTAssertEqual(history, [["-", "draft", "token:crm-sync (tok_123)"], ["draft", "hidden", "token:crm-sync (tok_123)"]])
    }

    // MARK: - Operator review and search

    func testPromoteMakesADraftSearchableWithBM25OrderingAndHideRemovesIt() throws {
        let inTitle = push("Invoice disputes", "How to handle a disagreement about a bill.")
        let inContent = push("Billing basics", "Every invoice is sent on the first of the month; an invoice dispute goes to accounting.")
        let once = push("Accounting", "Questions go to accounting; mention the invoice number.")
        XCTAssertEqual(searchIDs("invoice"), [])
        for id in [inTitle, inContent, once] {
            let promoted = operate("promote", [id])
            XCTAssertNil(promoted["error"], promoted.jsonString)
            XCTAssertEqual(promoted["data"]?["visibility"], "live")
            XCTAssertEqual(promoted["events"]?.arrayValue?.first?["kind"], "knowledge.visibility_changed")
        }
        let ranked = searchIDs("invoice")
        XCTAssertEqual(ranked.count, 3)
        XCTAssertEqual(ranked.first, inTitle, "a title match should rank first: \(ranked)")
        XCTAssertEqual(ranked.last, once, "a single content mention should rank last: \(ranked)")
        let first = try XCTUnwrap(search("invoice").structured["results"]?.arrayValue?.first)
        XCTAssertTrue(first["snippet"]?.stringValue?.isEmpty == false)
        XCTAssertGreaterThan(first["score"]?.doubleValue ?? 0, 0)

        // Already live: nothing changes, no event.
        XCTAssertEqual(operate("promote", [inTitle])["data"]?["changed"], false)
        operate("hide", [inTitle])
        XCTAssertEqual(try visibility(inTitle), "hidden")
        XCTAssertFalse(searchIDs("invoice").contains(inTitle))
        operate("delete", [once])
        XCTAssertEqual(searchIDs("invoice"), [inContent])
        XCTAssertEqual(operate("show", [once])["error"]?.stringValue, "no knowledge item \(once)")

        let history = try database.query("SELECT from_visibility, to_visibility, actor FROM knowledge_item_history WHERE item_id = ? ORDER BY id",
                                          [.text(inTitle)]) { [$0.optionalString(0) ?? "-", $0.string(1), $0.string(2)] }
        XCTAssertEqual(history.map { $0[1] }, ["draft", "live", "hidden"])
        XCTAssertEqual(history.last?[2], "cli:test")
        let shown = operate("show", [inTitle])
        XCTAssertEqual(shown["data"]?["history"]?.arrayValue?.count, 3)
        XCTAssertTrue(shown["text"]?.stringValue?.contains("EXTERNAL TOOL") == true)
    }

    func testOperatorListFiltersAndMistakes() throws {
        let draft = push("A", "alpha")
        let manual = operate("add", [], ["title": "B", "content": "beta"])["data"]?["id"]?.stringValue
        let drafts = operate("list", [], ["visibility": "draft", "source": "external"])
        XCTAssertEqual(drafts["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [draft])
        XCTAssertTrue(drafts["text"]?.stringValue?.contains("external tool") == true)
        XCTAssertEqual(operate("list", [], ["source": "manual"])["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [manual].compactMap { $0 })
        XCTAssertNotNil(operate("list", [], ["visibility": "pending"])["error"])
        XCTAssertNotNil(operate("list", [], ["bogus": true])["error"])
        XCTAssertNotNil(operate("promote")["error"])
        XCTAssertNotNil(operate("add", [], ["title": "no content"])["error"])
    }

    func testSearchPaginationCategoryFilterAndCursorChecks() throws {
        for index in 1...7 {
            operate("add", [], ["title": .string("Widget note \(index)"), "content": "widget details", "category": index <= 4 ? "Parts" : "Other"])
        }
        var seen: [String] = []
        var cursor: JSONValue = .null
        var pages = 0
        repeat {
            var args: JSONObject = ["limit": 3]
            if !cursor.isNull { args["cursor"] = cursor }
            let page = search("widget", args).structured
            seen += page["results"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            cursor = page["next_cursor"] ?? .null
            pages += 1
        } while !cursor.isNull && pages < 10
        XCTAssertEqual(pages, 3)
        XCTAssertEqual(seen.count, 7)
        XCTAssertEqual(Set(seen).count, 7)

        XCTAssertEqual(search("widget", ["category": "parts"]).structured["results"]?.arrayValue?.count, 4)
        let firstPage = search("widget", ["limit": 2]).structured
        let otherSearch = search("gadget", ["cursor": firstPage["next_cursor"] ?? .null])
        XCTAssertTrue(otherSearch.isError, "a cursor of another search must be refused")
        XCTAssertTrue(search("widget", ["cursor": "garbage!"]).isError)
        XCTAssertTrue(search("widget", ["limit": 51]).isError)
        XCTAssertTrue(search("  ***  ").isError)
        // FTS syntax in the query is taken literally, never as operators.
        XCTAssertFalse(search("widget AND NOT (\"").isError)

        let categories = call("knowledge", "list_categories", [:]).structured
        XCTAssertEqual(categories["total_live_items"], 7)
        XCTAssertEqual(categories["categories"]?.arrayValue?.compactMap { $0["category"]?.stringValue }, ["Other", "Parts"])
    }

    func testDraftQueuePagination() throws {
        let ids = (1...5).map { push("Draft \($0)", "content \($0)") }
        var seen: [String] = []
        var cursor: JSONValue = .null
        repeat {
            var args: JSONObject = ["limit": 2]
            if !cursor.isNull { args["cursor"] = cursor }
            let page = call("training", "list_training_drafts", .object(args)).structured
            seen += page["drafts"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            cursor = page["next_cursor"] ?? .null
        } while !cursor.isNull && seen.count < 10
        XCTAssertEqual(seen, ids)
    }

    // MARK: - Limits

    func testPendingDraftCapIsConfigurable() throws {
        try start(config: "{\"max_pending_drafts\": 3}")
        let ids = (1...3).map { push("Draft \($0)", "content") }
        let refused = call("training", "add_training_item", ["title": "One too many", "content": "content"])
        XCTAssertTrue(refused.isError)
        XCTAssertTrue(refused.text.contains("limit") && refused.text.contains("3"), refused.text)
        XCTAssertEqual(call("training", "list_training_drafts", [:]).structured["max_pending"], 3)
        // Reviewing frees room: promoted or archived drafts no longer count.
        operate("promote", [ids[0]])
        XCTAssertFalse(call("training", "add_training_item", ["title": "Now fits", "content": "content"]).isError)
        XCTAssertTrue(call("training", "add_training_item", ["title": "Full again", "content": "content"]).isError)
        call("training", "archive_training_item", ["id": .string(ids[1])])
        XCTAssertFalse(call("training", "add_training_item", ["title": "Fits again", "content": "content"]).isError)
    }

    func testDefaultCapIs500() throws {
        XCTAssertEqual(call("training", "list_training_drafts", [:]).structured["max_pending"], 500)
    }

    func testSizeLimits() throws {
        func add(_ args: JSONObject) -> TestHost.CallOutcome { call("training", "add_training_item", .object(args)) }
        let ok = add(["title": .string(String(repeating: "t", count: 200)), "content": .string(String(repeating: "c", count: 20_000)),
                      "summary": .string(String(repeating: "s", count: 1000)), "category": .string(String(repeating: "k", count: 100))])
        XCTAssertFalse(ok.isError, ok.text)
        let cases: [(JSONObject, String)] = [
            (["title": .string(String(repeating: "t", count: 201)), "content": "c"], "title"),
            (["title": "t", "content": .string(String(repeating: "c", count: 20_001))], "content"),
            (["title": "t", "content": "c", "summary": .string(String(repeating: "s", count: 1001))], "summary"),
            (["title": "t", "content": "c", "category": .string(String(repeating: "k", count: 101))], "category"),
            (["title": "   ", "content": "c"], "title"),
        ]
        for (args, field) in cases {
            let outcome = add(args)
            XCTAssertTrue(outcome.isError, "\(field) over its limit was accepted")
            XCTAssertTrue(outcome.text.contains(field), outcome.text)
        }
        let id = ok.structured["id"]?.stringValue ?? ""
        let update = call("training", "update_training_item", ["id": .string(id), "title": .string(String(repeating: "t", count: 201))])
        XCTAssertTrue(update.isError)
        XCTAssertTrue(update.text.contains("200"), update.text)
    }
}
