import JSON

/// Which protocol era serves a message: the spec digest's dual-era rule (§2.3), the same for
/// every transport.
///   1. A body that names its version in `params._meta` is a stateless-era request; an
///      `MCP-Protocol-Version` header, if sent, must agree (400/-32020).
///   2. Otherwise the header decides: a stateless-era version → stateless era; an unknown
///      version → 400/-32022.
///   3. Otherwise it is the handshake era, at the header's version, else the session's (HTTP:
///      the `Mcp-Session-Id` session, 404 when unknown; stdio: what the process's `initialize`
///      negotiated), else 2025-03-26 (the spec's assumption for a request without a version).
/// An `initialize` carrying the stateless `_meta` is therefore a stateless-era request, where that
/// method no longer exists (-32601), on stdio as on HTTP.
enum Era {
    case modern
    case legacy(version: String)
}

struct EraSelection {
    let sessions: SessionStore

    func select(_ request: MCPRequest, body: JSONValue, caller: Caller) -> Result<Era, RPCError> {
        let headerVersion = request.httpHeaders?["MCP-Protocol-Version"]
        if let bodyVersion = body["params"]?["_meta"]?[MetaKey.protocolVersion]?.stringValue {
            if let headerVersion, headerVersion != bodyVersion {
                return .failure(RPCError(code: RPCCode.headerMismatch, message: "Header mismatch: MCP-Protocol-Version header \"\(headerVersion)\" must equal params._meta protocolVersion \"\(bodyVersion)\"", httpStatus: 400))
            }
            return .success(.modern)
        }
        if let headerVersion, ProtocolVersion.isModern(headerVersion) { return .success(.modern) }
        if let headerVersion, !ProtocolVersion.isLegacy(headerVersion) {
            return .failure(ModernDispatcher.unsupportedVersion(headerVersion))
        }
        if body.mcpMethod == .initialize { return .success(.legacy(version: headerVersion ?? ProtocolVersion.legacyDefault)) }
        return sessionVersion(request, caller: caller).map { .legacy(version: headerVersion ?? $0 ?? ProtocolVersion.legacyDefault) }
    }

    /// The version the message's session negotiated; nil when it has none. Sessionless
    /// handshake-era HTTP requests are served statelessly, so plain curl works.
    private func sessionVersion(_ request: MCPRequest, caller: Caller) -> Result<String?, RPCError> {
        switch request.transport {
        case .stdio(let process):
            return .success(process.protocolVersion)
        case .http(let headers):
            guard let sessionID = headers["Mcp-Session-Id"] else { return .success(nil) }
            guard let session = sessions.find(sessionID, tokenID: caller.token.id, endpoint: request.endpointKey) else {
                return .failure(RPCError(code: RPCCode.invalidRequest, message: "Session not found: initialize a new session", httpStatus: 404))
            }
            return .success(session.protocolVersion)
        }
    }

    /// After a successful `initialize`: HTTP mints a session and names it in a header (none when
    /// the store has no room this tenant may take: the client is then served without one); on
    /// stdio the process is the session.
    func startSession(_ request: MCPRequest, caller: Caller, version: String) -> (String, String)? {
        switch request.transport {
        case .stdio(let process):
            process.start(version)
            return nil
        case .http:
            let id = sessions.create(tokenID: caller.token.id, tenant: caller.tenant.name, endpoint: request.endpointKey, protocolVersion: version)
            return id.map { ("Mcp-Session-Id", $0) }
        }
    }
}
