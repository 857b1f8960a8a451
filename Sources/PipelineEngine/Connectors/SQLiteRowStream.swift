import CSQLite
import SQLite

// Rows of one SELECT on the guarded read-only connection, stepped one at a time as the consumer
// asks. The time limit counts the time SQLite spends producing rows, not the time the consumer
// spends between them, so a slow destination never cuts a fast source short.

final class SQLiteRowStream: RowStream {
    let schema: RowSchema
    private let database: Database
    private let readGuard: SQLiteReadGuard
    private var statement: OpaquePointer?
    private let timeLimitSeconds: Double
    private var spentNanoseconds: UInt64 = 0

    init(database: Database, guard readGuard: SQLiteReadGuard, sql: String, schema: RowSchema, timeLimitSeconds: Double) throws {
        self.database = database
        self.readGuard = readGuard
        self.schema = schema
        self.timeLimitSeconds = timeLimitSeconds
        readGuard.resetRefusal()
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &raw, nil)
        guard rc == SQLITE_OK, let raw else {
            sqlite3_finalize(raw)
            if let refusal = readGuard.refusal { throw EngineError("the query was refused: \(refusal)") }
            throw EngineError("the query could not be prepared: \(database.lastErrorMessage)")
        }
        // Belt and braces: the authorizer already refuses anything but a read.
        guard sqlite3_stmt_readonly(raw) != 0 else {
            sqlite3_finalize(raw)
            throw EngineError("the query was refused: it would write to the database")
        }
        statement = raw
    }

    deinit { close() }

    func next() throws -> DataRow? {
        guard let statement else { return nil }
        let started = SQLiteReadGuard.now()
        let budget = UInt64(max(timeLimitSeconds, 0) * 1_000_000_000)
        readGuard.deadline = started + (budget > spentNanoseconds ? budget - spentNanoseconds : 0)
        let rc = sqlite3_step(statement)
        readGuard.deadline = nil
        spentNanoseconds += SQLiteReadGuard.now() - started
        switch rc {
        case SQLITE_ROW:
            return (0..<Int32(schema.count)).map { SQLiteValues.value(statement, $0) }
        case SQLITE_DONE:
            close()
            return nil
        case SQLITE_INTERRUPT:
            close()
            throw EngineError("the query took longer than \(Value.format(timeLimitSeconds)) s")
        default:
            let message = database.lastErrorMessage
            close()
            if let refusal = readGuard.refusal { throw EngineError("the query was refused: \(refusal)") }
            throw EngineError("reading rows failed: \(message)")
        }
    }

    func close() {
        if let statement { sqlite3_finalize(statement) }
        statement = nil
    }
}
