import Foundation
import Locking
import SQLite

/// One SQLite database per (tenant, plugin), at `<data>/tenants/<tenant>/<plugin>.db`, opened by
/// the host and leased to one call at a time. A toolset only ever receives the handle of the
/// calling tenant's file, so it cannot read another tenant's data even by mistake.
///
/// The header (section 5, "Connection lifetime and caching") promises plugins that a handle stays
/// open between calls and is only closed at shutdown, with sqlite3_close_v2, never finalizing a
/// statement the host did not prepare: plugins cache prepared statements per handle on that
/// promise. Keep it when changing how pools are created or drained.
final class ToolsetDatabases: Sendable {
    private let dataDirectory: String
    /// One pool per "tenant/plugin"; created (and its database migrated) under the lock, once.
    /// Every tool call on every worker takes it (see Locked).
    private let pools = Locked<[String: ConnectionPool<Database>]>([:])

    init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Leases the (tenant, plugin) database for `body`. The lease ends with the transaction check
    /// of header section 5: a connection that comes back inside a transaction is rolled back and
    /// the lease throws `OpenTransactionError` naming `purpose` (e.g. "toolset notes, tool add").
    /// `purpose` is only built if the check fails (an autoclosure: no string per call).
    func withDatabase<T>(tenant: String, plugin: LoadedPlugin, purpose: @autoclosure () -> String,
                         _ body: (Database) throws -> T) throws -> T {
        try pool(tenant: tenant, plugin: plugin).withResource { database in
            let result = try body(database)
            try OpenTransactionError.rollBackIfOpen(database.handle, lessee: { "plugin \(plugin.name), \(purpose())" })
            return result
        }
    }

    private func pool(tenant: String, plugin: LoadedPlugin) throws -> ConnectionPool<Database> {
        let key = tenant + "/" + plugin.name
        return try pools.withLock { pools in
            if let pool = pools[key] { return pool }
            let pool = try openPool(tenant: tenant, plugin: plugin)
            pools[key] = pool
            return pool
        }
    }

    private func openPool(tenant: String, plugin: LoadedPlugin) throws -> ConnectionPool<Database> {
        // First use of this pair: create the folder and bring the schema up to date once,
        // under the lock, before any call can see the database.
        let folder = dataDirectory + "/tenants/" + tenant
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + plugin.name + ".db"
        let first = try Database(path: path)
        do {
            try first.migrate(plugin.migrations)
        } catch let error as DatabaseError {
            // Keep SQLite's code and say where: "SQLite error 1: migrating … : near …", once.
            throw DatabaseError(code: error.code, message: "migrating \(plugin.name) database of tenant \(tenant): \(error.message)")
        }
        // A connection per concurrent call (so readers run in parallel under WAL); two writers
        // that collide wait in the Database's microsecond busy handler.
        _ = first
        return ConnectionPool<Database> { try Database(path: path) }
    }

    func closeAll() {
        pools.withLock { pools in
            for pool in pools.values { pool.drain() }
            pools.removeAll()
        }
    }
}
