// A PostgreSQL database reached with libpq. Metadata calls share one lazily opened connection;
// every read stream and every writer opens a connection of its own, so a pipeline can read one
// table while writing another in the same database without their transactions mixing.
// Not thread-safe: a connector belongs to one run or one tool call.

public final class PostgresConnector: DatabaseConnector {
    private let settings: PostgresSettings
    private var metadataConnection: PostgresConnection?

    public init(host: String, port: Int, database: String, user: String, password: String, connectTimeoutSeconds: Int = 10) {
        settings = PostgresSettings(host: host, port: port, database: database, user: user,
                                    password: password, connectTimeoutSeconds: connectTimeoutSeconds)
    }

    public func ping() throws {
        try scrubbing { _ = try connection().execute("SELECT 1", doing: "checking the connection") }
    }

    public func tables(schema: String?, search: String?, limit: Int, offset: Int) throws -> [TableInfo] {
        try scrubbing { try PostgresCatalog.tables(on: connection(), schema: schema, search: search, limit: limit, offset: offset) }
    }

    public func columns(of table: TableName) throws -> [Field] {
        try scrubbing { try PostgresCatalog.require(table, on: connection()).columns }
    }

    public func read(_ query: TableQuery) throws -> RowStream {
        try scrubbing { try openRead(query) }
    }

    private func openRead(_ query: TableQuery) throws -> RowStream {
        if let fragment = query.whereClause { try WhereClause.check(fragment) }
        let reader = try PostgresConnection(settings)
        // Read-only transaction: whatever the where_clause calls, the server refuses to write.
        try reader.execute("BEGIN READ ONLY", doing: "starting a read")
        // SET takes no parameters; the number is formatted here, never taken from text.
        let milliseconds = max(1, Int((query.timeLimitSeconds * 1000).rounded(.up)))
        try reader.execute("SET LOCAL statement_timeout = \(milliseconds)", doing: "setting the time limit")
        let (schema, available) = try PostgresCatalog.require(query.table, on: reader)
        let fields = try SQLiteConnector.pick(query.columns, from: available, table: query.table.description)
        var sql = "SELECT " + fields.map { SQLQuoting.identifier($0.name) }.joined(separator: ", ")
            + " FROM " + SQLQuoting.qualified(TableName(schema: schema, name: query.table.name))
        if let fragment = query.whereClause { sql += " WHERE (" + fragment + ")" }
        if let limit = query.limit { sql += " LIMIT \(max(limit, 0))" }
        return try PostgresRowStream(connection: reader, select: sql, schema: RowSchema(fields), timeLimitSeconds: query.timeLimitSeconds)
    }

    public func beginWrite(into table: TableName, fields: [Field], mode: WriteMode) throws -> TableWriter {
        try scrubbing {
            try SQLiteTableWriter.check(fields: fields, mode: mode, table: table.description)
            return try PostgresTableWriter(connection: PostgresConnection(settings), table: table, fields: fields, mode: mode)
        }
    }

    /// Every public entry point runs through this, so whatever throws, the password does not leave.
    private func scrubbing<T>(_ body: () throws -> T) throws -> T {
        try Redaction.scrubbing(settings.secrets, body)
    }

    /// The shared metadata connection, reopened when the server dropped it.
    private func connection() throws -> PostgresConnection {
        if let metadataConnection, metadataConnection.isHealthy { return metadataConnection }
        metadataConnection = nil
        let opened = try PostgresConnection(settings)
        metadataConnection = opened
        return opened
    }
}
