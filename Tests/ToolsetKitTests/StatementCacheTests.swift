import Foundation
import JSON
import PluginABI
import SQLite
@testable import ToolsetKit
import XCTest

/// ToolsetKit keeps prepared statements per leased connection from call to call (LeasedDatabases).
/// These checks fail if a cached statement could ever run on a connection other than its own.
final class StatementCacheTests: XCTestCase {
    private var paths: [String] = []

    override func tearDown() {
        for path in paths { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    /// A new database file holding table t with the given values of x.
    private func database(holding values: [String]) throws -> (Database, String) {
        let path = NSTemporaryDirectory() + "statement-cache-\(UUID().uuidString).sqlite"
        paths.append(path)
        let database = try Database(path: path)
        try database.execute("CREATE TABLE t(x TEXT)")
        for value in values { try database.run("INSERT INTO t(x) VALUES (?)", [.text(value)]) }
        return (database, path)
    }

    private func values(through handle: OpaquePointer) throws -> [String] {
        let leased = LeasedDatabases.lease(handle)
        defer { LeasedDatabases.endLease(leased) }
        return try leased.query("SELECT x FROM t ORDER BY x") { $0.string(0) }
    }

    func testEachConnectionKeepsItsOwnStatements() throws {
        let (first, _) = try database(holding: ["a"])
        let (second, _) = try database(holding: ["b"])
        for _ in 0..<3 {
            XCTAssertEqual(try values(through: first.handle), ["a"])
            XCTAssertEqual(try values(through: second.handle), ["b"])
        }
        XCTAssertTrue(LeasedDatabases.lease(first.handle) === LeasedDatabases.lease(first.handle), "one kept wrapper per connection")
        XCTAssertTrue(LeasedDatabases.lease(first.handle) !== LeasedDatabases.lease(second.handle))
    }

    func testAWrapperIsKeptOnlyWhileItHoldsAStatement() throws {
        let (database, _) = try database(holding: ["a"])
        let unused = LeasedDatabases.lease(database.handle)
        LeasedDatabases.endLease(unused)
        XCTAssertFalse(LeasedDatabases.isKept(database.handle), "a wrapper without statements pins nothing, so it must not stay keyed by the address")
        XCTAssertEqual(try values(through: database.handle), ["a"])
        XCTAssertTrue(LeasedDatabases.isKept(database.handle))
    }

    func testNoNewConnectionAppearsAtACachedConnectionsAddress() throws {
        var (cached, _) = try database(holding: ["old"])
        XCTAssertEqual(try values(through: cached.handle), ["old"])
        let address = cached.handle
        cached = try database(holding: ["replacement"]).0  // closes the first connection (sqlite3_close_v2)
        // The kit's unfinalized statements keep the closed connection allocated, so the allocator
        // cannot hand its address to a new connection, which would then be given the old statements.
        for _ in 0..<20 {
            let (fresh, _) = try database(holding: ["new"])
            XCTAssertNotEqual(fresh.handle, address)
            XCTAssertEqual(try values(through: fresh.handle), ["new"])
        }
        XCTAssertEqual(try values(through: cached.handle), ["replacement"])
    }

    func testAStatementLeftMidRunIsResetWhenTheLeaseEnds() throws {
        let (writer, path) = try database(holding: ["a", "b"])
        let reader = try Database(path: path)
        struct StopReading: Error {}
        let leased = LeasedDatabases.lease(reader.handle)
        XCTAssertThrowsError(try leased.query("SELECT x FROM t") { _ in throw StopReading() })  // stops after row one
        LeasedDatabases.endLease(leased)
        try writer.run("INSERT INTO t(x) VALUES ('c')")
        // A statement still mid-run would hold the old read snapshot into the next call on this connection.
        let next = LeasedDatabases.lease(reader.handle)
        defer { LeasedDatabases.endLease(next) }
        XCTAssertEqual(try next.queryOne("SELECT count(*) FROM t") { $0.int(0) }, 3)
    }
}

/// The same through a plugin, the way the host calls it: two tenants' connections in turn, and a
/// connection replaced by a new one on the same file.
final class StatementCacheThroughPluginTests: XCTestCase {
    var host: TestHost!
    var paths: [String] = []

    override func setUpWithError() throws {
        host = TestHost()
        XCTAssertEqual(host.initialize(try TestHost.entry(path: TestHost.productsDirectory() + "/libToolhostScheduling.so")), TH_OK)
    }

    override func tearDown() {
        for path in paths { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    private func tenantDatabase() throws -> Database {
        let (database, path) = try migratedDatabase(host)
        paths.append(path)
        return database
    }

    private func create(_ title: String, in database: Database) {
        let outcome = host.call("scheduling", "create_booking_request", [
            "title": .string(title), "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T10:00:00Z", "time_zone": "UTC",
            "attendee_name": "Ada Lovelace", "attendee_email": "ada@example.com",
        ], database: database)
        XCTAssertEqual(outcome.status, TH_OK, outcome.message ?? "")
        XCTAssertFalse(outcome.isError, outcome.text)
    }

    private func titles(in database: Database) -> [String] {
        let outcome = host.call("scheduling", "list_booking_requests", [:], database: database)
        XCTAssertEqual(outcome.status, TH_OK, outcome.message ?? "")
        return outcome.structured["booking_requests"]?.arrayValue?.compactMap { $0["title"]?.stringValue } ?? []
    }

    func testCallsOnDifferentConnectionsNeverShareStatements() throws {
        var first: Database? = try tenantDatabase()
        let second = try tenantDatabase()
        create("In the first", in: first!)
        XCTAssertEqual(titles(in: second), [])
        create("In the second", in: second)
        XCTAssertEqual(titles(in: first!), ["In the first"])
        XCTAssertEqual(titles(in: second), ["In the second"])

        // Replace the first connection by a new one on the same file, then by one on a new file.
        let firstPath = paths[0]
        first = nil
        first = try Database(path: firstPath)
        XCTAssertEqual(titles(in: first!), ["In the first"])
        first = try tenantDatabase()
        XCTAssertEqual(titles(in: first!), [])
        XCTAssertEqual(titles(in: second), ["In the second"])
    }
}
