// Rows going into one PostgreSQL table inside one transaction on a connection of its own. Rows are
// buffered and sent as multi-row INSERTs with parameters (up to 500 rows per statement) — one
// round trip per batch instead of per row. Replace empties the table with DELETE, so readers
// keep seeing the old rows (rather than waiting on TRUNCATE's lock) until the commit.

final class PostgresTableWriter: TableWriter {
    static let rowsPerStatement = 500
    /// The protocol's limit on parameters in one statement.
    static let maximumParameters = 65535

    private let connection: PostgresConnection
    private let table: TableName
    private let fields: [Field]
    private let mode: WriteMode
    private let qualifiedName: String
    private let batchLimit: Int
    private var pending: [DataRow] = []
    /// Upsert keys of the pending rows: one statement may not update the same row twice.
    private var pendingKeys = Set<[Value]>()
    private let keyIndexes: [Int]
    private var open = true
    private(set) var rowsWritten = 0

    init(connection: PostgresConnection, table: TableName, fields: [Field], mode: WriteMode) throws {
        self.connection = connection
        self.table = table
        self.fields = fields
        self.mode = mode
        if case .upsert(let keys) = mode {
            keyIndexes = keys.compactMap { key in fields.firstIndex { $0.name == key } }
        } else {
            keyIndexes = []
        }
        batchLimit = max(1, min(Self.rowsPerStatement, Self.maximumParameters / fields.count))
        try connection.execute("BEGIN", doing: "starting the write to \(table)")
        do {
            let schema = try Self.prepareTable(table, fields: fields, mode: mode, on: connection)
            qualifiedName = SQLQuoting.qualified(TableName(schema: schema, name: table.name))
            if case .replace = mode { try connection.execute("DELETE FROM \(qualifiedName)", doing: "emptying \(table)") }
        } catch {
            _ = try? connection.execute("ROLLBACK", doing: "abandoning the write")
            open = false
            throw error
        }
    }

    deinit { rollback() }

    func write(_ row: DataRow) throws {
        try Redaction.scrubbing(connection.settings.secrets) { try add(row) }
    }

    private func add(_ row: DataRow) throws {
        guard open else { throw EngineError("writing to \(table) after the write was finished") }
        guard row.count == fields.count else {
            throw EngineError("a row for \(table) has \(row.count) values but \(fields.count) fields were declared")
        }
        if !keyIndexes.isEmpty {
            let key = keyIndexes.map { row[$0] }
            if pendingKeys.contains(key) { try flush() }
            pendingKeys.insert(key)
        }
        pending.append(row)
        if pending.count >= batchLimit { try flush() }
    }

    func commit() throws {
        try Redaction.scrubbing(connection.settings.secrets) { try finish() }
    }

    private func finish() throws {
        guard open else { throw EngineError("the write to \(table) was already finished") }
        do {
            try flush()
            try connection.execute("COMMIT", doing: "committing \(table)")
            open = false
        } catch {
            rollback()
            throw error
        }
    }

    func rollback() {
        guard open else { return }
        open = false
        pending.removeAll()
        _ = try? connection.execute("ROLLBACK", doing: "rolling back \(table)")
    }

    /// Sends the pending rows as one INSERT.
    private func flush() throws {
        guard !pending.isEmpty else { return }
        var parameters: [String?] = []
        parameters.reserveCapacity(pending.count * fields.count)
        for row in pending {
            for (value, field) in zip(row, fields) { parameters.append(try PostgresValues.parameter(value, for: field.type)) }
        }
        let first = rowsWritten + 1, last = rowsWritten + pending.count
        try connection.execute(insertStatement(rows: pending.count), parameters,
                               doing: "writing rows \(first)–\(last) to \(table)")
        rowsWritten += pending.count
        pending.removeAll(keepingCapacity: true)
        pendingKeys.removeAll(keepingCapacity: true)
    }

    private func insertStatement(rows: Int) -> String {
        let names = fields.map { SQLQuoting.identifier($0.name) }
        var tuples: [String] = []
        tuples.reserveCapacity(rows)
        for row in 0..<rows {
            let base = row * fields.count
            tuples.append("(" + (1...fields.count).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
        }
        var sql = "INSERT INTO \(qualifiedName) (\(names.joined(separator: ", "))) VALUES " + tuples.joined(separator: ", ")
        if case .upsert(let keys) = mode {
            let updates = fields.map(\.name).filter { !keys.contains($0) }
                .map { "\(SQLQuoting.identifier($0)) = EXCLUDED.\(SQLQuoting.identifier($0))" }
            sql += " ON CONFLICT (\(keys.map(SQLQuoting.identifier).joined(separator: ", "))) "
                + (updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", "))
        }
        return sql
    }

    /// Creates the table (and the upsert key's unique index) when missing, or checks an existing
    /// one has every field. Returns the schema the table is in.
    private static func prepareTable(_ table: TableName, fields: [Field], mode: WriteMode, on connection: PostgresConnection) throws -> String {
        if let schema = try PostgresCatalog.existingSchema(of: table, on: connection) {
            let existing = try PostgresCatalog.columns(on: connection, schema: schema, table: table.name)
            if !existing.isEmpty {
                let missing = fields.map(\.name).filter { name in !existing.contains { $0.name == name } }
                if !missing.isEmpty {
                    throw EngineError("table \(schema).\(table.name) has no column \(missing.map { "'\($0)'" }.listed); its columns are \(existing.map(\.name).listed)")
                }
                return schema
            }
        }
        let schema = try table.schema ?? PostgresCatalog.creationSchema(on: connection)
        let qualified = SQLQuoting.qualified(TableName(schema: schema, name: table.name))
        let columns = fields.map { SQLQuoting.identifier($0.name) + " " + PostgresValues.columnType(for: $0.type) }
        try connection.execute("CREATE TABLE IF NOT EXISTS \(qualified) (\(columns.joined(separator: ", ")))", doing: "creating \(table)")
        if case .upsert(let keys) = mode {
            let index = SQLQuoting.identifier(table.name + "_upsert_key")
            try connection.execute("CREATE UNIQUE INDEX IF NOT EXISTS \(index) ON \(qualified) (\(keys.map(SQLQuoting.identifier).joined(separator: ", ")))",
                                   doing: "creating the upsert key index on \(table)")
        }
        return schema
    }
}
