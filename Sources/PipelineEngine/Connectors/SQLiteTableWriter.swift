import CSQLite
import SQLite

// Rows going into one SQLite table inside one IMMEDIATE transaction on a connection of its own:
// readers keep seeing the table as it was until `commit`, and `rollback` (or being dropped
// without a commit) leaves it exactly as before, replace mode's DELETE included.

final class SQLiteTableWriter: TableWriter {
    private let handle: OpaquePointer
    private let database: Database
    private let table: String
    private let fields: [Field]
    private var insert: OpaquePointer?
    private var open = true
    private(set) var rowsWritten = 0

    init(path: String, table: String, fields: [Field], mode: WriteMode) throws {
        try SQLiteTableWriter.check(fields: fields, mode: mode, table: table)
        // Opened directly rather than through `Database(path:)`, which would switch the
        // operator's file to WAL journaling: a destination's settings are not ours to change.
        var raw: OpaquePointer?
        let rc = sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let raw else {
            let message = raw.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(raw)
            throw EngineError("cannot open \(path) for writing: \(message)")
        }
        handle = raw
        database = Database(borrowing: raw)
        self.table = table
        self.fields = fields
        sqlite3_busy_timeout(raw, 5000)
        do {
            try database.execute("BEGIN IMMEDIATE")
            try prepareTable(mode: mode)
            insert = try prepareInsert(mode: mode)
        } catch {
            rollback()
            throw SQLiteTableWriter.engineError(error, doing: "preparing to write \(table)")
        }
    }

    deinit {
        rollback()
        // close_v2 waits for the borrowed wrapper's cached statements, released after this body.
        sqlite3_close_v2(handle)
    }

    func write(_ row: DataRow) throws {
        guard open, let insert else { throw EngineError("writing to \(table) after the write was finished") }
        guard row.count == fields.count else {
            throw EngineError("a row for \(table) has \(row.count) values but \(fields.count) fields were declared")
        }
        sqlite3_reset(insert)
        for (offset, value) in row.enumerated() {
            guard SQLiteValues.bind(value, to: insert, at: Int32(offset + 1)) == SQLITE_OK else {
                throw EngineError("writing row \(rowsWritten + 1) to \(table): \(database.lastErrorMessage)")
            }
        }
        let rc = sqlite3_step(insert)
        guard rc == SQLITE_DONE else {
            let message = database.lastErrorMessage
            sqlite3_reset(insert)
            throw EngineError("writing row \(rowsWritten + 1) to \(table): \(message)")
        }
        rowsWritten += 1
    }

    func commit() throws {
        guard open else { throw EngineError("the write to \(table) was already finished") }
        finalizeInsert()
        do {
            try database.execute("COMMIT")
            open = false
        } catch {
            rollback()
            throw SQLiteTableWriter.engineError(error, doing: "committing \(table)")
        }
    }

    func rollback() {
        guard open else { return }
        finalizeInsert()
        // Fails harmlessly when SQLite already rolled back (e.g. after SQLITE_FULL) or BEGIN never ran.
        try? database.execute("ROLLBACK")
        open = false
    }

    private func finalizeInsert() {
        if let insert { sqlite3_finalize(insert) }
        insert = nil
    }

    /// Creates the table when missing, checks an existing one has every field, empties it for replace.
    private func prepareTable(mode: WriteMode) throws {
        let quoted = "main." + SQLQuoting.identifier(table)
        let existing = try database.query("SELECT name FROM pragma_table_info(?1, 'main')", [.text(table)]) { $0.string(0) }
        if existing.isEmpty {
            let columns = fields.map { SQLQuoting.identifier($0.name) + " " + SQLiteValues.declaredType(for: $0.type) }
            try database.execute("CREATE TABLE \(quoted) (\(columns.joined(separator: ", ")))")
            if case .upsert(let keys) = mode {
                let index = SQLQuoting.identifier(table + "_upsert_key")
                try database.execute("CREATE UNIQUE INDEX main.\(index) ON \(SQLQuoting.identifier(table)) (\(keys.map(SQLQuoting.identifier).joined(separator: ", ")))")
            }
        } else {
            let known = Set(existing.map { $0.lowercased() })  // SQLite column names ignore case
            let missing = fields.map(\.name).filter { !known.contains($0.lowercased()) }
            if !missing.isEmpty {
                throw EngineError("table \(table) has no column \(missing.map { "'\($0)'" }.listed); its columns are \(existing.listed)")
            }
        }
        if case .replace = mode { try database.execute("DELETE FROM \(quoted)") }
    }

    /// One INSERT prepared once and reused for every row.
    private func prepareInsert(mode: WriteMode) throws -> OpaquePointer {
        let names = fields.map { SQLQuoting.identifier($0.name) }
        var sql = "INSERT INTO main.\(SQLQuoting.identifier(table)) (\(names.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: fields.count).joined(separator: ", ") + ")"
        if case .upsert(let keys) = mode {
            let updates = fields.map(\.name).filter { !keys.contains($0) }
                .map { "\(SQLQuoting.identifier($0)) = excluded.\(SQLQuoting.identifier($0))" }
            sql += " ON CONFLICT (\(keys.map(SQLQuoting.identifier).joined(separator: ", "))) "
                + (updates.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + updates.joined(separator: ", "))
        }
        var raw: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &raw, nil) == SQLITE_OK, let raw else {
            sqlite3_finalize(raw)
            let message = database.lastErrorMessage
            if case .upsert(let keys) = mode, message.contains("ON CONFLICT") {
                throw EngineError("upsert into \(table) needs a primary key or unique index on exactly (\(keys.listed)); the existing table has none")
            }
            throw EngineError(message)
        }
        return raw
    }

    /// Field names must be usable and unique; upsert keys must be among the fields.
    static func check(fields: [Field], mode: WriteMode, table: String) throws {
        try SQLQuoting.checkName(table, what: "table")
        if fields.isEmpty { throw EngineError("writing \(table) needs at least one field") }
        var seen = Set<String>()
        for field in fields {
            try SQLQuoting.checkName(field.name, what: "column")
            if !seen.insert(field.name.lowercased()).inserted { throw EngineError("field '\(field.name)' appears twice in the write to \(table)") }
        }
        if case .upsert(let keys) = mode {
            if keys.isEmpty { throw EngineError("upsert into \(table) needs at least one key field") }
            for key in keys where !fields.contains(where: { $0.name == key }) {
                throw EngineError("upsert key '\(key)' is not one of the fields written to \(table) (\(fields.map(\.name).listed))")
            }
        }
    }

    static func engineError(_ error: Error, doing: String) -> EngineError {
        if let error = error as? EngineError { return error }
        if let error = error as? DatabaseError { return EngineError("\(doing): \(error.message)") }
        return EngineError("\(doing): \(error)")
    }
}
