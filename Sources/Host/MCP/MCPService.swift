import JSON

/// The one request core every transport uses (HTTP, stdio, and later the console). For one
/// message, top to bottom:
///   1. parse the body (strict JSON; duplicate member names refused, I-JSON)
///   2. admission: the access layers (Access/AccessControl) for the endpoint and the called tool
///   3. era selection (EraSelection): stateless 2026-07-28 or the handshake era
///   4. dispatch (ModernDispatcher / LegacyDispatcher → ToolMethods)
/// Tool calls come back deferred (DeferredCall: the toolsets they call, the answers for a passed
/// deadline or a full queue), so the transport decides where and when they run.
final class MCPService: Sendable {
    let access: AccessControl
    let legacy: LegacyDispatcher
    let modern: ModernDispatcher
    let eras: EraSelection
    /// OAuth 401/403 challenges and resource binding (HTTP only; nil: bearer PATs only).
    let oauth: AuthorizationServer?
    /// The batch bounds (messages, reply bytes).
    let settings: MCPSettings
    /// Tool calls a notifications/cancelled may name (header section 10).
    let inFlight = InFlightCalls()

    init(access: AccessControl, tools: ToolMethods, sessions: SessionStore, oauth: AuthorizationServer?, settings: MCPSettings) {
        self.access = access
        self.settings = settings
        self.legacy = LegacyDispatcher(tools: tools)
        self.modern = ModernDispatcher(tools: tools)
        self.eras = EraSelection(sessions: sessions)
        self.oauth = oauth
    }

    func handle(_ request: MCPRequest) -> MCPOutcome {
        let body: JSONValue
        do {
            body = try JSONParser.parse(request.body)
        } catch {
            return .answered(MCPAnswer(reply: .error(id: .null, .parse("\(error)"))))
        }
        // Errors before dispatch echo the id only when it can be echoed exactly (RPCMessage).
        let requestID = RPCMessage.echoableID(body["id"]) ?? .null
        let caller: Caller
        switch admit(request, tool: MCPService.calledTool(body)) {
        case .failure(let error):
            let isNotification = body.objectValue != nil && body["id"] == nil
            return .answered(MCPAnswer(reply: .error(id: requestID, error), refusesNotification: isNotification))
        case .success(let admitted): caller = admitted
        }
        let era: Era
        switch eras.select(request, body: body, caller: caller) {
        case .failure(let error): return .answered(MCPAnswer(reply: .error(id: requestID, error)))
        case .success(let selected): era = selected
        }
        if case .object = body, body["id"] == nil { cancelIfAsked(body, request: request, caller: caller, era: era) }
        // A 2025-03-26 batch: bounded, each message counted, always run off the event loop.
        if case .array(let messages) = body, case .legacy(let version) = era, ProtocolVersion.allowsBatches(version) {
            return handleBatch(messages, caller: caller, version: version)
        }
        let dispatch: @Sendable (CallControl?) -> MCPAnswer
        switch era {
        case .modern:
            dispatch = { MCPAnswer(reply: self.modern.handle(body, caller: caller, headers: request.httpHeaders, control: $0)) }
        case .legacy(let version):
            dispatch = { control in
                MCPAnswer(reply: self.legacy.handle(body, caller: caller, protocolVersion: version, startSession: { negotiated in
                    self.eras.startSession(request, caller: caller, version: negotiated)
                }, control: control))
            }
        }
        // Only a message that calls a toolset is deferred, tagged with that toolset, so the
        // scheduler can apply its caps before a worker takes it.
        guard let plan = CallPlan(body, caller: caller, registry: legacy.tools.registry, era: era) else { return .answered(dispatch(nil)) }
        let control = callControl(body, request: request, caller: caller, era: era)
        return .deferred(plan.deferred(tenant: caller.tenant.name, control: control) {
            defer { control.end() }
            return dispatch(control)
        })
    }

    /// A tools/call's control, registered under (token, session, id) for notifications/cancelled,
    /// with progress when the client sent a progressToken and its transport can carry progress.
    private func callControl(_ body: JSONValue, request: MCPRequest, caller: Caller, era: Era) -> CallControl {
        let progress = CallProgress.token(in: body).flatMap { request.acceptsProgress ? CallProgress(token: $0) : nil }
        let key = InFlightCalls.RequestID(body["id"]).map {
            InFlightCalls.Key(token: caller.token.id, session: MCPService.sessionKey(request, era: era), id: $0)
        }
        var modern = false
        if case .modern = era { modern = true }
        return CallControl(progress: progress, registry: inFlight, key: key, cancelsWhenStreamCloses: modern)
    }

    /// notifications/cancelled {requestId}: flags the call it names, if this client has it in
    /// flight; unknown or finished ids are ignored, as the spec asks. The message is then
    /// dispatched like any notification (202, nothing sent back).
    private func cancelIfAsked(_ body: JSONValue, request: MCPRequest, caller: Caller, era: Era) {
        guard body["method"]?.stringValue == "notifications/cancelled",
              let id = InFlightCalls.RequestID(body["params"]?["requestId"]) else { return }
        inFlight.cancel(InFlightCalls.Key(token: caller.token.id, session: MCPService.sessionKey(request, era: era), id: id))
    }

    /// Handshake-era HTTP calls are matched within their session; the stateless era and stdio
    /// (one process, one client) have none.
    private static func sessionKey(_ request: MCPRequest, era: Era) -> String {
        guard case .legacy = era else { return "" }
        return request.httpHeaders?["Mcp-Session-Id"] ?? ""
    }

    /// DELETE on HTTP: ends a handshake-era session of the same token and endpoint.
    func endSession(_ request: MCPRequest, sessionID: String) -> RPCReply? {
        switch admit(request, tool: nil) {
        case .failure(let error): return .error(id: .null, error)
        case .success(let caller):
            guard eras.sessions.find(sessionID, tokenID: caller.token.id, endpoint: request.endpointKey) != nil else {
                return .error(id: .null, RPCError(code: RPCCode.invalidRequest, message: "Session not found", httpStatus: 404))
            }
            eras.sessions.remove(sessionID)
            return nil
        }
    }

    /// The access layers, with what this transport adds: over HTTP an OAuth token must be bound
    /// to this endpoint, and 401/403 challenges name its protected resource metadata (RFC 9728 §5.1).
    private func admit(_ request: MCPRequest, tool: String?) -> Result<Caller, RPCError> {
        var target = Target(tenant: request.tenant, toolset: request.toolset, tool: tool, client: request.client)
        guard case .http = request.transport, let oauth else {
            return access.admit(authorization: request.authorization, target: target)
        }
        let (tenant, toolset) = (request.tenant, request.toolset)
        target.resources = { oauth.acceptedResources(tenant: tenant, toolset: toolset) }
        return access.admit(authorization: request.authorization, target: target).mapError { error in
            oauth.decorate(error, tenant: tenant, toolset: toolset)
        }
    }

    /// The tool a single tools/call names; batches are checked per message by the dispatcher.
    private static func calledTool(_ body: JSONValue) -> String? {
        body.mcpMethod == .toolsCall ? body["params"]?["name"]?.stringValue : nil
    }
}
