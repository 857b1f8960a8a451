import CSQLite

/// Header section 5: a call starts with its connection in autocommit mode and must return it
/// that way. A transaction a plugin leaves open would stay open on the pooled connection: every
/// later write on it would be acknowledged to its client and never committed, and every other
/// connection of the pool would wait on its lock until "database is locked". So every lease of a
/// toolset database ends with this check (ToolsetDatabases.withDatabase): the transaction is
/// rolled back (that call's writes are lost) and the lease fails with this error.
struct OpenTransactionError: Error, CustomStringConvertible {
    let description: String

    /// Throws when `database` is not back in autocommit mode, after rolling it back.
    /// - Parameter lessee: who had the connection, e.g. "plugin notes, toolset notes, tool add".
    static func rollBackIfOpen(_ database: OpaquePointer, lessee: () -> String) throws(OpenTransactionError) {
        guard sqlite3_get_autocommit(database) == 0 else { return }
        let rollback = sqlite3_exec(database, "ROLLBACK", nil, nil, nil)
        let outcome = rollback == SQLITE_OK ? "rolled back; its writes are lost" : "and ROLLBACK failed (SQLite code \(rollback))"
        throw OpenTransactionError(description: "\(lessee()) returned with a database transaction still open (a call must return in autocommit mode): \(outcome)")
    }
}
