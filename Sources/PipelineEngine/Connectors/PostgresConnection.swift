import CPostgres
import Glibc

// One libpq connection, owned by exactly one user at a time (the connector's metadata calls, one
// row stream, or one writer), closed when released. Every message it throws has been through
// `Redaction` with the password as the secret: libpq rarely echoes a password, but nothing it
// says is trusted not to.

/// Where and as whom to connect; the password never appears in a message.
struct PostgresSettings {
    var host: String
    var port: Int
    var database: String
    var user: String
    var password: String
    var connectTimeoutSeconds: Int

    var secrets: [String] { [password] }
    var place: String { "\(user)@\(host):\(port)/\(database)" }
}

final class PostgresConnection {
    static let noPassword = "toolhost:no-password-configured"
    private let conn: OpaquePointer
    let settings: PostgresSettings

    init(_ settings: PostgresSettings) throws {
        self.settings = settings
        // Keyword/value arrays, never a conninfo string: a value containing spaces, quotes or
        // "password=" cannot change what is parsed. expand_dbname = 0 so dbname is only a name.
        let parameters: [(String, String)] = [
            ("host", settings.host),
            ("port", String(settings.port)),
            ("dbname", settings.database),
            ("user", settings.user),
            // libpq treats an empty value as unset and falls back to PGPASSWORD from the daemon's
            // environment; a connection without a password must not borrow that, so it sends a
            // placeholder no server will accept (servers that ask for no password never see it).
            ("password", settings.password.isEmpty ? PostgresConnection.noPassword : settings.password),
            ("connect_timeout", String(max(settings.connectTimeoutSeconds, 1))),
            ("application_name", "toolhost-pipelines"),
            ("sslmode", "prefer"),
            ("client_encoding", "UTF8"),
            // Never the daemon user's ~/.pgpass: a connection without a password must not borrow
            // the credentials the machine keeps for something else.
            ("passfile", "/dev/null"),
        ]
        for (key, value) in parameters where value.utf8.contains(0) {
            throw EngineError("the PostgreSQL \(key == "password" ? "password" : key) may not contain a NUL character")
        }
        let connection = PostgresConnection.withCStrings(parameters.map(\.0)) { keywords in
            PostgresConnection.withCStrings(parameters.map(\.1)) { values in
                PQconnectdbParams(keywords + [nil], values + [nil], 0)
            }
        }
        guard let connection else { throw EngineError("cannot connect to PostgreSQL: out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = PostgresConnection.clean(PQerrorMessage(connection))
            PQfinish(connection)
            throw EngineError(Redaction.redact("cannot connect to PostgreSQL at \(settings.place): \(reason)", secrets: settings.secrets))
        }
        conn = connection
        // NOTICEs ("relation already exists, skipping") would otherwise be printed on stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(conn) }

    var isHealthy: Bool { PQstatus(conn) == CONNECTION_OK }

    /// Runs one statement with text parameters ($1, $2, …; nil is NULL) and returns its result.
    /// `doing` says what it was for in the error; a statement_timeout cancellation becomes
    /// "the query took longer than N s" when `timeLimitSeconds` is given.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = [], doing: String, timeLimitSeconds: Double? = nil) throws -> PostgresResult {
        let raw = PostgresConnection.withCStrings(parameters) { values in
            PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let raw else { throw failure(doing, reason: PostgresConnection.clean(PQerrorMessage(conn))) }
        let result = PostgresResult(raw)
        let status = PQresultStatus(raw)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return result }
        if let timeLimitSeconds, result.sqlState == "57014" {
            throw EngineError("the query took longer than \(Value.format(timeLimitSeconds)) s")
        }
        throw failure(doing, reason: PostgresConnection.clean(PQresultErrorMessage(raw)))
    }

    /// An engine error for `doing`, password scrubbed.
    func failure(_ doing: String, reason: String) -> EngineError {
        EngineError(Redaction.redact("\(doing): \(reason)", secrets: settings.secrets))
    }

    /// libpq messages start with "ERROR:  " and end with a newline; a person needs neither.
    static func clean(_ message: UnsafePointer<CChar>?) -> String {
        var text = message.map { String(cString: $0) } ?? "unknown error"
        while text.last == "\n" || text.last == " " { text.removeLast() }
        for prefix in ["ERROR:  ", "FATAL:  "] where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        return text.isEmpty ? "unknown error" : text
    }

    /// NUL-terminated copies of `strings` (nil stays a null pointer) for the duration of `body`.
    static func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}

/// A PGresult, cleared when released.
final class PostgresResult {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }
    deinit { PQclear(raw) }

    var rowCount: Int { Int(PQntuples(raw)) }
    var columnCount: Int { Int(PQnfields(raw)) }
    func typeOID(_ column: Int) -> UInt32 { UInt32(PQftype(raw, Int32(column))) }

    /// The text of one cell, nil for NULL.
    func text(_ row: Int, _ column: Int) -> String? {
        if PQgetisnull(raw, Int32(row), Int32(column)) != 0 { return nil }
        let length = Int(PQgetlength(raw, Int32(row), Int32(column)))
        guard let bytes = PQgetvalue(raw, Int32(row), Int32(column)) else { return "" }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    var sqlState: String? {
        PQresultErrorField(raw, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
    }
}
