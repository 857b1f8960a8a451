import Foundation
import XCTest
@testable import PipelineEngine

/// Against a real, throwaway PostgreSQL server (ThrowawayPostgres), started once for the class.
final class PostgresConnectorTests: XCTestCase {
    nonisolated(unsafe) private static var server: ThrowawayPostgres?
    nonisolated(unsafe) private static var startFailure: Error?

    override class func setUp() {
        super.setUp()
        do {
            let server = try ThrowawayPostgres()
            try server.start()
            self.server = server
        } catch {
            startFailure = error
        }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    private var server: ThrowawayPostgres!

    override func setUpWithError() throws {
        // No skip: without a server these tests fail, saying why (e.g. "run `make deps`").
        if let failure = Self.startFailure {
            XCTFail("the throwaway PostgreSQL server did not start: \(failure)")
            throw failure
        }
        server = try XCTUnwrap(Self.server)
        try server.psql("""
            DROP SCHEMA IF EXISTS shop CASCADE; DROP SCHEMA IF EXISTS empty CASCADE;
            DROP TABLE IF EXISTS public.notes, public.stock, public.levels, public.many;
            CREATE SCHEMA shop; CREATE SCHEMA empty;
            CREATE TABLE shop.orders (id int4, small int2, big int8, amount numeric(10,2), ratio float8, approx float4,
                                      paid boolean, customer text, placed date);
            INSERT INTO shop.orders VALUES (1, 2, 9000000000, 12.50, 0.25, 1.5, true, 'ann', '2024-05-01'),
                                           (2, NULL, 3, 40, NULL, NULL, false, 'bob', NULL),
                                           (3, 1, 1, 7.25, 2, 2, true, 'cy', '2024-06-30');
            CREATE TABLE shop.customers (name text, city text);
            CREATE TABLE shop.order_lines (order_id int, sku text);
            CREATE VIEW shop.big_orders AS SELECT id, amount FROM shop.orders WHERE amount > 10;
            CREATE TABLE public.notes (body text);
            CREATE SEQUENCE shop.counter;
            """)
    }

    private func connector(password: String? = nil, port: Int? = nil) -> PostgresConnector {
        PostgresConnector(host: server.host, port: port ?? server.port, database: server.database, user: server.user,
                          password: password ?? server.password, connectTimeoutSeconds: 5)
    }

    // MARK: connecting

    func testPingWithAPasswordThatNeedsQuoting() throws {
        XCTAssertTrue(server.password.contains("'") && server.password.contains(" "))
        try connector().ping()
    }

    func testWrongPasswordIsRefusedWithoutRevealingIt() throws {
        let wrong = "Wr0ng-\(UUID().uuidString)"
        XCTAssertThrowsError(try connector(password: wrong).ping()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("password authentication failed"), message)
            XCTAssertFalse(message.contains(wrong), message)
            XCTAssertFalse(message.contains(self.server.password), message)
        }
    }

