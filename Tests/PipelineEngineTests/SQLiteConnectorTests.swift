import CSQLite
import Foundation
import SQLite
import XCTest
@testable import PipelineEngine

final class SQLiteConnectorTests: XCTestCase {
    private var folder: URL!
    private var path: String!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-connector-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("shop.db").path
        let db = try Database(path: path)
        try db.execute(#"""
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount REAL, paid BOOLEAN, note VARCHAR(20), photo BLOB, qty BIGINT, price NUMERIC(10,2));
            INSERT INTO orders VALUES (1, 'ann', 12.5, 1, NULL, x'00ff10', 3, 9.99);
            INSERT INTO orders VALUES (2, 'bob', 40, 0, 'rush', NULL, 1, 40);
            INSERT INTO orders VALUES (3, 'cy', 7.25, 1, 'gift', NULL, 2, 3.5);
            CREATE TABLE customers (name TEXT, city TEXT);
            CREATE TABLE "odd ""name""" ("a b" INTEGER);
            CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 10;
            """#)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: ping

    func testPingAcceptsADatabaseAndExplainsAMissingOrForeignFile() throws {
        try SQLiteConnector(path: path).ping()
        let missing = folder.appendingPathComponent("nope.db").path
        XCTAssertThrowsError(try SQLiteConnector(path: missing).ping()) { error in
            XCTAssertEqual("\(error)", "the SQLite database file \(missing) does not exist")
        }
        let text = folder.appendingPathComponent("notes.txt").path
        try String(repeating: "not a database ", count: 100).write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SQLiteConnector(path: text).ping()) { error in
            XCTAssertTrue("\(error)".contains("not a SQLite database"), "\(error)")
        }
    }

    // MARK: discovery

    func testTablesListsTablesAndViewsWithSearchLimitAndOffset() throws {
        let connector = SQLiteConnector(path: path)
        XCTAssertEqual(try connector.tables(schema: nil, search: nil, limit: 10, offset: 0).map(\.table.name),
                       ["big_orders", "customers", "odd \"name\"", "orders"])
        let found = try connector.tables(schema: "main", search: "ORDER", limit: 10, offset: 0)
        XCTAssertEqual(found.map(\.table.name), ["big_orders", "orders"])
        XCTAssertEqual(found.map(\.kind), ["view", "table"])
        XCTAssertEqual(try connector.tables(schema: nil, search: nil, limit: 2, offset: 1).map(\.table.name), ["customers", "odd \"name\""])
        // LIKE wildcards in the search are literal.
        XCTAssertEqual(try connector.tables(schema: nil, search: "%", limit: 10, offset: 0).count, 0)
        XCTAssertThrowsError(try connector.tables(schema: "other", search: nil, limit: 10, offset: 0))
    }

    func testColumnsCarryTypesFromDeclaredAffinity() throws {
        let fields = try SQLiteConnector(path: path).columns(of: TableName(name: "orders"))
        XCTAssertEqual(fields, [Field("id", .integer), Field("customer", .string), Field("amount", .number), Field("paid", .boolean),
                                Field("note", .string), Field("photo", .string), Field("qty", .integer), Field("price", .number)])
        XCTAssertThrowsError(try SQLiteConnector(path: path).columns(of: TableName(name: "missing"))) { error in
            XCTAssertTrue("\(error)".contains("no table or view named 'missing'"), "\(error)")
        }
    }

    // MARK: reads

    func testReadStreamsRowsWithTheirTypes() throws {
        let stream = try SQLiteConnector(path: path).read(TableQuery(table: TableName(name: "orders")))
        XCTAssertEqual(stream.schema.names, ["id", "customer", "amount", "paid", "note", "photo", "qty", "price"])
        let first = try XCTUnwrap(try stream.next())
        // BLOBs come back as lowercase hex text.
        XCTAssertEqual(first, [.int(1), .text("ann"), .double(12.5), .int(1), .null, .text("00ff10"), .int(3), .double(9.99)])
        XCTAssertEqual(try stream.next()?[2], .double(40))  // REAL affinity stores the integer 40 as 40.0
        XCTAssertNotNil(try stream.next())
        XCTAssertNil(try stream.next())
        XCTAssertNil(try stream.next())
    }

    func testReadAppliesColumnsWhereClauseAndLimit() throws {
        let connector = SQLiteConnector(path: path)
        let rows = try drain(connector.read(TableQuery(table: TableName(name: "orders"), columns: ["customer", "id"],
                                                       whereClause: "paid = 1 AND amount < 100", limit: 10)))
        XCTAssertEqual(rows, [[.text("ann"), .int(1)], [.text("cy"), .int(3)]])
        XCTAssertEqual(try drain(connector.read(TableQuery(table: TableName(name: "orders"), columns: ["id"], limit: 1))), [[.int(1)]])
        XCTAssertEqual(try drain(connector.read(TableQuery(table: TableName(name: "odd \"name\"")))), [])
        XCTAssertThrowsError(try connector.read(TableQuery(table: TableName(name: "orders"), columns: ["id", "secret"]))) { error in
            XCTAssertTrue("\(error)".contains("has no column 'secret'"), "\(error)")
        }
    }

    func testWhereClauseCannotEscapeIntoOtherStatements() throws {
        let connector = SQLiteConnector(path: path)
        let orders = TableName(name: "orders")
        XCTAssertThrowsError(try connector.read(TableQuery(table: orders, whereClause: "1=1); ATTACH DATABASE 'x.db' AS x; SELECT (1"))) { error in
            XCTAssertEqual("\(error)", "where_clause may not contain ';'")
        }
        XCTAssertThrowsError(try connector.read(TableQuery(table: orders, whereClause: "load_extension('/tmp/evil.so') IS NULL"))) { error in
            XCTAssertTrue("\(error)".contains("load_extension is not allowed"), "\(error)")
        }
        // A UNION can read more, but it is still a read.
        let union = try drain(connector.read(TableQuery(table: TableName(name: "customers"),
                                                        whereClause: "1=0) UNION SELECT name, sql FROM sqlite_master WHERE (name = 'orders'")))
        XCTAssertEqual(union.first?.first, .text("orders"))
        XCTAssertEqual(try Database(path: path).queryOne("SELECT count(*) FROM orders") { $0.int(0) }, 3)
    }

    func testAuthorizerRefusesEverythingButReads() throws {
        let db = try Database(path: path, readOnly: true)
        let guardian = SQLiteReadGuard()
        guardian.install(on: db.handle)
        let refused = [
            ("ATTACH DATABASE 'other.db' AS other", "ATTACH"),
            ("DETACH DATABASE main", "DETACH"),
            ("PRAGMA user_version = 7", "PRAGMA user_version"),
            ("PRAGMA table_info(orders)", "PRAGMA table_info"),
            ("INSERT INTO customers VALUES ('eve', 'x')", "INSERT"),
            ("UPDATE orders SET amount = 0", "UPDATE"),
            ("DELETE FROM orders", "DELETE"),
            ("CREATE TABLE t (x)", "not allowed"),
            ("BEGIN", "transaction"),
            ("SELECT load_extension('x')", "load_extension"),
        ]
        for (sql, reason) in refused {
            guardian.resetRefusal()
            var statement: OpaquePointer?
            let rc = sqlite3_prepare_v2(db.handle, sql, -1, &statement, nil)
            sqlite3_finalize(statement)
            XCTAssertNotEqual(rc, SQLITE_OK, sql)
            XCTAssertTrue(guardian.refusal?.contains(reason) == true, "\(sql): \(guardian.refusal ?? "no refusal")")
        }
        var statement: OpaquePointer?
        XCTAssertEqual(sqlite3_prepare_v2(db.handle, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT upper(name), x FROM customers, c", -1, &statement, nil), SQLITE_OK)
        sqlite3_finalize(statement)
    }

    func testTimeLimitInterruptsASlowQuery() throws {
        let slow = "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c) > 0"
        let started = Date()
        let stream = try SQLiteConnector(path: path).read(TableQuery(table: TableName(name: "orders"), whereClause: slow, timeLimitSeconds: 0.5))
        XCTAssertThrowsError(try stream.next()) { error in
            XCTAssertEqual("\(error)", "the query took longer than 0.5 s")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    // MARK: writes

    func testAppendCreatesTheTableAndReplaceEmptiesItFirst() throws {
        let connector = SQLiteConnector(path: path)
        let fields = [Field("sku", .string), Field("stock", .integer), Field("weight", .number), Field("active", .boolean)]
        let target = TableName(name: "stock")
        try write(connector, target, fields, .append, [[.text("a"), .int(1), .double(0.5), .bool(true)], [.text("b"), .int(2), .null, .bool(false)]])
        try write(connector, target, fields, .append, [[.text("c"), .int(3), .double(2), .bool(true)]])
        XCTAssertEqual(try connector.columns(of: target), [Field("sku", .string), Field("stock", .integer), Field("weight", .number), Field("active", .integer)])
        XCTAssertEqual(try drain(connector.read(TableQuery(table: target, columns: ["sku", "active"]))),
                       [[.text("a"), .int(1)], [.text("b"), .int(0)], [.text("c"), .int(1)]])
        try write(connector, target, fields, .replace, [[.text("z"), .int(9), .double(1.5), .bool(false)]])
        XCTAssertEqual(try drain(connector.read(TableQuery(table: target))), [[.text("z"), .int(9), .double(1.5), .int(0)]])
    }

    func testUpsertInsertsNewKeysAndUpdatesExistingOnes() throws {
        let connector = SQLiteConnector(path: path)
        let fields = [Field("sku", .string), Field("stock", .integer)]
        let target = TableName(name: "levels")
        try write(connector, target, fields, .upsert(keys: ["sku"]), [[.text("a"), .int(1)], [.text("b"), .int(2)]])
        try write(connector, target, fields, .upsert(keys: ["sku"]), [[.text("b"), .int(20)], [.text("c"), .int(3)], [.text("b"), .int(21)]])
        XCTAssertEqual(try drain(connector.read(TableQuery(table: target))).sorted { $0[0].text! < $1[0].text! },
                       [[.text("a"), .int(1)], [.text("b"), .int(21)], [.text("c"), .int(3)]])
        // Upsert into an existing table without a unique key: a clear error, not SQLite's.
        XCTAssertThrowsError(try connector.beginWrite(into: TableName(name: "customers"), fields: [Field("name"), Field("city")], mode: .upsert(keys: ["name"]))) { error in
            XCTAssertTrue("\(error)".contains("needs a primary key or unique index"), "\(error)")
        }
    }

    func testNothingIsVisibleBeforeCommitAndRollbackRestoresTheTable() throws {
        let connector = SQLiteConnector(path: path)
        let fields = [Field("name"), Field("city")]
        let target = TableName(name: "customers")
        try write(connector, target, fields, .append, [[.text("ann"), .text("Oslo")]])

        let writer = try connector.beginWrite(into: target, fields: fields, mode: .replace)
        try writer.write([.text("zed"), .text("Rome")])
        XCTAssertEqual(writer.rowsWritten, 1)
        // Another reader still sees the table as it was.
        XCTAssertEqual(try drain(SQLiteConnector(path: path).read(TableQuery(table: target))), [[.text("ann"), .text("Oslo")]])
        writer.rollback()
        XCTAssertEqual(try drain(connector.read(TableQuery(table: target))), [[.text("ann"), .text("Oslo")]])

        // A writer dropped without commit rolls back too, and the lock is released.
        do {
            let abandoned = try connector.beginWrite(into: target, fields: fields, mode: .append)
            try abandoned.write([.text("ghost"), .null])
        }
        try write(connector, target, fields, .append, [[.text("bob"), .null]])
        XCTAssertEqual(try drain(connector.read(TableQuery(table: target, columns: ["name"]))), [[.text("ann")], [.text("bob")]])
    }

    func testWritingAFieldTheTableLacksListsItsColumns() throws {
        XCTAssertThrowsError(try SQLiteConnector(path: path).beginWrite(into: TableName(name: "customers"), fields: [Field("name"), Field("email")], mode: .append)) { error in
            XCTAssertEqual("\(error)", "table customers has no column 'email'; its columns are name, city")
        }
    }

    // MARK: helpers

    private func write(_ connector: SQLiteConnector, _ table: TableName, _ fields: [Field], _ mode: WriteMode, _ rows: [DataRow]) throws {
        let writer = try connector.beginWrite(into: table, fields: fields, mode: mode)
        for row in rows { try writer.write(row) }
        try writer.commit()
        XCTAssertEqual(writer.rowsWritten, rows.count)
    }
}

/// Every row of a stream.
func drain(_ stream: RowStream) throws -> [DataRow] {
    var rows: [DataRow] = []
    while let row = try stream.next() { rows.append(row) }
    return rows
}
