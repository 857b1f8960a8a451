import Foundation
import JSON
import PluginABI
import SQLite
import XCTest

/// Loads the built libToolhostScheduling.so from disk (the test target does not link the plugin).
final class SchedulingPluginTests: XCTestCase {
    var host: TestHost!
    var database: Database!
    var databasePath: String!

    override func setUpWithError() throws {
        host = TestHost()
        let path = TestHost.productsDirectory() + "/libToolhostScheduling.so"
        let info = try TestHost.entry(path: path)
        XCTAssertEqual(host.initialize(info), TH_OK, host.initError ?? "")
        (database, databasePath) = try migratedDatabase(host)
    }

    override func tearDownWithError() throws {
        database = nil
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
    }

    func call(_ tool: String, _ arguments: JSONValue, file: StaticString = #filePath, line: UInt = #line) -> TestHost.CallOutcome {
        let outcome = host.call("scheduling", tool, arguments, database: database)
        XCTAssertEqual(outcome.status, TH_OK, "\(tool) failed: \(outcome.message ?? "")", file: file, line: line)
        return outcome
    }

    func create(_ title: String = "Intro call", start: String, end: String, email: String = "ada@example.com",
                file: StaticString = #filePath, line: UInt = #line) -> TestHost.CallOutcome {
        call("create_booking_request", [
            "title": .string(title), "start": .string(start), "end": .string(end), "time_zone": "Europe/Berlin",
            "attendee_name": "Ada Lovelace", "attendee_email": .string(email), "notes": "Bring the slides",
        ], file: file, line: line)
    }

    // MARK: -

    func testEntryMagicAndRegistration() throws {
        let info = try TestHost.entry(path: TestHost.productsDirectory() + "/libToolhostScheduling.so")
        XCTAssertEqual(info.pointee.struct_size, UInt32(MemoryLayout<th_plugin_info>.size))
        XCTAssertEqual(info.pointee.abi_major, UInt16(TOOLHOST_ABI_MAJOR))
        XCTAssertEqual(info.pointee.abi_minor, UInt16(TOOLHOST_ABI_MINOR))
        XCTAssertEqual(info.pointee.pointer_size, UInt16(MemoryLayout<UnsafeRawPointer>.size))
        XCTAssertEqual(String(cString: info.pointee.name), "scheduling")
        XCTAssertEqual(String(cString: info.pointee.version), "1.0.0")
        // export() is idempotent: the same static info every time.
        XCTAssertEqual(try TestHost.entry(path: TestHost.productsDirectory() + "/libToolhostScheduling.so"), info)

        XCTAssertEqual(host.toolsets.map(\.name), ["scheduling"])
        let toolset = try XCTUnwrap(host.toolset("scheduling"))
        XCTAssertEqual(toolset.minPlan, "growth")
        XCTAssertEqual(toolset.title, "Scheduling")
        XCTAssertEqual(Set(toolset.tools.map(\.name)), ["create_booking_request", "list_booking_requests", "get_booking_request",
                                                       "confirm_booking_request", "cancel_booking_request"])
        XCTAssertEqual(host.migrations.map(\.version), Array(1...UInt32(host.migrations.count)))
        XCTAssertGreaterThanOrEqual(host.migrations.count, 1)

        for tool in toolset.tools {
            XCTAssertEqual(tool.inputSchema["type"], "object", tool.name)
            XCTAssertEqual(tool.inputSchema["additionalProperties"], false, tool.name)
            XCTAssertEqual(tool.outputSchema?["type"], "object", tool.name)
            XCTAssertFalse(tool.description.isEmpty)
        }
        func tool(_ name: String) -> TestHost.ToolInfo { toolset.tools.first { $0.name == name }! }
        let readOnly = UInt32(TH_HINT_READ_ONLY), destructive = UInt32(TH_HINT_DESTRUCTIVE), idempotent = UInt32(TH_HINT_IDEMPOTENT)
        for name in ["list_booking_requests", "get_booking_request"] {
            XCTAssertEqual(tool(name).annotations & (readOnly | idempotent), readOnly | idempotent, name)
        }
        let create = tool("create_booking_request")
        XCTAssertEqual(create.annotationsSet & (readOnly | destructive), readOnly | destructive)
        XCTAssertEqual(create.annotations & (readOnly | destructive), 0)
        XCTAssertEqual(create.inputSchema["required"], ["title", "start", "end", "time_zone", "attendee_name", "attendee_email"])
        XCTAssertEqual(create.inputSchema["properties"]?["start"]?["format"], "date-time")
        XCTAssertEqual(create.inputSchema["properties"]?["attendee_email"]?["format"], "email")
        XCTAssertEqual(tool("confirm_booking_request").annotations & idempotent, idempotent)
        XCTAssertEqual(tool("cancel_booking_request").annotations & (destructive | idempotent | readOnly), destructive | idempotent)
    }

