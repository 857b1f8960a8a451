// preview_data lets an agent filter rows with one SQL fragment. The fragment is checked here for the
// few things that could turn it into more than one fragment (a second statement, a comment hiding
// the rest of the query); everything else is contained by how connectors run it: a read-only
// connection or transaction, SQLite's authorizer, and a time limit.

public enum WhereClause {
    public static let maximumLength = 2000

    /// Sequences refused anywhere in the fragment, even inside string literals: telling literals
    /// apart would mean parsing each database's dialect, and a filter never needs them.
    static let forbidden = [";", "--", "/*", "*/"]

    /// Throws an `EngineError` naming the first reason the fragment is refused.
    public static func check(_ fragment: String) throws {
        if fragment.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            throw EngineError("where_clause may not be empty")
        }
        if fragment.utf8.count > maximumLength {
            throw EngineError("where_clause may be at most \(maximumLength) bytes long (it has \(fragment.utf8.count))")
        }
        if fragment.utf8.contains(0) {
            throw EngineError("where_clause may not contain a NUL character")
        }
        for sequence in forbidden where fragment.contains(sequence) {
            throw EngineError("where_clause may not contain '\(sequence)'")
        }
    }
}
