import Foundation
import JSON
import SQLite
import ToolsetKit
#if canImport(Glibc)
import Glibc
#endif

/// Where an item stands: only `live` items are ever searchable.
enum Visibility: String, CaseIterable, Sendable {
    case draft, live, hidden
}

/// Who put an item in the knowledge base.
enum Source: String, CaseIterable, Sendable {
    case external, manual

    var label: String {
        switch self {
        case .external: return "Pushed by an external tool"
        case .manual: return "Added by an operator"
        }
    }
}

enum Limits {
    static let title = 200
    static let content = 20_000
    static let summary = 1000
    static let category = 100
    static let defaultMaxPendingDrafts = 500
}

struct KnowledgeItem: Sendable {
    let seq: Int64
    let id: String
    var title: String
    var content: String
    var summary: String?
    var category: String?
    var visibility: Visibility
    let source: Source
    let systemSuggested: Bool
    let pushedByTokenID: String?
    let pushedByTokenName: String?
    let createdAt: String
    var updatedAt: String

    var json: JSONValue {
        func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        return [
            "id": .string(id),
            "title": .string(title),
            "content": .string(content),
            "summary": optional(summary),
            "category": optional(category),
            "visibility": .string(visibility.rawValue),
            "source": .string(source.rawValue),
            "source_label": .string(source.label),
            "system_suggested": .bool(systemSuggested),
            "pushed_by_token_id": optional(pushedByTokenID),
            "pushed_by_token_name": optional(pushedByTokenName),
            "created_at": .string(createdAt),
            "updated_at": .string(updatedAt),
        ]
    }

    /// The same without the (possibly long) content: a preview of it instead.
    var summaryJSON: JSONValue {
        guard case .object(let object) = json else { return json }
        var result = JSONObject(object.members.filter { $0.key != "content" })
        var preview = String(content.prefix(200))
        if preview.count < content.count { preview += "…" }
        result["content_preview"] = .string(preview)
        return .object(result)
    }
}

struct HistoryEntry: Sendable {
    let itemID: String
    let from: String?
    let to: String
    let actor: String
    let at: String

    var json: JSONValue {
        ["item_id": .string(itemID), "from": from.map { .string($0) } ?? .null, "to": .string(to), "by": .string(actor), "at": .string(at)]
    }
}

/// The knowledge base of one tenant: items, a full-text index holding LIVE items only, and the
/// history of every visibility change.
struct KnowledgeStore {
    let database: Database

    init(_ database: Database) { self.database = database }

    static let migrations = [
        """
        CREATE TABLE knowledge_items (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            summary TEXT,
            category TEXT,
            visibility TEXT NOT NULL CHECK (visibility IN ('draft', 'live', 'hidden')),
            source TEXT NOT NULL CHECK (source IN ('external', 'manual')),
            system_suggested INTEGER NOT NULL DEFAULT 0,
            pushed_by_token_id TEXT,
            pushed_by_token_name TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX knowledge_items_queue ON knowledge_items (visibility, source, seq);
        CREATE INDEX knowledge_items_category ON knowledge_items (visibility, category);

        -- Only live items are indexed, so drafts and hidden items can never be found, whatever the query.
        CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, summary, content, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TRIGGER knowledge_items_ai AFTER INSERT ON knowledge_items WHEN new.visibility = 'live' BEGIN
            INSERT INTO knowledge_fts (rowid, title, summary, content) VALUES (new.seq, new.title, coalesce(new.summary, ''), new.content);
        END;
        CREATE TRIGGER knowledge_items_ad AFTER DELETE ON knowledge_items BEGIN
            DELETE FROM knowledge_fts WHERE rowid = old.seq;
        END;
        CREATE TRIGGER knowledge_items_au AFTER UPDATE ON knowledge_items BEGIN
            DELETE FROM knowledge_fts WHERE rowid = old.seq;
            INSERT INTO knowledge_fts (rowid, title, summary, content)
                SELECT new.seq, new.title, coalesce(new.summary, ''), new.content WHERE new.visibility = 'live';
        END;

        CREATE TABLE knowledge_item_history (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            from_visibility TEXT,
            to_visibility TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            request_id TEXT
        );
        CREATE INDEX knowledge_item_history_item ON knowledge_item_history (item_id, id);
        """,
    ]

    static let columns = "seq, id, title, content, summary, category, visibility, source, system_suggested, pushed_by_token_id, pushed_by_token_name, created_at, updated_at"

    static func item(_ row: Row) -> KnowledgeItem {
        KnowledgeItem(
            seq: row.int64(0), id: row.string(1), title: row.string(2), content: row.string(3),
            summary: row.optionalString(4), category: row.optionalString(5),
            visibility: Visibility(rawValue: row.string(6)) ?? .hidden, source: Source(rawValue: row.string(7)) ?? .manual,
            systemSuggested: row.int(8) != 0, pushedByTokenID: row.optionalString(9), pushedByTokenName: row.optionalString(10),
            createdAt: row.string(11), updatedAt: row.string(12))
    }

    static func newID() -> String { randomID("kn_") }

    func find(_ id: String) throws -> KnowledgeItem? {
        try database.queryOne("SELECT \(Self.columns) FROM knowledge_items WHERE id = ?", [.text(id)], Self.item)
    }