    func testBookingLifecycle() throws {
        // create
        let created = create(start: "2026-12-01T09:00:00+01:00", end: "2026-12-01T10:00:00+01:00")
        XCTAssertFalse(created.isError, created.text)
        let booking = created.structured
        let id = try XCTUnwrap(booking["id"]?.stringValue)
        XCTAssertTrue(id.range(of: "^br_[0-9a-f]{16}$", options: .regularExpression) != nil, id)
        XCTAssertEqual(booking["status"], "requested")
        XCTAssertEqual(booking["start"], "2026-12-01T09:00:00+01:00")
        XCTAssertEqual(booking["time_zone"], "Europe/Berlin")
        XCTAssertEqual(booking["created_by_token"], "ci-token")
        XCTAssertEqual(booking["created_at"], "2026-11-23T07:00:00Z")
        XCTAssertEqual(booking["cancelled_at"], .null)
        // The text block is the serialized structured content.
        XCTAssertEqual(try JSONParser.parse(created.text), booking)
        XCTAssertEqual(host.takeEvents().map(\.kind), ["booking.created"])

        // get
        let fetched = call("get_booking_request", ["id": .string(id)])
        XCTAssertFalse(fetched.isError)
        XCTAssertEqual(fetched.structured, booking)
        let missing = call("get_booking_request", ["id": "br_0000000000000000"])
        XCTAssertTrue(missing.isError)
        XCTAssertEqual(missing.text, "No booking request with id \"br_0000000000000000\"")

        // An overlapping *requested* booking is allowed...
        let rival = create("Rival", start: "2026-12-01T09:30:00+01:00", end: "2026-12-01T11:00:00+01:00")
        XCTAssertFalse(rival.isError, rival.text)
        let rivalID = try XCTUnwrap(rival.structured["id"]?.stringValue)

        // confirm
        host.nowMilliseconds += 60_000
        let confirmed = call("confirm_booking_request", ["id": .string(id)])
        XCTAssertFalse(confirmed.isError, confirmed.text)
        XCTAssertEqual(confirmed.structured["status"], "confirmed")
        XCTAssertEqual(confirmed.structured["confirmed_at"], "2026-11-23T07:01:00Z")
        XCTAssertEqual(confirmed.structured["already_confirmed"], false)
        let again = call("confirm_booking_request", ["id": .string(id)])
        XCTAssertEqual(again.structured["already_confirmed"], true)
        XCTAssertEqual(host.takeEvents().map(\.kind), ["booking.created", "booking.confirmed"])

        // ...but it can no longer be confirmed, and new overlapping requests are refused.
        let refusedConfirm = call("confirm_booking_request", ["id": .string(rivalID)])
        XCTAssertTrue(refusedConfirm.isError)
        XCTAssertEqual(refusedConfirm.text, "Cannot confirm \"\(rivalID)\": it overlaps confirmed booking \"\(id)\" (2026-12-01T09:00:00+01:00 to 2026-12-01T10:00:00+01:00)")
        // Same instant written in UTC: 08:30Z = 09:30+01:00.
        let overlapping = create(start: "2026-12-01T08:30:00Z", end: "2026-12-01T08:45:00Z")
        XCTAssertTrue(overlapping.isError)
        XCTAssertEqual(overlapping.text, "The requested time overlaps confirmed booking \"\(id)\" (2026-12-01T09:00:00+01:00 to 2026-12-01T10:00:00+01:00); choose a time that does not overlap it")
        // Back-to-back is fine: [start, end) intervals.
        let adjacent = create(start: "2026-12-01T10:00:00+01:00", end: "2026-12-01T10:30:00+01:00")
        XCTAssertFalse(adjacent.isError, adjacent.text)
        _ = host.takeEvents()

        // cancel twice: idempotent
        let cancelled = call("cancel_booking_request", ["id": .string(id), "reason": "Attendee is ill"])
        XCTAssertFalse(cancelled.isError, cancelled.text)
        XCTAssertEqual(cancelled.structured["status"], "cancelled")
        XCTAssertEqual(cancelled.structured["cancel_reason"], "Attendee is ill")
        XCTAssertEqual(cancelled.structured["cancelled_at"], "2026-11-23T07:01:00Z")
        XCTAssertEqual(cancelled.structured["already_cancelled"], false)
        host.nowMilliseconds += 60_000
        let cancelledAgain = call("cancel_booking_request", ["id": .string(id), "reason": "Different reason"])
        XCTAssertFalse(cancelledAgain.isError)
        XCTAssertEqual(cancelledAgain.structured["already_cancelled"], true)
        XCTAssertEqual(cancelledAgain.structured["cancel_reason"], "Attendee is ill")
        XCTAssertEqual(cancelledAgain.structured["updated_at"], cancelled.structured["updated_at"])
        let events = host.takeEvents()
        XCTAssertEqual(events.map(\.kind), ["booking.cancelled"])
        XCTAssertEqual(events.first?.details["id"], .string(id))
        XCTAssertEqual(events.first?.requestID, "req-1")

        // A cancelled booking cannot be confirmed; its slot is free again for the rival.
        let reconfirm = call("confirm_booking_request", ["id": .string(id)])
        XCTAssertTrue(reconfirm.isError)
        XCTAssertEqual(reconfirm.text, "Booking request \"\(id)\" is cancelled and cannot be confirmed; create a new request instead")
        XCTAssertFalse(call("confirm_booking_request", ["id": .string(rivalID)]).isError)
        XCTAssertTrue(call("cancel_booking_request", ["id": "br_ffffffffffffffff"]).isError)
    }

