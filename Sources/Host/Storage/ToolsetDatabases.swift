import Foundation
import SQLite

/// One SQLite database per (tenant, plugin), at `<data>/tenants/<tenant>/<plugin>.db`, opened by
/// the host and leased to one call at a time. A toolset only ever receives the handle of the
/// calling tenant's file, so it cannot read another tenant's data even by mistake.
final class ToolsetDatabases: @unchecked Sendable {
    private let dataDirectory: String
    private let lock = NSLock()
    private var pools: [String: ConnectionPool<Database>] = [:]

    init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    func withDatabase<T>(tenant: String, plugin: LoadedPlugin, _ body: (Database) throws -> T) throws -> T {
        try pool(tenant: tenant, plugin: plugin).withResource(body)
    }

    private func pool(tenant: String, plugin: LoadedPlugin) throws -> ConnectionPool<Database> {
        let key = tenant + "/" + plugin.name
        lock.lock()
        defer { lock.unlock() }
        if let pool = pools[key] { return pool }
        // First use of this pair: create the folder and bring the schema up to date once,
        // under the lock, before any call can see the database.
        let folder = dataDirectory + "/tenants/" + tenant
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + plugin.name + ".db"
        let first = try Database(path: path)
        do {
            try first.migrate(plugin.migrations)
        } catch {
            throw DatabaseError(code: 1, message: "migrating \(plugin.name) database of tenant \(tenant): \(error)")
        }
        // A connection per concurrent call (so readers run in parallel under WAL); two writers
        // that collide wait in the Database's microsecond busy handler.
        let pool = ConnectionPool<Database> { try Database(path: path) }
        pools[key] = pool
        _ = first
        return pool
    }

    func closeAll() {
        lock.lock()
        for pool in pools.values { pool.drain() }
        pools.removeAll()
        lock.unlock()
    }
}
