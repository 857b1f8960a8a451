import Locking
import SQLite

/// One `Database` wrapper per connection the host leases to calls, kept from call to call so its
/// prepared statements survive: preparing (parsing SQL) costs more than running a simple query.
///
/// Keyed by the connection's address, which is safe because (header section 5):
/// - the host leases a connection to one call at a time, so a wrapper is never used by two threads;
/// - the host closes a connection only after the last call that used it returned, and never
///   finalizes statements it did not prepare;
/// - a wrapper is kept only while it holds a prepared statement, and an unfinalized statement keeps
///   its connection allocated (sqlite3_close refuses with SQLITE_BUSY, sqlite3_close_v2 defers the
///   free), so no other connection can ever appear at a kept wrapper's address. A wrapper without
///   statements pins nothing, so it is dropped when its lease ends.
enum LeasedDatabases {
    /// Every call takes this lock, on whichever host thread runs it (see Locked).
    private static let kept = Locked<[Int: Database]>([:])

    /// The kept wrapper for `handle`, or a new one.
    static func lease(_ handle: OpaquePointer) -> Database {
        kept.withLock { wrappers in
            if let existing = wrappers[key(handle)] { return existing }
            let created = Database(borrowing: handle)
            wrappers[key(handle)] = created
            return created
        }
    }

    /// At the end of a call: no statement may keep a read transaction (and its snapshot) open
    /// while the connection waits in the host's pool, and a wrapper that would pin nothing goes.
    static func endLease(_ database: Database) {
        database.resetActiveStatements()
        guard database.cachedStatementCount == 0 else { return }
        kept.withLock { wrappers in
            if wrappers[key(database.handle)] === database { wrappers[key(database.handle)] = nil }
        }
    }

    /// Whether a wrapper for `handle` is kept (for tests).
    static func isKept(_ handle: OpaquePointer) -> Bool {
        kept.withLock { $0[key(handle)] != nil }
    }

    private static func key(_ handle: OpaquePointer) -> Int { Int(bitPattern: handle) }
}

/// The database handed to one tool call or operator command: wrapped on first use (through the
/// kept wrappers above, so prepared statements survive between calls) and handed back when the
/// call ends. Both ToolCall and OperatorContext hold one.
struct DatabaseLease {
    private let handle: OpaquePointer?
    /// "call" or "operator command", for the error when the host passed no handle.
    private let holder: String
    private var borrowed: Database?

    init(handle: OpaquePointer?, holder: String) {
        self.handle = handle
        self.holder = holder
    }

    mutating func database() throws -> Database {
        if let borrowed { return borrowed }
        guard let handle else { throw InternalError("the host passed no database handle for this \(holder)") }
        let database = LeasedDatabases.lease(handle)
        borrowed = database
        return database
    }

    mutating func end() {
        if let borrowed { LeasedDatabases.endLease(borrowed) }
        borrowed = nil
    }
}
