import CSQLite

/// Header section 5: a call starts with its connection in autocommit mode and must return it
/// that way. A transaction a plugin leaves open would stay open on the pooled connection: every
/// later write on it would be acknowledged to its client and never committed, and every other
/// connection of the pool would wait on its lock until "database is locked". So after every tool
/// call and every operator command the host checks, rolls the transaction back (that call's
/// writes are lost) and fails the call.
enum TransactionGuard {
    /// nil when the connection is back in autocommit mode; otherwise rolls back and says what happened.
    static func rollBackIfOpen(_ database: OpaquePointer, plugin: String, toolset: String?, action: String) -> String? {
        guard sqlite3_get_autocommit(database) == 0 else { return nil }
        let rollback = sqlite3_exec(database, "ROLLBACK", nil, nil, nil)
        let outcome = rollback == SQLITE_OK ? "rolled back; its writes are lost" : "and ROLLBACK failed (SQLite code \(rollback))"
        let subject = "plugin \(plugin)" + (toolset.map { ", toolset \($0)" } ?? "") + ", \(action)"
        return "\(subject) returned with a database transaction still open (a call must return in autocommit mode): \(outcome)"
    }
}
