import JSON
import SQLite
import ToolsetKit

/// The tenant's workflow database.
struct WorkflowStore {
    let database: Database
    let now: Int64

    init(_ database: Database, now: Int64) {
        self.database = database
        self.now = now
    }

    func write<T>(_ body: () throws -> T) throws -> T { try database.transaction(body) }

    // MARK: Ideas

    private static let ideaColumns = "seq, id, title, description, category, toolsets, archived, created_ms"

    private static func idea(_ row: Row) -> Idea {
        let toolsets = JSONValue(storedText: row.string(5)).arrayValue?.compactMap(\.stringValue) ?? []
        return Idea(seq: row.int64(0), id: row.string(1), title: row.string(2), description: row.string(3), category: row.optionalString(4),
                    toolsets: toolsets, archived: row.int(6) != 0, createdMs: row.int64(7))
    }

    /// Live ideas, oldest first; `query` words must each appear in the title or description.
    func ideas(query: String?, category: String?, includeArchived: Bool = false, after: Int64?, limit: Int) throws -> [Idea] {
        var sql = "SELECT \(Self.ideaColumns) FROM ideas WHERE seq > ?"
        var parameters: [SQLValue] = [.int(after ?? 0)]
        if !includeArchived { sql += " AND archived = 0" }
        if let category {
            sql += " AND category = ? COLLATE NOCASE"
            parameters.append(.text(category))
        }
        for term in SQLTerm.searching(query, in: ["title", "description"]) {
            sql += " AND (\(term.sql))"
            parameters += term.parameters
        }
        return try database.query(sql + " ORDER BY seq LIMIT ?", parameters + [.int(Int64(limit))], Self.idea)
    }

    func addIdea(title: String, description: String, category: String?, toolsets: [String]) throws -> Idea {
        let id = randomID("idea_")
        try database.run("INSERT INTO ideas (id, title, description, category, toolsets, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [.text(id), .text(title), .text(description), SQLValue(category),
                          .text(JSONValue.array(toolsets.map(JSONValue.string)).jsonString), .int(now), .int(now)])
        return Idea(seq: database.lastInsertRowID, id: id, title: title, description: description, category: category, toolsets: toolsets,
                    archived: false, createdMs: now)
    }

    /// True when an idea was archived by this.
    func archiveIdea(_ id: String) throws -> Bool {
        try database.run("UPDATE ideas SET archived = 1, updated_ms = ? WHERE id = ? AND archived = 0", [.int(now), .text(id)])
        return database.changes > 0
    }

    // MARK: Requests

    private static let requestColumns = "seq, id, title, description, desired_trigger, example, status, token_id, token_name, created_ms, decided_by, decided_ms, reason"

    private static func request(_ row: Row) -> WorkflowRequest {
        WorkflowRequest(seq: row.int64(0), id: row.string(1), title: row.string(2), description: row.string(3),
                        desiredTrigger: row.optionalString(4), example: row.optionalString(5),
                        status: RequestStatus(rawValue: row.string(6)) ?? .pending, tokenID: row.string(7), tokenName: row.string(8),
                        createdMs: row.int64(9), decidedBy: row.optionalString(10), decidedMs: row.optionalInt64(11), reason: row.optionalString(12))
    }

    func request(id: String) throws -> WorkflowRequest? {
        try database.queryOne("SELECT \(Self.requestColumns) FROM requests WHERE id = ?", [.text(id)], Self.request)
    }

    func requests(status: RequestStatus?, limit: Int) throws -> [WorkflowRequest] {
        if let status {
            return try database.query("SELECT \(Self.requestColumns) FROM requests WHERE status = ? ORDER BY seq LIMIT ?",
                                      [.text(status.rawValue), .int(Int64(limit))], Self.request)
        }
        return try database.query("SELECT \(Self.requestColumns) FROM requests ORDER BY seq LIMIT ?", [.int(Int64(limit))], Self.request)
    }

    func pendingRequestCount() throws -> Int {
        try database.queryOne("SELECT count(*) FROM requests WHERE status = 'pending'", []) { $0.int(0) } ?? 0
    }

    func submitRequest(title: String, description: String, trigger: String?, example: String?, tokenID: String, tokenName: String) throws -> WorkflowRequest {
        let id = randomID("wr_")
        try database.run("""
            INSERT INTO requests (id, title, description, desired_trigger, example, status, token_id, token_name, created_ms)
            VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)
            """, [.text(id), .text(title), .text(description), SQLValue(trigger), SQLValue(example), .text(tokenID), .text(tokenName), .int(now)])
        guard let request = try request(id: id) else { throw InternalError("request \(id) vanished") }
        return request
    }

    func decideRequest(_ id: String, status: RequestStatus, by operatorName: String, reason: String?) throws {
        try database.run("UPDATE requests SET status = ?, decided_by = ?, decided_ms = ?, reason = ? WHERE id = ? AND status = 'pending'",
                         [.text(status.rawValue), .text(operatorName), .int(now), SQLValue(reason), .text(id)])
    }
}
