// Identifier and pattern quoting shared by the SQLite and PostgreSQL connectors. Table and column
// names come from pipelines and agents, so they are always quoted, never pasted.

enum SQLQuoting {
    /// A double-quoted identifier with embedded quotes doubled (standard SQL, both databases).
    static func identifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// `"schema"."name"`, or just `"name"` when there is no schema.
    static func qualified(_ table: TableName) -> String {
        table.schema.map { identifier($0) + "." + identifier(table.name) } ?? identifier(table.name)
    }

    /// A LIKE/ILIKE pattern matching `text` anywhere, with its own wildcards escaped by backslash.
    static func containsPattern(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    /// Rejects names that no database can hold (NUL ends a C string, so it would silently truncate).
    static func checkName(_ name: String, what: String) throws {
        if name.isEmpty { throw EngineError("\(what) name may not be empty") }
        if name.utf8.contains(0) { throw EngineError("\(what) name may not contain a NUL character") }
    }
}

extension Array where Element == String {
    /// "a, b, c" for error messages.
    var listed: String { isEmpty ? "(none)" : joined(separator: ", ") }
}
