import HTTPServer
import JSON

/// The HTTP face of Toolhost. One request's path, top to bottom:
///   route → Host/Origin checks → method → parse JSON → access layers (AccessControl)
///   → protocol era (ModernDispatcher / LegacyDispatcher) → tools (ToolMethods) → response.
final class HTTPEndpoint: @unchecked Sendable {
    let access: AccessControl
    let legacy: LegacyDispatcher
    let modern: ModernDispatcher
    let sessions: SessionStore
    let guardrails: RequestGuardrails
    /// The built-in OAuth authorization server and resource metadata (nil: bearer PATs only).
    let oauth: AuthorizationServer?
    /// Where tool calls run; nil runs them on the event loop that read the request.
    let toolWorkers: WorkerPool?
    /// The real client's address behind trusted reverse proxies.
    let clientAddress: ClientAddress

    init(access: AccessControl, tools: ToolMethods, sessions: SessionStore, guardrails: RequestGuardrails,
         oauth: AuthorizationServer? = nil, toolWorkers: WorkerPool? = nil, clientAddress: ClientAddress = ClientAddress(trustedProxies: [])) {
        self.oauth = oauth
        self.toolWorkers = toolWorkers
        self.clientAddress = clientAddress
        self.access = access
        self.legacy = LegacyDispatcher(tools: tools)
        self.modern = ModernDispatcher(tools: tools)
        self.sessions = sessions
        self.guardrails = guardrails
    }

    /// Entry point from the HTTP server: answers at once, or from a worker for tool calls.
    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        switch route(request) {
        case .done(let response): respond(response)
        case .deferred(let work):
            if let toolWorkers { toolWorkers.submit { respond(work()) } } else { respond(work()) }
        }
    }

    /// Synchronous form (tests, tools): runs everything on the calling thread.
    func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch route(request) {
        case .done(let response): return response
        case .deferred(let work): return work()
        }
    }

    /// A response now, or the rest of the work (a tool call) to run where slow work belongs.
    private enum Routed {
        case done(HTTPResponse)
        case deferred(@Sendable () -> HTTPResponse)
    }

    private func route(_ received: HTTPRequest) -> Routed {
        let request = clientAddress.resolve(received)
        if request.path == "/healthz" {
            guard request.method == "GET" || request.method == "HEAD" else { return .done(.text(405, "Method not allowed", allow: "GET")) }
            return .done(.json(200, ["status": "ok"]))
        }
        // Sign-in verifies a scrypt password hash (tens of milliseconds on purpose) and the token
        // endpoint writes grants: like tool calls, that work belongs on a worker, not on a loop.
        if oauth != nil, request.path.hasPrefix("/oauth/") {
            return .deferred { self.routeOAuth(request) ?? .text(404, "Not found: \(request.path)") }
        }
        if let response = routeOAuth(request) { return .done(response) }
        guard let route = MCPRoute(path: request.path) else { return .done(.text(404, "Not found: \(request.path)")) }
        if let refusal = guardrails.check(request) { return .done(refusal) }
        switch request.method {
        case "POST": return post(request, route: route)
        case "DELETE": return .done(delete(request, route: route))
        default:
            // No server-initiated messages exist, so there is no GET stream to offer.
            return .done(.text(405, "Method not allowed: this MCP endpoint accepts POST (and DELETE to end a session)", allow: "POST, DELETE"))
        }
    }

    // MARK: POST: one JSON-RPC message (or a 2025-03-26 batch)

    private func post(_ request: HTTPRequest, route: MCPRoute) -> Routed {
        if let refusal = guardrails.checkContentNegotiation(request) { return .done(refusal) }
        let body: JSONValue
        do {
            body = try JSONParser.parse(request.body)
        } catch {
            return .done(.reply(.error(id: .null, .parse("\(error)"))))
        }
        let requestID = body["id"] ?? .null
        let calledTool = body["method"]?.stringValue == "tools/call" ? body["params"]?["name"]?.stringValue : nil
        let target = self.target(route, tool: calledTool, request)
        let caller: Caller
        switch access.admit(authorization: request.headers["Authorization"], target: target) {
        case .failure(let error): return .done(.reply(.error(id: requestID, challenged(error, route))))
        case .success(let admitted): caller = admitted
        }
        let dispatch: @Sendable () -> HTTPResponse
        switch selectEra(request, body: body, caller: caller, route: route) {
        case .failure(let error):
            return .done(.reply(.error(id: requestID, error)))
        case .success(.modern):
            dispatch = { .reply(self.modern.handle(body, caller: caller, header: { request.headers[$0] })) }
        case .success(.legacy(let version)):
            dispatch = {
                .reply(self.legacy.handle(body, caller: caller, protocolVersion: version) { negotiated in
                    let id = self.sessions.create(tokenID: caller.principal.token.id, endpoint: route.key, protocolVersion: negotiated)
                    return ("Mcp-Session-Id", id)
                })
            }
        }
        // Tool calls (alone or in a batch) may take as long as the toolset likes: not on the loop.
        return HTTPEndpoint.callsTools(body) ? .deferred(dispatch) : .done(dispatch())
    }

    private static func callsTools(_ body: JSONValue) -> Bool {
        if case .array(let messages) = body { return messages.contains { $0["method"]?.stringValue == "tools/call" } }
        return body["method"]?.stringValue == "tools/call"
    }

    private enum Era {
        case modern
        case legacy(version: String)
    }

    /// The spec digest's dual-era rule: the `MCP-Protocol-Version` header, else the body's
    /// `_meta` version, decides; no version at all means the handshake era.
    private func selectEra(_ request: HTTPRequest, body: JSONValue, caller: Caller, route: MCPRoute) -> Result<Era, RPCError> {
        let headerVersion = request.headers["MCP-Protocol-Version"]
        // A body that names its version in `_meta` is a stateless-era request; the header must agree.
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
        guard let sessionID = request.headers["Mcp-Session-Id"] else {
            // Sessionless handshake-era requests are served statelessly, so plain curl works.
            return .success(.legacy(version: headerVersion ?? ProtocolVersion.legacyDefault))
        }
        if body["method"]?.stringValue == "initialize" { return .success(.legacy(version: headerVersion ?? ProtocolVersion.legacyDefault)) }
        guard let session = sessions.find(sessionID, tokenID: caller.principal.token.id, endpoint: route.key) else {
            return .failure(RPCError(code: RPCCode.invalidRequest, message: "Session not found: initialize a new session", httpStatus: 404))
        }
        return .success(.legacy(version: headerVersion ?? session.protocolVersion))
    }

    private func target(_ route: MCPRoute, tool: String?, _ request: HTTPRequest) -> AccessControl.Target {
        let oauth = self.oauth
        return AccessControl.Target(tenant: route.tenant, toolset: route.toolset, tool: tool, client: request.remoteAddress,
                                    resources: { oauth?.acceptedResources(tenant: route.tenant, toolset: route.toolset) ?? [] })
    }

    /// 401/403 challenges name the endpoint's protected resource metadata (RFC 9728 §5.1).
    private func challenged(_ error: RPCError, _ route: MCPRoute) -> RPCError {
        oauth?.decorate(error, tenant: route.tenant, toolset: route.toolset) ?? error
    }

    // MARK: DELETE: end a handshake-era session

    private func delete(_ request: HTTPRequest, route: MCPRoute) -> HTTPResponse {
        guard let sessionID = request.headers["Mcp-Session-Id"] else {
            return .reply(.error(id: .null, .invalidRequest("DELETE requires an Mcp-Session-Id header")))
        }
        let target = self.target(route, tool: nil, request)
        switch access.admit(authorization: request.headers["Authorization"], target: target) {
        case .failure(let error): return .reply(.error(id: .null, challenged(error, route)))
        case .success(let caller):
            guard sessions.find(sessionID, tokenID: caller.principal.token.id, endpoint: route.key) != nil else {
                return .reply(.error(id: .null, RPCError(code: RPCCode.invalidRequest, message: "Session not found", httpStatus: 404)))
            }
            sessions.remove(sessionID)
            return HTTPResponse(status: 204)
        }
    }
}

