// The contract between the engine and the databases it reads and writes (SQLite files, PostgreSQL).
// One implementation per kind under Connectors/; the engine, discover_schema, preview_data and
// test_connection only ever see these protocols.

/// A table, optionally inside a schema (PostgreSQL; SQLite has "main").
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String?
    public var name: String

    public init(schema: String? = nil, name: String) {
        self.schema = schema
        self.name = name
    }

    public var description: String { schema.map { "\($0).\(name)" } ?? name }
}

/// One table as `discover_schema` lists it.
public struct TableInfo: Sendable, Hashable {
    public var table: TableName
    /// "table" or "view".
    public var kind: String
    public var columns: [Field]

    public init(table: TableName, kind: String, columns: [Field]) {
        self.table = table
        self.kind = kind
        self.columns = columns
    }
}

/// How a destination treats rows already in its table.
public enum WriteMode: Sendable, Hashable {
    /// Add rows; create the table when missing.
    case append
    /// Empty the table (or create it) and then add rows.
    case replace
    /// Insert, or update the row with the same key fields (the table gets a unique index on them when created).
    case upsert(keys: [String])
}

/// A query against one table that never writes: `whereClause` is one fragment an agent may write
/// (checked by `WhereClause.check` before it gets here; the connector runs it on a read-only
/// connection/transaction with a time limit).
public struct TableQuery: Sendable {
    public var table: TableName
    public var columns: [String]?
    public var whereClause: String?
    public var limit: Int?
    public var timeLimitSeconds: Double

    public init(table: TableName, columns: [String]? = nil, whereClause: String? = nil, limit: Int? = nil, timeLimitSeconds: Double = 10) {
        self.table = table
        self.columns = columns
        self.whereClause = whereClause
        self.limit = limit
        self.timeLimitSeconds = timeLimitSeconds
    }
}

/// An open connection to one database. Not thread-safe: one run or one tool call uses it.
public protocol DatabaseConnector: AnyObject {
    /// Round trip to the server (or open the file) and run a trivial query; throws with a redacted reason.
    func ping() throws
    func tables(schema: String?, search: String?, limit: Int, offset: Int) throws -> [TableInfo]
    func columns(of table: TableName) throws -> [Field]
    /// Streams rows, read-only.
    func read(_ query: TableQuery) throws -> RowStream
    /// Starts writing one table; nothing is visible to others until `commit`.
    func beginWrite(into table: TableName, fields: [Field], mode: WriteMode) throws -> TableWriter
}

/// Rows going into one table inside one transaction: all of them land at `commit`, none after `rollback`.
public protocol TableWriter: AnyObject {
    func write(_ row: DataRow) throws
    func commit() throws
    func rollback()
    var rowsWritten: Int { get }
}
