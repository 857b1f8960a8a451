// Rows of one SELECT, fetched through a server-side cursor 1000 at a time, so a large table never
// sits in memory. The stream owns its connection and read-only transaction and ends both when
// the rows run out, when it is closed, or on an error.

final class PostgresRowStream: RowStream {
    static let batchSize = 1000
    private static let cursor = "toolhost_rows"

    let schema: RowSchema
    private var connection: PostgresConnection?
    private let timeLimitSeconds: Double
    private let secrets: [String]
    private var batch: PostgresResult?
    private var position = 0
    private var oids: [UInt32] = []

    init(connection: PostgresConnection, select: String, schema: RowSchema, timeLimitSeconds: Double) throws {
        self.connection = connection
        secrets = connection.settings.secrets
        self.schema = schema
        self.timeLimitSeconds = timeLimitSeconds
        // NO SCROLL: rows are read once, forward, and the server need not keep them.
        _ = try run { try $0.execute("DECLARE \(Self.cursor) NO SCROLL CURSOR FOR \(select)", doing: "starting the query", timeLimitSeconds: timeLimitSeconds) }
    }

    deinit { close() }

    func next() throws -> DataRow? {
        try Redaction.scrubbing(secrets) { try nextRow() }
    }

    private func nextRow() throws -> DataRow? {
        if batch == nil || position >= batch!.rowCount {
            guard connection != nil else { return nil }
            let fetched = try run {
                try $0.execute("FETCH \(Self.batchSize) FROM \(Self.cursor)", doing: "reading rows", timeLimitSeconds: timeLimitSeconds)
            }
            guard fetched.rowCount > 0 else {
                close()
                return nil
            }
            if oids.isEmpty { oids = (0..<fetched.columnCount).map(fetched.typeOID) }
            batch = fetched
            position = 0
        }
        let row = (0..<oids.count).map { PostgresValues.value(batch!.text(position, $0), oid: oids[$0]) }
        position += 1
        return row
    }

    /// Ends the read transaction (nothing was written, so ROLLBACK is as good as COMMIT) and
    /// drops the connection.
    func close() {
        batch = nil
        if let connection, connection.isHealthy { _ = try? connection.execute("ROLLBACK", doing: "ending the read") }
        connection = nil
    }

    /// Runs a step on the connection; any failure ends the stream.
    private func run<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        guard let connection else { throw EngineError("the rows were already closed") }
        do { return try body(connection) } catch {
            close()
            throw error
        }
    }
}