    func testListPaginationAndFilters() throws {
        var ids: [String] = []
        // Created out of order; listed by start.
        for day in [5, 1, 3, 2, 4] {
            let outcome = create("Day \(day)", start: "2026-12-0\(day)T09:00:00+01:00", end: "2026-12-0\(day)T10:00:00+01:00")
            XCTAssertFalse(outcome.isError, outcome.text)
            ids.append(outcome.structured["id"]!.stringValue!)
        }
        var titles: [String] = []
        var cursor: JSONValue = .null
        var pages = 0
        repeat {
            var args = (["limit": 2] as JSONValue).objectValue!
            if !cursor.isNull { args["cursor"] = cursor }
            let page = call("list_booking_requests", .object(args))
            XCTAssertFalse(page.isError, page.text)
            let items = try XCTUnwrap(page.structured["booking_requests"]?.arrayValue)
            XCTAssertLessThanOrEqual(items.count, 2)
            titles += items.compactMap { $0["title"]?.stringValue }
            cursor = page.structured["next_cursor"] ?? .null
            pages += 1
        } while !cursor.isNull && pages < 10
        XCTAssertEqual(pages, 3)
        XCTAssertEqual(titles, ["Day 1", "Day 2", "Day 3", "Day 4", "Day 5"])

        // Default limit returns all five with a null cursor.
        let all = call("list_booking_requests", [:])
        XCTAssertEqual(all.structured["booking_requests"]?.arrayValue?.count, 5)
        XCTAssertEqual(all.structured["next_cursor"], .null)

        // status filter
        XCTAssertFalse(call("confirm_booking_request", ["id": .string(ids[2])]).isError) // Day 3
        let confirmed = call("list_booking_requests", ["status": "confirmed"])
        XCTAssertEqual(confirmed.structured["booking_requests"]?.arrayValue?.compactMap { $0["title"]?.stringValue }, ["Day 3"])

        // window: bookings overlapping [Dec 2 09:30+01:00, Dec 4 08:00Z)
        let window = call("list_booking_requests", ["from": "2026-12-02T09:30:00+01:00", "to": "2026-12-04T08:00:00Z"])
        XCTAssertEqual(window.structured["booking_requests"]?.arrayValue?.compactMap { $0["title"]?.stringValue }, ["Day 2", "Day 3"])

        // malformed cursor and limit
        let bad = call("list_booking_requests", ["cursor": "not-a-cursor"])
        XCTAssertTrue(bad.isError)
        XCTAssertEqual(bad.text, "\"cursor\" is not a valid cursor; pass the next_cursor value of the previous page unchanged, or omit it for the first page")
        XCTAssertEqual(call("list_booking_requests", ["limit": 0]).text, "\"limit\" must be between 1 and 100 (got 0)")
        XCTAssertEqual(call("list_booking_requests", ["status": "pending"]).text, "\"status\" must be one of requested, confirmed, cancelled")
    }

