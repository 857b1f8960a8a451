import JSON

/// `toolhost.json` → `"mcp": {…}`, each also an environment variable (which wins when both are
/// set): how much one message may ask of the server, and how many handshake-era sessions it keeps.
///
///     "mcp": {"max_batch_messages": 100, "max_batch_response_bytes": 4194304,
///             "max_sessions": 10000, "max_sessions_per_tenant": 1000, "max_sessions_per_token": 100}
///
/// - `max_batch_messages` (`TOOLHOST_MAX_BATCH_MESSAGES`): messages in one 2025-03-26 batch; a
///   larger batch is refused whole, before any of it runs.
/// - `max_batch_response_bytes` (`TOOLHOST_MAX_BATCH_RESPONSE_BYTES`): once a batch's replies
///   reach this size, its remaining messages are not run (each gets an error saying so).
/// - `max_sessions`, `max_sessions_per_tenant`, `max_sessions_per_token` (`TOOLHOST_MAX_SESSIONS`,
///   `TOOLHOST_MAX_SESSIONS_PER_TENANT`, `TOOLHOST_MAX_SESSIONS_PER_TOKEN`): see SessionStore.
struct MCPSettings: Sendable, Equatable {
    var maxBatchMessages = 100
    var maxBatchResponseBytes = 4 * 1024 * 1024
    var sessions = SessionQuotas()

    private struct Key {
        let json: String
        let environment: String
        let range: ClosedRange<Int>
        let path: WritableKeyPath<MCPSettings, Int>
    }

    /// Computed: key paths are not Sendable, so a stored static array of them is refused.
    private static var keys: [Key] { [
        Key(json: "max_batch_messages", environment: "TOOLHOST_MAX_BATCH_MESSAGES", range: 1...10_000, path: \.maxBatchMessages),
        Key(json: "max_batch_response_bytes", environment: "TOOLHOST_MAX_BATCH_RESPONSE_BYTES", range: 1024...(1 << 30),
            path: \.maxBatchResponseBytes),
        Key(json: "max_sessions", environment: "TOOLHOST_MAX_SESSIONS", range: 1...1_000_000, path: \.sessions.total),
        Key(json: "max_sessions_per_tenant", environment: "TOOLHOST_MAX_SESSIONS_PER_TENANT", range: 1...1_000_000,
            path: \.sessions.perTenant),
        Key(json: "max_sessions_per_token", environment: "TOOLHOST_MAX_SESSIONS_PER_TOKEN", range: 1...1_000_000,
            path: \.sessions.perToken),
    ] }

    init() {}

    /// The `mcp` section of toolhost.json; unknown keys are refused so a typo is not silently ignored.
    init(section: JSONValue?) throws {
        guard let section else { return }
        guard case .object(let object) = section else {
            throw ConfigurationError("mcp must be an object, such as {\"max_batch_messages\": 100}")
        }
        let known = MCPSettings.keys.map(\.json)
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw ConfigurationError("mcp has no setting \(unknown) (known: \(known.joined(separator: ", ")))")
        }
        for key in MCPSettings.keys {
            guard let value = object[key.json] else { continue }
            guard let number = value.intValue, key.range.contains(Int(number)) else {
                throw ConfigurationError("mcp.\(key.json) must be an integer from \(key.range.lowerBound) to \(key.range.upperBound)")
            }
            self[keyPath: key.path] = Int(number)
        }
    }

    /// These settings with the environment's values on top (the environment wins).
    func overridden(by environment: [String: String]) throws -> MCPSettings {
        var settings = self
        for key in MCPSettings.keys {
            guard let text = environment[key.environment] else { continue }
            guard let number = Int(text), key.range.contains(number) else {
                throw ConfigurationError("\(key.environment) must be an integer from \(key.range.lowerBound) to \(key.range.upperBound), not \(text)")
            }
            settings[keyPath: key.path] = number
        }
        return settings
    }
}
