import CSQLite
import Glibc
import SQLite

// A SQLite database file the operator registered. Everything that only reads (discover_schema,
// preview_data, a pipeline's source) goes through one read-only connection guarded by
// `SQLiteReadGuard`; each write gets its own read-write connection and transaction
// (`SQLiteTableWriter`), so a read never sees a write before it commits.

public final class SQLiteConnector: DatabaseConnector {
    public let path: String
    private var readConnection: Database?
    private let readGuard = SQLiteReadGuard()

    public init(path: String) {
        self.path = path
    }

    public func ping() throws {
        let database = try reader()
        // sqlite_master is read from the file, unlike `SELECT 1`: this is what tells a SQLite
        // database from some other file.
        try run("checking \(path)") {
            _ = try readGuard.trusting { try database.queryOne("SELECT 1 FROM sqlite_master LIMIT 1") { $0.int(0) } }
        }
    }

    public func tables(schema: String?, search: String?, limit: Int, offset: Int) throws -> [TableInfo] {
        try checkSchema(schema)
        let database = try reader()
        let pattern: SQLValue = search.map { .text(SQLQuoting.containsPattern($0)) } ?? .null
        let listed = try run("listing tables in \(path)") {
            try readGuard.trusting {
                try database.query(
                    """
                    SELECT name, type FROM sqlite_master
                    WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                      AND (?1 IS NULL OR name LIKE ?1 ESCAPE '\\')
                    ORDER BY name LIMIT ?2 OFFSET ?3
                    """,
                    [pattern, .int(Int64(max(limit, 0))), .int(Int64(max(offset, 0)))]
                ) { (name: $0.string(0), kind: $0.string(1)) }
            }
        }
        return try listed.map { table in
            let name = TableName(schema: "main", name: table.name)
            return TableInfo(table: name, kind: table.kind, columns: try columns(of: name))
        }
    }

    public func columns(of table: TableName) throws -> [Field] {
        try checkSchema(table.schema)
        let database = try reader()
        let fields = try run("reading the columns of \(table.name)") {
            try readGuard.trusting {
                try database.query("SELECT name, type FROM pragma_table_info(?1, 'main') ORDER BY cid", [.text(table.name)]) {
                    Field($0.string(0), SQLiteValues.fieldType(declared: $0.string(1)))
                }
            }
        }
        if fields.isEmpty { throw EngineError("there is no table or view named '\(table.name)' in \(path)") }
        return fields
    }

    public func read(_ query: TableQuery) throws -> RowStream {
        let available = try columns(of: query.table)
        let fields = try SQLiteConnector.pick(query.columns, from: available, table: query.table.name)
        var sql = "SELECT " + fields.map { SQLQuoting.identifier($0.name) }.joined(separator: ", ")
            + " FROM main." + SQLQuoting.identifier(query.table.name)
        if let fragment = query.whereClause {
            try WhereClause.check(fragment)
            sql += " WHERE (" + fragment + ")"
        }
        if let limit = query.limit { sql += " LIMIT \(max(limit, 0))" }
        return try SQLiteRowStream(database: try reader(), guard: readGuard, sql: sql,
                                   schema: RowSchema(fields), timeLimitSeconds: query.timeLimitSeconds)
    }

    public func beginWrite(into table: TableName, fields: [Field], mode: WriteMode) throws -> TableWriter {
        try checkSchema(table.schema)
        try checkExists()
        return try SQLiteTableWriter(path: path, table: table.name, fields: fields, mode: mode)
    }

    /// The requested columns in the requested order (all of them when nil), each checked to exist.
    static func pick(_ requested: [String]?, from available: [Field], table: String) throws -> [Field] {
        guard let requested else { return available }
        if requested.isEmpty { throw EngineError("choose at least one column of \(table)") }
        return try requested.map { name in
            guard let field = available.first(where: { $0.name == name }) else {
                throw EngineError("table \(table) has no column '\(name)'; its columns are \(available.map(\.name).listed)")
            }
            return field
        }
    }

    /// The read-only connection, opened on first use.
    private func reader() throws -> Database {
        if let readConnection { return readConnection }
        try checkExists()
        let database = try run("opening \(path)") { try Database(path: path, readOnly: true) }
        readGuard.install(on: database.handle)
        readConnection = database
        return database
    }

    private func checkExists() throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw EngineError("the SQLite database file \(path) does not exist") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw EngineError("\(path) is not a regular file, so not a SQLite database") }
    }

    /// SQLite has one schema here: "main" (nothing can be attached to the read connection).
    private func checkSchema(_ schema: String?) throws {
        if let schema, schema != "main" {
            throw EngineError("a SQLite database has a single schema, 'main' (asked for '\(schema)')")
        }
    }

    /// Runs `body`, turning SQLite's errors into engine errors that say what was being done.
    private func run<T>(_ doing: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw EngineError(SQLiteConnector.explain(error, doing: doing))
        }
    }

    static func explain(_ error: DatabaseError, doing: String) -> String {
        if error.code & 0xFF == SQLITE_NOTADB { return "\(doing): the file is not a SQLite database" }
        return "\(doing): \(error.message)"
    }
}
