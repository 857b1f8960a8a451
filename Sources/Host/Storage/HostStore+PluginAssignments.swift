import Foundation
import SQLite

/// host.db's memory of which library holds which name (see NameAssignments).
extension HostStore {
    func pluginAssignments() throws -> [NameAssignment] { try HostStore.pluginAssignments(in: database) }

    /// Rows of a kind this build does not know (written by a newer one) are left out.
    private static func pluginAssignments(in database: Database) throws -> [NameAssignment] {
        try database.query("SELECT kind, name, holder, assigned_ms, by_operator FROM plugin_assignments ORDER BY kind, name") { row in
            NameKind(rawValue: row.string(0)).map {
                NameAssignment(kind: $0, name: row.string(1), holder: row.string(2), assignedMs: row.int64(3), byOperator: row.int(4) != 0)
            }
        }.compactMap { $0 }
    }

    /// Remembers names given to their only claimant; a name someone else remembered meanwhile
    /// (another process starting at the same moment) stays theirs.
    func rememberFirstSeen(_ assignments: [NameAssignment]) throws {
        guard !assignments.isEmpty else { return }
        try database.transaction {
            for assignment in assignments {
                try database.run("INSERT OR IGNORE INTO plugin_assignments (kind, name, holder, assigned_ms, by_operator) VALUES (?, ?, ?, ?, 0)",
                                 [.text(assignment.kind.rawValue), .text(assignment.name), .text(assignment.holder), .int(assignment.assignedMs)])
            }
        }
    }

    /// `toolhost plugins assign`: the operator's word, replacing whoever held the name.
    func assign(_ assignment: NameAssignment) throws {
        try database.run(
            """
            INSERT INTO plugin_assignments (kind, name, holder, assigned_ms, by_operator) VALUES (?, ?, ?, ?, 1)
            ON CONFLICT(kind, name) DO UPDATE SET holder = excluded.holder, assigned_ms = excluded.assigned_ms, by_operator = 1
            """,
            [.text(assignment.kind.rawValue), .text(assignment.name), .text(assignment.holder), .int(assignment.assignedMs)])
    }

    /// Reads the assignments of an existing data folder without creating or migrating anything
    /// (for `toolhost plugins` and help, which must leave the data folder untouched).
    static func readPluginAssignments(dataDirectory: String) -> [NameAssignment] {
        let path = dataDirectory + "/host.db"
        guard FileManager.default.fileExists(atPath: path), let database = try? Database(path: path, readOnly: true) else { return [] }
        // An older host.db has no such table yet: nothing is assigned.
        return (try? pluginAssignments(in: database)) ?? []
    }
}
