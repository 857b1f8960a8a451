import Foundation

/// A piece of a WHERE clause and the parameters its `?`s take, so filter terms built apart
/// compose in order: `SQLTerm.all([scope, status, search])`.
public struct SQLTerm: Sendable {
    public let sql: String
    public let parameters: [SQLValue]

    public init(_ sql: String, _ parameters: [SQLValue] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    /// Terms joined with AND, each parenthesised; an empty list is "1" (true).
    public static func all(_ terms: [SQLTerm]) -> SQLTerm {
        terms.isEmpty ? SQLTerm("1") : SQLTerm(terms.map { "(\($0.sql))" }.joined(separator: " AND "), terms.flatMap(\.parameters))
    }

    /// `column IN (?, ?, …)` for the values; an empty list matches nothing.
    public static func isIn(_ column: String, _ values: [SQLValue]) -> SQLTerm {
        values.isEmpty ? SQLTerm("0") : SQLTerm("\(column) IN (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))", values)
    }

    /// Every word of `query` (at most `maxWords`) must appear in at least one of `columns`, as a
    /// case-insensitive (ASCII) substring; LIKE's wildcards in the words match themselves.
    public static func searching(_ query: String?, in columns: [String], maxWords: Int = 8) -> [SQLTerm] {
        searching(query, anyOf: columns.map { "\($0) LIKE ? ESCAPE '\\'" }, maxWords: maxWords)
    }

    /// The same with fragments of your own, each holding one `?` for the pattern (`%word%`, escaped
    /// with `\`), e.g. an EXISTS over a child table.
    public static func searching(_ query: String?, anyOf fragments: [String], maxWords: Int = 8) -> [SQLTerm] {
        guard let query else { return [] }
        return query.split(whereSeparator: \.isWhitespace).prefix(maxWords).map { word in
            let pattern = SQLValue.text("%" + likeEscaped(String(word)) + "%")
            return SQLTerm(fragments.joined(separator: " OR "), Array(repeating: pattern, count: fragments.count))
        }
    }

    /// `text` with LIKE's wildcards (and the escape character `\`) escaped, for `LIKE ? ESCAPE '\'`.
    public static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}

extension Database {
    /// Runs reads in one snapshot (a deferred transaction that writes nothing), so what they see
    /// belongs together: a page and its total, or a cursor's check and the rows after it.
    public func readSnapshot<T>(_ body: () throws -> T) throws -> T { try within("BEGIN DEFERRED", body) }
}
