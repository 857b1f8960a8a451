import HTTPServer
import JSON

/// The HTTP face of Toolhost. One request's path, top to bottom:
///   route (healthz, OAuth, MCP endpoint) → Host/Origin checks → method → Content-Type (415) and Accept (406)
///   → the MCP core (MCPService: parse, access layers, era, dispatch) → response.
/// Tool calls come back from the core deferred and run on the worker pool (ToolCallScheduler:
/// per-toolset caps and deadlines), never on a loop. OAuth pages run on the pre-auth threads
/// (PreAuthWork), never on a tool worker.
final class HTTPEndpoint: Sendable {
    let mcp: MCPService
    let guardrails: RequestGuardrails
    /// The built-in OAuth authorization server and resource metadata (nil: bearer PATs only).
    let oauth: AuthorizationServer?
    /// Where tool calls run; nil runs them on the event loop that read the request (no caps, no
    /// deadlines: `TOOLHOST_TOOL_THREADS=0`).
    let scheduler: ToolCallScheduler?
    /// Where the OAuth pages run, apart from tool calls; nil runs them on the loop (tests, stdio).
    let preAuth: PreAuthWork?
    /// The real client's address behind trusted reverse proxies.
    let clientAddress: ClientAddress
    /// Plugins' HTTP spaces, /{tenant}/x/{plugin}/… (signed links; nil: none served).
    let links: LinkEndpoint?

    init(access: AccessControl, tools: ToolMethods, sessions: SessionStore, guardrails: RequestGuardrails,
         oauth: AuthorizationServer? = nil, scheduler: ToolCallScheduler? = nil, preAuth: PreAuthWork? = nil,
         clientAddress: ClientAddress = ClientAddress(trustedProxies: []), settings: MCPSettings = MCPSettings(),
         links: LinkEndpoint? = nil) {
        self.links = links
        self.mcp = MCPService(access: access, tools: tools, sessions: sessions, oauth: oauth, settings: settings)
        self.oauth = oauth
        self.scheduler = scheduler
        self.preAuth = preAuth
        self.clientAddress = clientAddress
        self.guardrails = guardrails
    }

    /// Entry point from the HTTP server: answers at once, or from a worker for slow work; a tool
    /// call that reports progress to a client that asked for it is answered as an SSE stream.
    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        handle(request, respond: responder.send, open: { responder.stream(status: 200, headers: $0) },
               watchClient: responder.onClientGone)
    }

    /// - Parameters:
    ///   - open: starts a streamed response; nil answers every call as plain JSON (tests).
    ///   - watchClient: registers what to do if the client drops the request before its answer.
    func handle(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void, open: SSECallAnswer.Opener? = nil,
                watchClient: ((@escaping @Sendable () -> Void) -> Void)? = nil) {
        switch route(request) {
        case .done(let response): respond(response)
        case .call(let call):
            // 2026-07-28: a client cancels a call by closing its response stream, SSE or not.
            if let control = call.control, control.cancelsWhenStreamCloses, let watchClient {
                watchClient { control.cancel(.client) }
            }
            let answer = answering(call, respond: respond, open: open)
            guard let scheduler else { return answer(call.run()) }
            scheduler.submit(call, respond: answer)
        case .oauth(let job):
            guard let preAuth else { return respond(job.run(.load)) }
            preAuth.submit(job, respond: respond)
        case .link(let request, let route, let links):
            links.handle(request, route: route, respond: respond)
        }
    }

    /// How a call's answer goes out: plain JSON, or through an SSECallAnswer bound to its
    /// progress before the call can run (header section 10).
    private func answering(_ call: DeferredCall, respond: @escaping @Sendable (HTTPResponse) -> Void,
                           open: SSECallAnswer.Opener?) -> @Sendable (MCPAnswer) -> Void {
        guard let open, let control = call.control, let progress = control.progress else { return { respond(.reply($0.reply)) } }
        let sse = SSECallAnswer(open: open, respond: respond)
        progress.bind(sse)
        return { answer in
            progress.end()
            sse.answer(answer.reply, cancelled: control.cancelledByClient)
        }
    }

    /// A response now, or the rest of the work to run where slow work belongs: a tool call (in
    /// the lanes of its toolsets, with a deadline) or an OAuth page (on the pre-auth threads).
    private enum Routed {
        case done(HTTPResponse)
        case call(DeferredCall)
        case oauth(PreAuthJob)
        /// A request through a signed link: LinkEndpoint checks it and runs the plugin's handler on its own workers.
        case link(HTTPRequest, LinkRoute, LinkEndpoint)
    }

    private func route(_ received: HTTPRequest) -> Routed {
        let request = clientAddress.resolve(received)
        if request.path == "/healthz" {
            guard request.method == "GET" || request.method == "HEAD" else { return .done(.text(405, "Method not allowed", allow: "GET")) }
            return .done(.json(200, ["status": "ok"]))
        }
        // Sign-in verifies a scrypt password hash (tens of milliseconds on purpose), the token
        // endpoint writes grants, a URL client_id means a fetch: slow work for clients nobody has
        // authenticated yet, so it runs on the pre-auth threads, not on a loop or a tool worker.
        if oauth != nil, request.path.hasPrefix("/oauth/") {
            return .oauth(PreAuthJob(kind: preAuthKind(request), address: request.remoteAddress) { check in
                self.routeOAuth(request, metadata: check) ?? .text(404, "Not found: \(request.path)")
            })
        }
        if let response = routeOAuth(request) { return .done(response) }
        // No Host/Origin guardrails here: the link itself is the credential, and links are
        // opened by browsers from anywhere (a mail, a chat) by design.
        if let links, let route = LinkRoute(path: request.path) { return .link(request, route, links) }
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

    /// POST: one JSON-RPC message (or a 2025-03-26 batch), answered by the MCP core.
    private func post(_ request: HTTPRequest, route: MCPRoute) -> Routed {
        if let refusal = guardrails.checkContentType(request) ?? guardrails.checkContentNegotiation(request) { return .done(refusal) }
        switch mcp.handle(mcpRequest(request, route: route)) {
        case .answered(let answer): return .done(.reply(answer.reply))
        case .deferred(let call): return .call(call)
        }
    }

    /// DELETE: ends a handshake-era session.
    private func delete(_ request: HTTPRequest, route: MCPRoute) -> HTTPResponse {
        guard let sessionID = request.headers["Mcp-Session-Id"] else {
            return .reply(.error(id: .null, .invalidRequest("DELETE requires an Mcp-Session-Id header")))
        }
        if let refusal = mcp.endSession(mcpRequest(request, route: route), sessionID: sessionID) { return .reply(refusal) }
        return HTTPResponse(status: 204)
    }

    private func mcpRequest(_ request: HTTPRequest, route: MCPRoute) -> MCPRequest {
        MCPRequest(body: request.body, tenant: route.tenant, toolset: route.toolset, authorization: request.headers["Authorization"],
                   client: request.remoteAddress, transport: .http(request.headers))
    }
}

/// `/{tenant}/mcp` or `/{tenant}/mcp/{toolset}`. Only segments that follow the naming rules
/// (tenants: TenantCommands.isValidName; toolsets: PluginLoader.isValidName) make a route, so
/// nothing a client put in the path reaches a header, a log line or a lookup unchecked: any other
/// path is a plain 404.
struct MCPRoute {
    let tenant: String
    let toolset: String?

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
        guard TenantCommands.isValidName(tenant), toolset.map(PluginLoader.isValidName) ?? true else { return nil }
    }
}