    /// Inserts a new item and records its first history entry.
    func insert(title: String, content: String, summary: String?, category: String?, visibility: Visibility, source: Source,
                systemSuggested: Bool, tokenID: String?, tokenName: String?, actor: String, now: String, requestID: String?) throws -> KnowledgeItem {
        let id = Self.newID()
        try database.run("""
            INSERT INTO knowledge_items (id, title, content, summary, category, visibility, source, system_suggested,
                                         pushed_by_token_id, pushed_by_token_name, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(title), .text(content), SQLValue(summary), SQLValue(category), .text(visibility.rawValue),
                  .text(source.rawValue), SQLValue(systemSuggested), SQLValue(tokenID), SQLValue(tokenName), .text(now), .text(now)])
        try recordHistory(id, from: nil, to: visibility.rawValue, actor: actor, now: now, requestID: requestID)
        guard let item = try find(id) else { throw DatabaseError(code: 1, message: "inserted item \(id) vanished") }
        return item
    }

    func updateContent(_ item: KnowledgeItem, now: String) throws {
        try database.run("UPDATE knowledge_items SET title = ?, content = ?, summary = ?, category = ?, updated_at = ? WHERE id = ?",
                         [.text(item.title), .text(item.content), SQLValue(item.summary), SQLValue(item.category), .text(now), .text(item.id)])
    }

    func setVisibility(_ id: String, from: Visibility, to: Visibility, actor: String, now: String, requestID: String?) throws {
        try database.run("UPDATE knowledge_items SET visibility = ?, updated_at = ? WHERE id = ?", [.text(to.rawValue), .text(now), .text(id)])
        try recordHistory(id, from: from.rawValue, to: to.rawValue, actor: actor, now: now, requestID: requestID)
    }

    func delete(_ item: KnowledgeItem, actor: String, now: String, requestID: String?) throws {
        try database.run("DELETE FROM knowledge_items WHERE id = ?", [.text(item.id)])
        try recordHistory(item.id, from: item.visibility.rawValue, to: "deleted", actor: actor, now: now, requestID: requestID)
    }

    func recordHistory(_ id: String, from: String?, to: String, actor: String, now: String, requestID: String?) throws {
        try database.run("INSERT INTO knowledge_item_history (item_id, from_visibility, to_visibility, actor, at, request_id) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(id), SQLValue(from), .text(to), .text(actor), .text(now), SQLValue(requestID)])
    }

    func history(_ id: String) throws -> [HistoryEntry] {
        try database.query("SELECT item_id, from_visibility, to_visibility, actor, at FROM knowledge_item_history WHERE item_id = ? ORDER BY id",
                           [.text(id)]) { HistoryEntry(itemID: $0.string(0), from: $0.optionalString(1), to: $0.string(2), actor: $0.string(3), at: $0.string(4)) }
    }

    func pendingExternalDrafts() throws -> Int {
        try database.queryOne("SELECT count(*) FROM knowledge_items WHERE visibility = 'draft' AND source = 'external'") { $0.int(0) } ?? 0
    }

    /// Items in creation order, optionally filtered, after `afterSeq`.
    func list(visibility: Visibility?, source: Source?, afterSeq: Int64 = 0, limit: Int) throws -> [KnowledgeItem] {
        var conditions = ["seq > ?"]
        var parameters: [SQLValue] = [.int(afterSeq)]
        if let visibility { conditions.append("visibility = ?"); parameters.append(.text(visibility.rawValue)) }
        if let source { conditions.append("source = ?"); parameters.append(.text(source.rawValue)) }
        parameters.append(.int(Int64(limit)))
        return try database.query("SELECT \(Self.columns) FROM knowledge_items WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?",
                                  parameters, Self.item)
    }

    struct Hit {
        let item: KnowledgeItem
        let score: Double
        let snippet: String
    }

    /// Full-text search over live items: bm25 (title weighs most, then summary, then content), best first.
    func search(match: String, category: String?, offset: Int, limit: Int) throws -> [Hit] {
        var sql = """
            SELECT \(Self.columns.split(separator: ",").map { "k." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
                   bm25(knowledge_fts, 10.0, 5.0, 1.0) AS score,
                   snippet(knowledge_fts, 2, '**', '**', '…', 24)
            FROM knowledge_fts JOIN knowledge_items k ON k.seq = knowledge_fts.rowid
            WHERE knowledge_fts MATCH ? AND k.visibility = 'live'
            """
        var parameters: [SQLValue] = [.text(match)]
        if let category {
            sql += " AND k.category = ? COLLATE NOCASE"
            parameters.append(.text(category))
        }
        sql += " ORDER BY score, k.seq LIMIT ? OFFSET ?"
        parameters.append(.int(Int64(limit)))
        parameters.append(.int(Int64(offset)))
        return try database.query(sql, parameters) { row in
            Hit(item: Self.item(row), score: row.double(13), snippet: row.string(14))
        }
    }

    func categories() throws -> [(name: String?, count: Int)] {
        try database.query("""
            SELECT category, count(*) FROM knowledge_items WHERE visibility = 'live'
            GROUP BY category ORDER BY category IS NULL, category COLLATE NOCASE
            """) { ($0.optionalString(0), $0.int(1)) }
    }

    /// A user's words as an FTS5 query: every word quoted (no operator syntax leaks through), any may match;
    /// bm25 ranks items matching more (and rarer) words first. nil when there is no word at all.
    static func matchExpression(_ query: String) -> String? {
        var words: [String] = []
        var current = ""
        for scalar in query.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        guard !words.isEmpty else { return nil }
        return words.prefix(32).map { "\"\($0)\"" }.joined(separator: " OR ")
    }
}
