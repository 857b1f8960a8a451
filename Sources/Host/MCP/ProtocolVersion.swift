/// The MCP protocol versions Toolhost speaks, newest first per era.
enum ProtocolVersion {
    /// Stateless era: no handshake, `_meta` envelope on every request.
    static let modern = ["2026-07-28"]
    /// Handshake era: `initialize`, optional sessions.
    static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26"]
    static let all = modern + legacy
    static let latestLegacy = "2025-11-25"
    /// Assumed when a legacy request carries no version at all (spec: "assume 2025-03-26").
    static let legacyDefault = "2025-03-26"

    static func isModern(_ version: String) -> Bool { modern.contains(version) }
    static func isLegacy(_ version: String) -> Bool { legacy.contains(version) }

    /// 2025-11-25 and later report argument-validation failures as isError results (so the model
    /// can retry); earlier versions report them as JSON-RPC -32602 errors.
    static func reportsValidationAsToolError(_ version: String) -> Bool { version >= "2025-11-25" }
    /// Batches existed only in 2025-03-26.
    static func allowsBatches(_ version: String) -> Bool { version == "2025-03-26" }
}

enum MetaKey {
    static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfo = "io.modelcontextprotocol/clientInfo"
    static let serverInfo = "io.modelcontextprotocol/serverInfo"
}

enum ServerIdentity {
    static let name = "toolhost"
    static let title = "Toolhost"
    static let version = "0.1.0"
}
