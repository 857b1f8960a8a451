// The connector's own questions about a PostgreSQL database (which tables, which columns, which
// schema a bare name means), asked with parameters on any of its connections. Only this trusted
// code decides which table and columns a read or write names.

enum PostgresCatalog {
    /// Tables and views the user can see, outside the system schemas, with their columns.
    static func tables(on connection: PostgresConnection, schema: String?, search: String?, limit: Int, offset: Int) throws -> [TableInfo] {
        let result = try connection.execute(
            """
            WITH picked AS (
                SELECT table_schema, table_name, table_type FROM information_schema.tables
                WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
                  AND ($1::text IS NULL OR table_schema = $1::text)
                  AND ($2::text IS NULL OR table_name ILIKE $2::text)
                ORDER BY table_schema, table_name
                LIMIT $3::bigint OFFSET $4::bigint
            )
            SELECT p.table_schema, p.table_name, p.table_type, c.column_name, c.udt_name
            FROM picked p LEFT JOIN information_schema.columns c
              ON c.table_schema = p.table_schema AND c.table_name = p.table_name
            ORDER BY p.table_schema, p.table_name, c.ordinal_position
            """,
            [schema, search.map(SQLQuoting.containsPattern), String(max(limit, 0)), String(max(offset, 0))],
            doing: "listing tables")
        var tables: [TableInfo] = []
        for row in 0..<result.rowCount {
            let name = TableName(schema: result.text(row, 0) ?? "", name: result.text(row, 1) ?? "")
            if tables.last?.table != name {
                tables.append(TableInfo(table: name, kind: result.text(row, 2) == "VIEW" ? "view" : "table", columns: []))
            }
            if let column = result.text(row, 3) {
                tables[tables.count - 1].columns.append(Field(column, PostgresValues.fieldType(udtName: result.text(row, 4) ?? "")))
            }
        }
        return tables
    }

    /// The columns of a table in a known schema; empty when there is no such table (or the user
    /// may not see it).
    static func columns(on connection: PostgresConnection, schema: String, table: String) throws -> [Field] {
        let result = try connection.execute(
            """
            SELECT column_name, udt_name FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position
            """,
            [schema, table], doing: "reading the columns of \(schema).\(table)")
        return (0..<result.rowCount).map { Field(result.text($0, 0) ?? "", PostgresValues.fieldType(udtName: result.text($0, 1) ?? "")) }
    }

    /// The schema a table lives in: its own when given, else the one the search_path finds it in.
    /// Nil when a bare name matches no table.
    static func existingSchema(of table: TableName, on connection: PostgresConnection) throws -> String? {
        if let schema = table.schema { return schema }
        let result = try connection.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
            [SQLQuoting.identifier(table.name)], doing: "looking up table \(table.name)")
        return result.rowCount > 0 ? result.text(0, 0) : nil
    }

    /// Where a new table with a bare name is created: the first schema of the search_path.
    static func creationSchema(on connection: PostgresConnection) throws -> String {
        let result = try connection.execute("SELECT current_schema()", doing: "finding the current schema")
        guard result.rowCount > 0, let schema = result.text(0, 0) else {
            throw EngineError("no schema to create the table in: the user's search_path names no existing schema; give the table a schema")
        }
        return schema
    }

    /// The schema and columns of an existing table, or a clear error.
    static func require(_ table: TableName, on connection: PostgresConnection) throws -> (schema: String, columns: [Field]) {
        try SQLQuoting.checkName(table.name, what: "table")
        if let schema = try existingSchema(of: table, on: connection) {
            let columns = try columns(on: connection, schema: schema, table: table.name)
            if !columns.isEmpty { return (schema, columns) }
        }
        throw EngineError("there is no table or view named \(table) that user \(connection.settings.user) can see")
    }
}
