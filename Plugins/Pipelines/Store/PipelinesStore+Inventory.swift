import JSON
import SQLite
import ToolsetKit

// Workspaces and connections: what operators create and agents list.
extension PipelinesStore {
    // MARK: Workspaces

    private static let workspaceSelect = "SELECT seq, id, name, description, created_ms, created_by FROM workspaces"

    private static func workspace(_ row: Row) -> Workspace {
        Workspace(seq: row.int64(0), id: row.string(1), name: row.string(2), description: row.string(3), createdMs: row.int64(4), createdBy: row.string(5))
    }

    func workspaces(after: Int64?, limit: Int) throws -> [Workspace] {
        try database.query("\(Self.workspaceSelect) WHERE seq > ? ORDER BY seq LIMIT ?", [.int(after ?? 0), Self.pageLimit(limit)], Self.workspace)
    }

    func workspace(_ idOrName: String) throws -> Workspace? {
        try database.queryOne("\(Self.workspaceSelect) WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
                              [.text(idOrName), .text(idOrName), .text(idOrName)], Self.workspace)
    }

    func existingWorkspace(_ idOrName: String) throws -> Workspace {
        guard let workspace = try workspace(idOrName) else {
            throw ToolError.unknown("workspace", idOrName, hint: "list_workspaces lists them")
        }
        return workspace
    }

    func createWorkspace(name: String, description: String, by: String) throws -> Workspace {
        guard try workspace(name) == nil else { throw ToolError("A workspace named \"\(name)\" already exists") }
        let id = randomID("ws_")
        try database.run("INSERT INTO workspaces (id, name, description, created_ms, created_by) VALUES (?, ?, ?, ?, ?)",
                         [.text(id), .text(name), .text(description), .int(now), .text(by)])
        try index(.workspace, id: id, name: name, body: description)
        return try existingWorkspace(id)
    }

    /// list_workspaces' counts: packages, and workspaces' packages whose last run failed / completed.
    func workspaceCounts(_ workspaceID: String) throws -> (packages: Int, lastFailed: Int, lastCompleted: Int) {
        try database.queryOne("""
            SELECT count(*),
                   coalesce(sum(last.status = 'failed'), 0),
                   coalesce(sum(last.status = 'completed'), 0)
            FROM packages p
            LEFT JOIN runs last ON last.seq = (SELECT max(r.seq) FROM runs r WHERE r.package_id = p.id AND r.status IN ('completed', 'failed', 'cancelled'))
            WHERE p.workspace_id = ? AND p.status = 'active'
            """, [.text(workspaceID)]) { (packages: $0.int(0), lastFailed: $0.int(1), lastCompleted: $0.int(2)) } ?? (0, 0, 0)
    }

    // MARK: Connections

    private static let connectionSelect = """
        SELECT seq, id, name, type, path, host, port, database_name, username, password_sealed, created_ms, created_by,
               last_tested_ms, last_test_ok, last_test_error FROM connections
        """

    private static func connection(_ row: Row) -> Connection {
        Connection(seq: row.int64(0), id: row.string(1), name: row.string(2), type: ConnectionType(rawValue: row.string(3)) ?? .files,
                   path: row.optionalString(4), host: row.optionalString(5), port: row.optionalInt64(6).map(Int.init),
                   databaseName: row.optionalString(7), username: row.optionalString(8),
                   passwordSealed: row.isNull(9) ? nil : row.blob(9), createdMs: row.int64(10), createdBy: row.string(11),
                   lastTestedMs: row.optionalInt64(12), lastTestOK: row.optionalInt64(13).map { $0 != 0 }, lastTestError: row.optionalString(14))
    }

    func connections(type: ConnectionType?, after: Int64?, limit: Int) throws -> [Connection] {
        try database.query("\(Self.connectionSelect) WHERE seq > ? AND (? IS NULL OR type = ?) ORDER BY seq LIMIT ?",
                           [.int(after ?? 0), SQLValue(type?.rawValue), SQLValue(type?.rawValue), Self.pageLimit(limit)], Self.connection)
    }

    func connection(_ id: String) throws -> Connection? {
        try database.queryOne("\(Self.connectionSelect) WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
                              [.text(id), .text(id), .text(id)], Self.connection)
    }

    func existingConnection(_ id: String) throws -> Connection {
        guard let connection = try connection(id) else { throw ToolError.unknown("connection", id, hint: "list_connections lists them") }
        return connection
    }

    struct NewConnection {
        var name: String
        var type: ConnectionType
        var path: String?
        var host: String?
        var port: Int?
        var databaseName: String?
        var username: String?
        var passwordSealed: [UInt8]?
    }

    func createConnection(_ new: NewConnection, by: String) throws -> Connection {
        guard try connection(new.name) == nil else { throw ToolError("A connection named \"\(new.name)\" already exists") }
        let id = randomID("conn_")
        try database.run("""
            INSERT INTO connections (id, name, type, path, host, port, database_name, username, password_sealed, created_ms, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(new.name), .text(new.type.rawValue), SQLValue(new.path), SQLValue(new.host), SQLValue(new.port),
                  SQLValue(new.databaseName), SQLValue(new.username), new.passwordSealed.map { .blob($0) } ?? .null, .int(now), .text(by)])
        // Indexed: what identifies it, never a credential.
        try index(.connection, id: id, name: new.name,
                  body: [new.type.rawValue, new.host, new.databaseName, new.path].compactMap { $0 }.joined(separator: " "))
        return try existingConnection(id)
    }

    func recordTest(_ connection: Connection, ok: Bool, error: String?) throws {
        try database.run("UPDATE connections SET last_tested_ms = ?, last_test_ok = ?, last_test_error = ? WHERE id = ?",
                         [.int(now), .int(ok ? 1 : 0), SQLValue(error), .text(connection.id)])
    }

    /// Connections used by any active package (a connection in use cannot be deleted).
    func packagesUsing(connection id: String) throws -> [String] {
        try database.query("SELECT id, data_flow_json FROM packages WHERE status = 'active'", []) { ($0.string(0), $0.string(1)) }
            .filter { $0.1.contains("\"\(id)\"") }.map(\.0)
    }

    func deleteConnection(_ connection: Connection) throws {
        try database.run("DELETE FROM connections WHERE id = ?", [.text(connection.id)])
        try database.run("DELETE FROM search_index WHERE object_type = 'connection' AND object_id = ?", [.text(connection.id)])
    }
}
