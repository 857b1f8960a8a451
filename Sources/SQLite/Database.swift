import CSQLite
import Glibc

/// A thin, safe wrapper over one SQLite connection. Shared by the host (its own database) and
/// by Swift toolsets (the per-tenant database the host hands them), so both speak SQLite the same way.
///
/// A `Database` is not thread-safe by itself: the host gives each thread (or each leased call)
/// its own connection, which is SQLite's recommended model.
public final class Database: @unchecked Sendable {
    public let handle: OpaquePointer
    /// False when wrapping a connection someone else owns (e.g. a toolset's leased handle).
    private let ownsHandle: Bool
    private var statementCache: [String: Statement] = [:]

    /// Opens (creating if needed) a database file in WAL mode with sane defaults for a server:
    /// foreign keys on, a busy timeout instead of immediate SQLITE_BUSY, synchronous=NORMAL
    /// (in WAL mode a committed transaction survives a process crash or SIGKILL; only an OS crash
    /// or power loss can roll back the last commits).
    public init(path: String, readOnly: Bool = false) throws(DatabaseError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError(code: rc, message: "cannot open \(path): \(message)")
        }
        handle = db
        ownsHandle = true
        Database.installBusyHandler(db)
        if !readOnly {
            try execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
        }
    }

    /// When another connection holds the write lock, wait in small steps. SQLite's own
    /// busy_timeout sleeps 1, 2, 5, 10… ms between attempts, which turns two colliding
    /// sub-millisecond writes into a multi-millisecond stall; here the waits start at 20 µs and
    /// double up to 1 ms, giving up (SQLITE_BUSY) after about 5 seconds.
    private static func installBusyHandler(_ db: OpaquePointer) {
        sqlite3_busy_handler(db, { _, attempts in
            let delay = min(20 << min(Int(attempts), 6), 1000)  // µs: 20, 40, … 1000
            let elapsedEstimate = Int(attempts) * 1000
            if elapsedEstimate > 5_000_000 { return 0 }
            usleep(UInt32(delay))
            return 1
        }, nil)
    }

    /// Wraps a connection owned by someone else (the host's leased handle inside a toolset call).
    public init(borrowing handle: OpaquePointer) {
        self.handle = handle
        ownsHandle = false
    }

    deinit {
        statementCache.removeAll()
        if ownsHandle { sqlite3_close_v2(handle) }
    }

    public var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(DatabaseError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw DatabaseError(code: rc, message: message)
        }
    }

    /// A prepared statement, cached per SQL text: preparing is the expensive part of a query.
    /// The returned statement is reset and its bindings cleared.
    public func prepare(_ sql: String) throws(DatabaseError) -> Statement {
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw DatabaseError(code: rc, message: "\(lastErrorMessage) in: \(sql)") }
        let statement = Statement(raw, database: self)
        statementCache[sql] = statement
        return statement
    }

    /// How many prepared statements `prepare` keeps for reuse.
    public var cachedStatementCount: Int { statementCache.count }

    /// Resets every kept statement still in the middle of a run (e.g. a query whose row mapping
    /// threw), so that none holds its read transaction, and the snapshot it pins, once its user is done.
    public func resetActiveStatements() {
        for statement in statementCache.values where sqlite3_stmt_busy(statement.raw) != 0 { statement.reset() }
    }

    /// Runs a statement with bound parameters and returns nothing.
    public func run(_ sql: String, _ parameters: [SQLValue] = []) throws(DatabaseError) {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        while try statement.step() {}
    }

    /// Runs a query and maps every row.
    public func query<T>(_ sql: String, _ parameters: [SQLValue] = [], _ map: (Row) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        var rows: [T] = []
        while try statement.step() { rows.append(try map(Row(statement: statement))) }
        return rows
    }

    /// The first row of a query, if any.
    public func queryOne<T>(_ sql: String, _ parameters: [SQLValue] = [], _ map: (Row) throws -> T) throws -> T? {
        let statement = try prepare(sql)
        try statement.bind(parameters)
        defer { statement.reset() }
        return try statement.step() ? try map(Row(statement: statement)) : nil
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// IMMEDIATE takes the write lock up front so two writers never deadlock upgrading a read lock.
    public func transaction<T>(_ body: () throws -> T) throws -> T { try within("BEGIN IMMEDIATE", body) }

    /// `body` between `begin` and COMMIT; rolled back if it throws.
    func within<T>(_ begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// PRAGMA user_version: the schema version our migrations record.
    public var userVersion: Int {
        get { (try? queryOne("PRAGMA user_version") { $0.int(0) }) ?? 0 }
    }

    /// Applies migrations numbered 1...n that are newer than user_version, each in its own
    /// transaction together with the version bump, so a crash never leaves a half-applied step.
    public func migrate(_ migrations: [String]) throws {
        let current = userVersion
        guard current <= migrations.count else {
            throw DatabaseError(code: SQLITE_ERROR, message: "database schema version \(current) is newer than this build knows (\(migrations.count)); refusing to downgrade")
        }
        for (offset, sql) in migrations.enumerated() where offset + 1 > current {
            try transaction {
                try execute(sql)
                try execute("PRAGMA user_version = \(offset + 1)")
            }
        }
    }
}

public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "SQLite error \(code): \(message)" }
    public var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Bool) { self = .int(value ? 1 : 0) }
}

public final class Statement {
    let raw: OpaquePointer
    unowned let database: Database

    init(_ raw: OpaquePointer, database: Database) {
        self.raw = raw
        self.database = database
    }

    deinit { sqlite3_finalize(raw) }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    public func bind(_ values: [SQLValue]) throws(DatabaseError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(raw, index)
            case .int(let i): rc = sqlite3_bind_int64(raw, index, i)
            case .double(let d): rc = sqlite3_bind_double(raw, index, d)
            case .text(let s): rc = sqlite3_bind_text(raw, index, s, -1, Statement.transient)
            case .blob(let b): rc = b.withUnsafeBytes { sqlite3_bind_blob(raw, index, $0.baseAddress, Int32($0.count), Statement.transient) }
            }
            guard rc == SQLITE_OK else { throw DatabaseError(code: rc, message: database.lastErrorMessage) }
        }
    }

    /// Advances one row; true while a row is available.
    public func step() throws(DatabaseError) -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = DatabaseError(code: sqlite3_extended_errcode(database.handle), message: database.lastErrorMessage)
            sqlite3_reset(raw)
            throw error
        }
    }
}

/// One result row; valid only inside the mapping closure.
public struct Row {
    let statement: Statement
    var raw: OpaquePointer { statement.raw }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(raw, column)) }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(raw, column) }
    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    public func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(raw, column) else { return "" }
        return String(cString: text)
    }
    public func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }
    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let pointer = sqlite3_column_blob(raw, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
