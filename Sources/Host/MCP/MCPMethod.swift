/// The JSON-RPC methods Toolhost answers, named once. Which era offers which is the dispatchers'
/// business (LegacyDispatcher, ModernDispatcher); anything else is "Method not found".
enum MCPMethod: String {
    /// Handshake era only: starts a session (HTTP) or the process's session (stdio).
    case initialize
    /// Handshake era only.
    case ping
    /// Stateless era only.
    case serverDiscover = "server/discover"
    case toolsList = "tools/list"
    case toolsCall = "tools/call"
}