    func testValidationMessages() {
        func createError(_ overrides: JSONValue) -> String {
            var args = ([
                "title": "Intro", "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T10:00:00+01:00",
                "time_zone": "Europe/Berlin", "attendee_name": "Ada", "attendee_email": "ada@example.com",
            ] as JSONValue).objectValue!
            for (key, value) in overrides.objectValue!.members { args[key] = value }
            let outcome = call("create_booking_request", .object(args))
            XCTAssertTrue(outcome.isError, "expected an error for \(overrides.jsonString)")
            XCTAssertNil(outcome.result?["structuredContent"])
            return outcome.text
        }
        XCTAssertEqual(createError(["time_zone": "Mars/Base"]),
                       "\"time_zone\" must be an IANA time zone name such as \"Europe/Berlin\"; \"Mars/Base\" is not one")
        XCTAssertEqual(createError(["end": "2026-12-01T08:00:00+01:00"]),
                       "\"end\" (2026-12-01T08:00:00+01:00) must be after \"start\" (2026-12-01T09:00:00+01:00)")
        XCTAssertEqual(createError(["end": "2026-12-01T09:00:00+01:00"]),
                       "\"end\" (2026-12-01T09:00:00+01:00) must be after \"start\" (2026-12-01T09:00:00+01:00)")
        XCTAssertEqual(createError(["attendee_email": "not-an-email"]),
                       "\"attendee_email\" must be a valid email address such as \"ada@example.com\"; got \"not-an-email\"")
        XCTAssertEqual(createError(["end": "2026-12-02T09:30:00+01:00"]),
                       "A booking can last at most 24 hours; this one lasts 24 h 30 min")
        XCTAssertEqual(createError(["start": "2026-12-01T09:00:00"]),
                       "\"start\" must be an RFC 3339 date-time with a UTC offset, e.g. \"2026-12-01T09:00:00+01:00\"; got \"2026-12-01T09:00:00\"")
        XCTAssertEqual(createError(["start": "2026-02-30T09:00:00Z"]),
                       "\"start\" must be an RFC 3339 date-time with a UTC offset, e.g. \"2026-12-01T09:00:00+01:00\"; got \"2026-02-30T09:00:00Z\"")
        XCTAssertEqual(createError(["title": "   "]), "\"title\" must not be empty")
        XCTAssertEqual(createError(["title": .string(String(repeating: "x", count: 201))]),
                       "\"title\" must be at most 200 characters long (got 201)")
        XCTAssertEqual(createError(["notes": .string(String(repeating: "n", count: 2001))]),
                       "\"notes\" must be at most 2000 characters long (got 2001)")
        XCTAssertEqual(createError(["title": 42]), "\"title\" must be a string")
        XCTAssertEqual(createError(["attendee_name": nil]), "\"attendee_name\" is required")

        // Exactly 24 hours, fractional seconds and a lowercase z are accepted.
        let ok = create(start: "2026-12-10T00:00:00.250Z", end: "2026-12-11T00:00:00.250z")
        XCTAssertFalse(ok.isError, ok.text)
        XCTAssertEqual(host.takeEvents().count, 1)
    }