/// `/{tenant}/mcp` or `/{tenant}/mcp/{toolset}`.
struct MCPRoute {
    let tenant: String
    let toolset: String?
    var key: String { toolset.map { tenant + "/" + $0 } ?? tenant }

    init?(path: String) {
        let parts = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
        // "", tenant, "mcp" [, toolset]; a trailing slash is tolerated.
        guard parts.count >= 3, parts[0].isEmpty, !parts[1].isEmpty, parts[2] == "mcp" else { return nil }
        switch parts.count {
        case 3: toolset = nil
        case 4: toolset = parts[3].isEmpty ? nil : String(parts[3])
        case 5 where parts[4].isEmpty && !parts[3].isEmpty: toolset = String(parts[3])
        default: return nil
        }
        tenant = String(parts[1])
    }
}

extension HTTPResponse {
    static func json(_ status: Int, _ body: JSONValue, headers extra: [(String, String)] = []) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        for (name, value) in extra { headers.add(name, value) }
        return HTTPResponse(status: status, headers: headers, body: body.serialized())
    }

    static func text(_ status: Int, _ text: String, allow: String? = nil) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")])
        if let allow { headers.add("Allow", allow) }
        return HTTPResponse(status: status, headers: headers, body: Array((text + "\n").utf8))
    }

    static func reply(_ reply: RPCReply) -> HTTPResponse {
        guard let body = reply.body else { return HTTPResponse(status: 202) }
        return .json(reply.httpStatus, body, headers: reply.headers)
    }
}