    func testAServerMessageEchoingThePasswordIsScrubbed() throws {
        // The server names the user in its refusal; with the password as the user name, that
        // message carries the secret, and the connector must scrub it.
        let echoed = PostgresConnector(host: server.host, port: server.port, database: server.database, user: server.password,
                                       password: server.password, connectTimeoutSeconds: 5)
        XCTAssertThrowsError(try echoed.ping()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("[redacted]"), message)
            XCTAssertFalse(message.contains(self.server.password), message)
        }
    }

    func testUnreachablePortFailsQuicklyAndClearly() throws {
        let closed = try ThrowawayPostgres.freePort()
        let started = Date()
        let password = "secret-\(UUID().uuidString)"
        XCTAssertThrowsError(try connector(password: password, port: closed).tables(schema: nil, search: nil, limit: 10, offset: 0)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("cannot connect to PostgreSQL at \(self.server.user)@127.0.0.1:\(closed)/postgres"), message)
            XCTAssertFalse(message.contains(password), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    // MARK: discovery

    func testTablesListsBySchemaWithSearchLimitAndOffset() throws {
        let pg = connector()
        let all = try pg.tables(schema: nil, search: nil, limit: 100, offset: 0).map(\.table.description)
        XCTAssertEqual(all, ["public.notes", "shop.big_orders", "shop.customers", "shop.order_lines", "shop.orders"])
        let shop = try pg.tables(schema: "shop", search: "ORDER", limit: 100, offset: 0)
        XCTAssertEqual(shop.map(\.table.name), ["big_orders", "order_lines", "orders"])
        XCTAssertEqual(shop.map(\.kind), ["view", "table", "table"])
        XCTAssertEqual(shop[1].columns, [Field("order_id", .integer), Field("sku", .string)])
        XCTAssertEqual(try pg.tables(schema: "shop", search: nil, limit: 2, offset: 1).map(\.table.name), ["customers", "order_lines"])
        // The search is a parameter and its wildcards are literal.
        XCTAssertEqual(try pg.tables(schema: nil, search: "_", limit: 100, offset: 0).map(\.table.name), ["big_orders", "order_lines"])
        XCTAssertEqual(try pg.tables(schema: nil, search: "' OR 1=1 OR name ILIKE '", limit: 100, offset: 0).count, 0)
        XCTAssertEqual(try pg.tables(schema: "empty", search: nil, limit: 100, offset: 0).count, 0)
    }

    func testColumnsMapServerTypes() throws {
        XCTAssertEqual(try connector().columns(of: TableName(schema: "shop", name: "orders")), [
            Field("id", .integer), Field("small", .integer), Field("big", .integer), Field("amount", .number), Field("ratio", .number),
            Field("approx", .number), Field("paid", .boolean), Field("customer", .string), Field("placed", .string),
        ])
        // A bare name is found through the search_path.
        XCTAssertEqual(try connector().columns(of: TableName(name: "notes")), [Field("body", .string)])
        XCTAssertThrowsError(try connector().columns(of: TableName(schema: "shop", name: "nope"))) { error in
            XCTAssertTrue("\(error)".contains("there is no table or view named shop.nope"), "\(error)")
        }
    }

    // MARK: reads

    func testReadStreamsRowsWithTheirTypes() throws {
        let rows = try drain(connector().read(TableQuery(table: TableName(schema: "shop", name: "orders"))))
        XCTAssertEqual(rows, [
            [.int(1), .int(2), .int(9_000_000_000), .double(12.5), .double(0.25), .double(1.5), .bool(true), .text("ann"), .text("2024-05-01")],
            [.int(2), .null, .int(3), .double(40), .null, .null, .bool(false), .text("bob"), .null],
            [.int(3), .int(1), .int(1), .double(7.25), .double(2), .double(2), .bool(true), .text("cy"), .text("2024-06-30")],
        ])
    }

    func testReadAppliesColumnsWhereClauseAndLimit() throws {
        let pg = connector()
        let orders = TableName(schema: "shop", name: "orders")
        XCTAssertEqual(try drain(pg.read(TableQuery(table: orders, columns: ["customer", "id"], whereClause: "paid AND amount < 100", limit: 10))),
                       [[.text("ann"), .int(1)], [.text("cy"), .int(3)]])
        XCTAssertEqual(try drain(pg.read(TableQuery(table: orders, columns: ["id"], whereClause: "customer = 'bob'"))), [[.int(2)]])
        XCTAssertEqual(try drain(pg.read(TableQuery(table: orders, columns: ["id"], limit: 1))), [[.int(1)]])
        XCTAssertThrowsError(try pg.read(TableQuery(table: orders, columns: ["id", "secret"]))) { error in
            XCTAssertTrue("\(error)".contains("has no column 'secret'"), "\(error)")
        }
        XCTAssertThrowsError(try pg.read(TableQuery(table: orders, whereClause: "1=1; DELETE FROM shop.orders"))) { error in
            XCTAssertEqual("\(error)", "where_clause may not contain ';'")
        }
    }

    func testReadStreamsManyRowsThroughTheCursor() throws {
        try server.psql("CREATE TABLE public.many AS SELECT g AS n, md5(g::text) AS tag FROM generate_series(1, 2500) g")
        let stream = try connector().read(TableQuery(table: TableName(name: "many"), columns: ["n"]))
        var count = 0, sum: Int64 = 0
        while let row = try stream.next() {
            count += 1
            if case .int(let n) = row[0] { sum += n }
        }
        XCTAssertEqual(count, 2500)
        XCTAssertEqual(sum, 2500 * 2501 / 2)
    }

    func testAWhereClauseCannotWrite() throws {
        let pg = connector()
        let orders = TableName(schema: "shop", name: "orders")
        XCTAssertThrowsError(try drain(pg.read(TableQuery(table: orders, whereClause: "id < nextval('shop.counter')")))) { error in
            XCTAssertTrue("\(error)".contains("read-only transaction"), "\(error)")
        }
        XCTAssertThrowsError(try drain(pg.read(TableQuery(table: orders,
            whereClause: "id IN (SELECT 1 FROM (SELECT set_config('transaction_read_only', 'off', true)) s)")))) { error in
            XCTAssertTrue("\(error)".contains("read"), "\(error)")
        }
        XCTAssertEqual(try server.psql("SELECT last_value, is_called FROM shop.counter"), [["1", "f"]])
    }

    func testTimeLimitCancelsASlowQuery() throws {
        let started = Date()
        let stream = try connector().read(TableQuery(table: TableName(schema: "shop", name: "orders"),
                                                     whereClause: "pg_sleep(120) IS NOT NULL", timeLimitSeconds: 0.5))
        XCTAssertThrowsError(try stream.next()) { error in
            XCTAssertEqual("\(error)", "the query took longer than 0.5 s")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        // The connector is still usable afterwards.
        XCTAssertEqual(try drain(connector().read(TableQuery(table: TableName(schema: "shop", name: "customers")))), [])
    }

    // MARK: writes

    func testAppendCreatesTheTableAndReplaceEmptiesItFirst() throws {
        let pg = connector()
        let fields = [Field("sku", .string), Field("stock", .integer), Field("weight", .number), Field("active", .boolean)]
        let target = TableName(name: "stock")
        // More rows than one INSERT carries, to cross batch boundaries.
        let rows: [DataRow] = (1...1203).map { (n: Int) -> DataRow in
            let weight: Value = n % 2 == 0 ? .double(Double(n) / 4) : .null
            return [.text("s\(n)"), .int(Int64(n)), weight, .bool(n % 3 == 0)]
        }
        try write(pg, target, fields, .append, rows)
        try write(pg, target, fields, .append, [[.text("it's \"quoted\"\\"), .int(-1), .double(1e-9), .bool(false)]])
        XCTAssertEqual(try pg.columns(of: target), fields)
        XCTAssertEqual(try server.psql("SELECT count(*), sum(stock), count(weight), sum(active::int) FROM public.stock"), [["1204", "724205", "602", "401"]])
        XCTAssertEqual(try drain(pg.read(TableQuery(table: target, whereClause: "stock = -1"))),
                       [[.text("it's \"quoted\"\\"), .int(-1), .double(1e-9), .bool(false)]])
        try write(pg, target, fields, .replace, [[.text("z"), .int(9), .double(1.5), .bool(true)]])
        XCTAssertEqual(try drain(pg.read(TableQuery(table: target))), [[.text("z"), .int(9), .double(1.5), .bool(true)]])
    }

    func testUpsertInsertsNewKeysAndUpdatesExistingOnes() throws {
        let pg = connector()
        let fields = [Field("sku", .string), Field("stock", .integer)]
        let target = TableName(name: "levels")
        try write(pg, target, fields, .upsert(keys: ["sku"]), [[.text("a"), .int(1)], [.text("b"), .int(2)]])
        // The same key twice in one batch: the later row wins, as it would row by row.
        try write(pg, target, fields, .upsert(keys: ["sku"]), [[.text("b"), .int(20)], [.text("c"), .int(3)], [.text("b"), .int(21)]])
        XCTAssertEqual(try server.psql("SELECT sku, stock FROM public.levels ORDER BY sku"), [["a", "1"], ["b", "21"], ["c", "3"]])
    }

    func testNothingIsVisibleBeforeCommitAndRollbackRestoresTheTable() throws {
        let pg = connector()
        let fields = [Field("name"), Field("city")]
        let target = TableName(schema: "shop", name: "customers")
        try write(pg, target, fields, .append, [[.text("ann"), .text("Oslo")]])

        let writer = try pg.beginWrite(into: target, fields: fields, mode: .replace)
        try writer.write([.text("zed"), .text("Rome")])
        try writer.write([.text("amy"), .null])
        XCTAssertEqual(try server.psql("SELECT name FROM shop.customers"), [["ann"]])
        writer.rollback()
        XCTAssertEqual(writer.rowsWritten, 0)
        XCTAssertEqual(try server.psql("SELECT name, city FROM shop.customers"), [["ann", "Oslo"]])

        // A failing row aborts the whole write.
        let failing = try pg.beginWrite(into: TableName(schema: "shop", name: "order_lines"), fields: [Field("order_id", .integer)], mode: .replace)
        try failing.write([.int(5)])
        try failing.write([.text("not a number")])
        XCTAssertThrowsError(try failing.commit()) { error in
            XCTAssertTrue("\(error)".contains("invalid input syntax for type integer"), "\(error)")
        }
        XCTAssertEqual(try server.psql("SELECT count(*) FROM shop.order_lines"), [["0"]])

        // A writer dropped without commit rolls back too.
        do {
            let abandoned = try pg.beginWrite(into: target, fields: fields, mode: .append)
            try abandoned.write([.text("ghost"), .null])
        }
        try write(pg, target, fields, .append, [[.text("bob"), .null]])
        XCTAssertEqual(try server.psql("SELECT name FROM shop.customers ORDER BY name"), [["ann"], ["bob"]])
    }

    func testWritingAFieldTheTableLacksListsItsColumns() throws {
        XCTAssertThrowsError(try connector().beginWrite(into: TableName(schema: "shop", name: "customers"),
                                                        fields: [Field("name"), Field("email")], mode: .append)) { error in
            XCTAssertEqual("\(error)", "table shop.customers has no column 'email'; its columns are name, city")
        }
    }

    // MARK: helpers

    private func write(_ connector: PostgresConnector, _ table: TableName, _ fields: [Field], _ mode: WriteMode, _ rows: [DataRow]) throws {
        let writer = try connector.beginWrite(into: table, fields: fields, mode: mode)
        for row in rows { try writer.write(row) }
        try writer.commit()
        XCTAssertEqual(writer.rowsWritten, rows.count)
    }
}
