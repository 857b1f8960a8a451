import HTTPServer

/// The OAuth routes beside the MCP endpoints: metadata under `/.well-known/`, the authorization
/// server under `/oauth/`. Returns nil for any other path. `metadata` says whether a URL client_id's
/// document was already fetched (PreAuthWork) or is to be fetched here.
extension HTTPEndpoint {
    func routeOAuth(_ request: HTTPRequest, metadata: MetadataCheck = .load) -> HTTPResponse? {
        guard let oauth else { return nil }
        let path = request.path
        let prmPrefix = "/.well-known/oauth-protected-resource"
        let asPrefix = "/.well-known/oauth-authorization-server"
        let isWellKnown = path == prmPrefix || path.hasPrefix(prmPrefix + "/") || path == asPrefix || path.hasPrefix(asPrefix + "/")
        let oauthPaths: Set<String> = ["/oauth/authorize", "/oauth/token", "/oauth/register", "/oauth/revoke", "/oauth/signin", "/oauth/consent"]
        guard isWellKnown || oauthPaths.contains(path) else { return nil }
        if let refusal = guardrails.checkHost(request) { return refusal }
        if request.method == "OPTIONS" {
            // CORS preflight for browser-based clients: metadata, registration, token and revocation only.
            return HTTPResponse(status: 204, headers: HTTPHeaders([
                ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Content-Type, Authorization, MCP-Protocol-Version"), ("Access-Control-Max-Age", "600")]))
        }
        func only(_ method: String, _ body: () -> HTTPResponse) -> HTTPResponse {
            let allowed = method == "GET" ? (request.method == "GET" || request.method == "HEAD") : request.method == method
            return allowed ? body() : .text(405, "Method not allowed", allow: method)
        }
        if path == asPrefix || path.hasPrefix(asPrefix + "/") {
            return only("GET") { oauth.authorizationServerMetadata() }
        }
        if path == prmPrefix { return only("GET") { oauth.protectedResourceMetadata(route: nil) } }
        if path.hasPrefix(prmPrefix + "/") {
            guard let route = MCPRoute(path: String(path.dropFirst(prmPrefix.count))) else { return .text(404, "Not found: \(path)") }
            return only("GET") { oauth.protectedResourceMetadata(route: route) }
        }
        switch path {
        case "/oauth/authorize": return only("GET") { oauth.authorize(request, metadata: metadata) }
        case "/oauth/signin": return only("POST") { oauth.signIn(request) }
        case "/oauth/consent": return only("POST") { oauth.consent(request) }
        case "/oauth/token": return only("POST") { oauth.token(request, metadata: metadata) }
        case "/oauth/register": return only("POST") { oauth.register(request) }
        default: return only("POST") { oauth.revoke(request) }
        }
    }
}

extension HTTPEndpoint {
    /// Which budget an OAuth request draws on (PreAuthWork): sign-ins cost a scrypt, a URL
    /// client_id at the authorization or token endpoint may cost a fetch, the rest is bounded.
    func preAuthKind(_ request: HTTPRequest) -> PreAuthJob.Kind {
        switch (request.path, request.method) {
        case ("/oauth/signin", "POST"): return .signIn
        case ("/oauth/authorize", "GET"), ("/oauth/authorize", "HEAD"):
            return metadataKind(FormData.parse(request.query ?? "")["client_id"])
        case ("/oauth/token", "POST"):
            return metadataKind(FormData.parse(request.body)["client_id"] ?? AuthorizationServer.basicClientID(request.headers["Authorization"]))
        default: return .page
        }
    }

    private func metadataKind(_ clientID: String?) -> PreAuthJob.Kind {
        guard let clientID, ClientMetadataDocument.isURL(clientID) else { return .page }
        return .metadata(clientID: clientID)
    }
}
