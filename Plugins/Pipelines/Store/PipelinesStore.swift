import Foundation
import JSON
import PipelineEngine
import SQLite
import ToolsetKit

/// The tenant's pipelines database. One struct, split by object into PipelinesStore+*.swift;
/// agents and operators go through the same lookups, so "no such package" reads the same for both.
struct PipelinesStore {
    let database: Database
    let now: Int64

    init(_ database: Database, now: Int64) {
        self.database = database
        self.now = now
    }

    func write<T>(_ body: () throws -> T) throws -> T { try database.transaction(body) }

    /// Hands out the next page: rows with seq > after, at most limit + 1 so the caller knows whether there is more.
    static func pageLimit(_ limit: Int) -> SQLValue { .int(Int64(min(limit, Int(Int32.max) - 1) + 1)) }


    // MARK: search index

    func index(_ type: SearchType, id: String, name: String, body: String) throws {
        try database.run("DELETE FROM search_index WHERE object_type = ? AND object_id = ?", [.text(type.rawValue), .text(id)])
        try database.run("INSERT INTO search_index (object_type, object_id, name, body) VALUES (?, ?, ?, ?)",
                         [.text(type.rawValue), .text(id), .text(name), .text(body)])
    }

    /// Object ids matching `query`, best first, at most `limit` per type.
    func search(_ query: String, types: [SearchType], perType: Int) throws -> [SearchType: [String]] {
        let match = PipelinesStore.ftsQuery(query)
        var hits: [SearchType: [String]] = [:]
        for type in types {
            hits[type] = try database.query("""
                SELECT object_id FROM search_index WHERE search_index MATCH ? AND object_type = ? ORDER BY rank LIMIT ?
                """, [.text(match), .text(type.rawValue), .int(Int64(perType))]) { $0.string(0) }
        }
        return hits
    }

    /// Words of free text as an FTS5 query: each word a quoted prefix term, all required. Quoting
    /// every word means no FTS5 syntax (NEAR, column filters, …) can be injected.
    static func ftsQuery(_ text: String) -> String {
        let words = text.split { !$0.isLetter && !$0.isNumber && $0 != "_" }.prefix(16)
        return words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "") + "\"*" }.joined(separator: " ")
    }
}

extension ToolError {
    /// The refusal for an id that names nothing (or names something of another kind).
    static func unknown(_ what: String, _ id: String, hint: String) -> ToolError {
        ToolError("No \(what) \(oneLinePreview(id, length: 80)) (\(hint))")
    }
}
