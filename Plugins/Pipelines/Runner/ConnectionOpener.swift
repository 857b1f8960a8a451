import PipelineEngine
import ToolsetKit

/// Opens the tenant's connections for one run or one tool call (a ConnectionResolver for the
/// engine): looks the connection up, opens its sealed password, connects. Connections are opened
/// once and reused within the call. Every password it opened is remembered so anything headed for
/// a log or a result can be scrubbed of it (`redact`).
final class ConnectionOpener: ConnectionResolver {
    let store: PipelinesStore
    let folder: String
    private var opened: [String: ResolvedConnection] = [:]
    private(set) var secrets: [String] = []
    private var sealer: ConnectionSecrets?

    init(store: PipelinesStore, folder: String) {
        self.store = store
        self.folder = folder
    }

    func resolve(_ connectionID: String) throws -> ResolvedConnection {
        if let known = opened[connectionID] { return known }
        guard let connection = try store.connection(connectionID), connection.id == connectionID else {
            throw EngineError("no connection \(connectionID) (list_connections lists them)")
        }
        let resolved = try open(connection)
        opened[connectionID] = resolved
        return resolved
    }

    /// A fresh connection, not cached (test_connection, discover_schema, preview_data).
    func open(_ connection: Connection) throws -> ResolvedConnection {
        switch connection.type {
        case .files:
            return .folder(root: connection.path ?? "")
        case .sqlite:
            return .database(SQLiteConnector(path: connection.path ?? ""))
        case .postgres:
            let password = try password(of: connection)
            // Connects on first use; its errors are redacted by the connector (and again by `redact` before a log or result).
            return .database(PostgresConnector(host: connection.host ?? "", port: connection.port ?? 5432, database: connection.databaseName ?? "",
                                               user: connection.username ?? "", password: password, connectTimeoutSeconds: 5))
        }
    }

    func password(of connection: Connection) throws -> String {
        guard let sealed = connection.passwordSealed else { return "" }
        if sealer == nil { sealer = try ConnectionSecrets(folder: folder) }
        let password = try sealer!.open(sealed, connectionID: connection.id)
        if !password.isEmpty && !secrets.contains(password) { secrets.append(password) }
        return password
    }

    /// The text with every password this opener has seen replaced by [redacted].
    func redact(_ text: String) -> String { Redaction.redact(text, secrets: secrets) }
}