    func testConcurrentConfirmationsNeverDoubleBook() throws {
        // Eight overlapping requests, confirmed at once from eight threads, each with its own
        // connection to the same tenant file (as the host's worker threads would): exactly one wins.
        var ids: [String] = []
        for minute in 0..<8 {
            let outcome = create("Slot \(minute)", start: "2026-12-07T09:0\(minute):00Z", end: "2026-12-07T10:00:00Z")
            ids.append(try XCTUnwrap(outcome.structured["id"]?.stringValue))
        }
        let connections = try ids.map { _ in try Database(path: databasePath) }
        final class Collector: @unchecked Sendable {
            let lock = NSLock()
            var outcomes: [TestHost.CallOutcome] = []
        }
        let collector = Collector()
        let host = self.host!
        let idList = ids
        DispatchQueue.concurrentPerform(iterations: idList.count) { index in
            let outcome = host.call("scheduling", "confirm_booking_request", ["id": .string(idList[index])],
                                    database: connections[index], requestID: "req-\(index)")
            collector.lock.withLock { collector.outcomes.append(outcome) }
        }
        let outcomes = collector.outcomes
        XCTAssertEqual(outcomes.filter { $0.status != TH_OK }.map { $0.message ?? "" }, [])
        XCTAssertEqual(outcomes.filter { !$0.isError }.count, 1)
        XCTAssertEqual(outcomes.filter { $0.isError && $0.text.contains("overlaps confirmed booking") }.count, 7)
        let confirmed = call("list_booking_requests", ["status": "confirmed"])
        XCTAssertEqual(confirmed.structured["booking_requests"]?.arrayValue?.count, 1)
    }

    func testInternalErrorsStayOnTheCSide() {
        // No database handle: the plugin reports TH_ERROR with a message, never crashes.
        let outcome = host.call("scheduling", "get_booking_request", ["id": "br_0000000000000000"], database: nil)
        XCTAssertEqual(outcome.status, TH_ERROR)
        XCTAssertNil(outcome.result)
        XCTAssertEqual(outcome.message, "tool get_booking_request failed: the host passed no database handle for this call")
        // Unknown tool.
        let unknown = host.call("scheduling", "drop_tables", [:], database: database)
        XCTAssertEqual(unknown.status, TH_NOT_FOUND)
        XCTAssertEqual(unknown.message, "toolset scheduling has no tool named drop_tables")
        // A database failure (schema missing) is an internal error too.
        let (empty, path) = (try! Database(path: NSTemporaryDirectory() + "empty-\(UUID().uuidString).sqlite"), "")
        _ = path
        let failed = host.call("scheduling", "get_booking_request", ["id": "br_0000000000000000"], database: empty)
        XCTAssertEqual(failed.status, TH_ERROR)
        XCTAssertTrue(failed.message?.contains("no such table: bookings") ?? false, failed.message ?? "")
    }
}
