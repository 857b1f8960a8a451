import SQLite
import ToolsetKit

/// The tenant's kanban database: projects and their columns here, cards in KanbanStore+Cards.
/// Agents and humans go through the same lookups, so "unknown project" reads the same for both.
struct KanbanStore {
    let database: Database
    let now: Int64

    init(_ database: Database, now: Int64) {
        self.database = database
        self.now = now
    }

    func write<T>(_ body: () throws -> T) throws -> T { try database.transaction(body) }

    // MARK: Projects

    private static let projectSelect = "SELECT id, slug, name, created_ms FROM projects"

    private static func project(_ row: Row) -> Project {
        Project(id: row.int64(0), slug: row.string(1), name: row.string(2), createdMs: row.int64(3))
    }

    /// Projects in id order (creation), after `afterID`.
    func projects(after afterID: Int64? = nil, limit: Int = Int.max) throws -> [Project] {
        try database.query("\(Self.projectSelect) WHERE id > ? ORDER BY id LIMIT ?",
                           [.int(afterID ?? 0), .int(Int64(min(limit, Int(Int32.max))))], Self.project)
    }

    /// The project named by its id (slug) or, failing that, its name (any case).
    func project(named name: String) throws -> Project? {
        try database.queryOne("\(Self.projectSelect) WHERE slug = lower(?) OR name = ? COLLATE NOCASE ORDER BY slug = lower(?) DESC LIMIT 1",
                              [.text(name), .text(name), .text(name)], Self.project)
    }

    /// `project(named:)`, or an error naming the projects there are.
    func existingProject(_ name: String) throws -> Project {
        if let project = try project(named: name) { return project }
        let known = try database.query("SELECT slug FROM projects ORDER BY slug LIMIT 50", []) { $0.string(0) }
        throw ToolError("No project \"\(preview(name, 60))\" (projects: \(known.isEmpty ? "none yet" : known.joined(separator: ", ")))")
    }

    func createProject(slug: String, name: String, columns: [String]) throws -> Project {
        try database.run("INSERT INTO projects (slug, name, created_ms) VALUES (?, ?, ?)", [.text(slug), .text(name), .int(now)])
        let project = Project(id: database.lastInsertRowID, slug: slug, name: name, createdMs: now)
        for (index, column) in columns.enumerated() {
            try database.run("INSERT INTO board_columns (project_id, name, position) VALUES (?, ?, ?)",
                             [.int(project.id), .text(column), .int(Int64(index + 1))])
        }
        return project
    }

    func board(_ project: Project) throws -> Board { Board(project: project, columns: try columns(of: project)) }

    // MARK: Columns

    /// Left to right, each with its count of active cards.
    func columns(of project: Project) throws -> [Column] {
        try database.query("""
            SELECT b.id, b.project_id, b.name, b.position,
                   (SELECT count(*) FROM cards c WHERE c.column_id = b.id AND c.archived_ms IS NULL)
            FROM board_columns b WHERE b.project_id = ? ORDER BY b.position
            """, [.int(project.id)]) { row in
            Column(id: row.int64(0), projectID: row.int64(1), name: row.string(2), position: row.int(3), cardCount: row.int(4))
        }
    }

    /// The project's column of that name (any case), or an error naming its columns.
    func column(_ name: String, in project: Project) throws -> Column {
        let columns = try columns(of: project)
        let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let column = columns.first(where: { $0.name.lowercased() == wanted }) { return column }
        throw ToolError("No column \"\(preview(name, 60))\" in project \"\(project.slug)\" (columns: \(columns.map(\.name).joined(separator: ", ")))")
    }

    /// Inserts at `position` (1-based; nil: at the right end), shifting later columns right.
    func addColumn(_ name: String, to project: Project, at position: Int?) throws -> Column {
        let columns = try columns(of: project)
        guard columns.count < Limits.columnsPerProject else {
            throw ToolError("project \"\(project.slug)\" already has \(columns.count) columns, the limit")
        }
        if columns.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            throw ToolError("project \"\(project.slug)\" already has a column \"\(name)\"")
        }
        let at = try position.map { value throws(ToolError) in try Rules.position(value, max: columns.count + 1) } ?? columns.count + 1
        try database.run("UPDATE board_columns SET position = position + 1 WHERE project_id = ? AND position >= ?",
                         [.int(project.id), .int(Int64(at))])
        try database.run("INSERT INTO board_columns (project_id, name, position) VALUES (?, ?, ?)",
                         [.int(project.id), .text(name), .int(Int64(at))])
        return Column(id: database.lastInsertRowID, projectID: project.id, name: name, position: at, cardCount: 0)
    }

    func renameColumn(_ column: Column, in project: Project, to name: String) throws {
        if let other = try columns(of: project).first(where: { $0.name.lowercased() == name.lowercased() }), other.id != column.id {
            throw ToolError("project \"\(project.slug)\" already has a column \"\(other.name)\"")
        }
        try database.run("UPDATE board_columns SET name = ? WHERE id = ?", [.text(name), .int(column.id)])
    }

    /// Removes an empty column. Archived cards count as held too: they still belong to it (and
    /// show in `kanban cards`), so removing it would have to decide their fate silently.
    func removeColumn(_ column: Column, in project: Project) throws {
        let held: (total: Int, archived: Int) = try database.queryOne(
            "SELECT count(*), count(archived_ms) FROM cards WHERE column_id = ?", [.int(column.id)]) { ($0.int(0), $0.int(1)) } ?? (0, 0)
        guard held.total == 0 else {
            let archived = held.archived > 0 ? " (\(held.archived) archived)" : ""
            throw ToolError("column \"\(column.name)\" holds \(held.total) card\(held.total == 1 ? "" : "s")\(archived); move them to "
                + "another column first (toolhost kanban move CARD_ID --column NAME); nothing was removed")
        }
        guard try columns(of: project).count > 1 else { throw ToolError("a project keeps at least one column; nothing was removed") }
        try database.run("DELETE FROM board_columns WHERE id = ?", [.int(column.id)])
        try database.run("UPDATE board_columns SET position = position - 1 WHERE project_id = ? AND position > ?",
                         [.int(project.id), .int(Int64(column.position))])
    }
}
