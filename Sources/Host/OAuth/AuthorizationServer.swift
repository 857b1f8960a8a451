// The authorization server: issuer, resource URLs (RFC 8707 / RFC 9728), the metadata documents and JSON responses.
import Foundation
import HTTPServer
import JSON
import Synchronization

/// The built-in OAuth 2.1 authorization server and the resource-server metadata of every MCP endpoint:
/// RFC 9728 (protected resource metadata), RFC 8414 (AS metadata), RFC 7591 (registration),
/// RFC 7636 (PKCE, S256 only), RFC 8707 (resource indicators), RFC 7009 (revocation), RFC 9207 (`iss`).
/// No password grant and no implicit grant: OAuth 2.1 removed both.
final class AuthorizationServer: Sendable {
    /// Verified against when a sign-in names no account, so that case takes as long as a wrong password.
    static let decoyPasswordHash = Crypto.hashPassword(Crypto.randomBase62(32))

    let stores: ConnectionPool<HostStore>
    let registry: PluginRegistry
    let settings: OAuthSettings
    /// Failed sign-ins count towards the same per-address lockout as failed bearer authentications.
    let abuse: AbuseGuard?
    private let publicURL: Mutex<String>

    init(stores: ConnectionPool<HostStore>, registry: PluginRegistry, settings: OAuthSettings, publicURL: String, abuse: AbuseGuard? = nil) {
        self.abuse = abuse
        self.stores = stores
        self.registry = registry
        self.settings = settings
        self.publicURL = Mutex(AuthorizationServer.normalize(publicURL))
    }

    /// The issuer: `--public-url`, else `http://HOST:PORT` once the port is bound.
    var issuer: String {
        get { publicURL.withLock { $0 } }
        set { publicURL.withLock { $0 = AuthorizationServer.normalize(newValue) } }
    }

    var secureCookies: Bool { issuer.lowercased().hasPrefix("https://") }

    /// scheme://host[:port] of the issuer, lowercased, for the Origin check.
    var issuerOrigin: String {
        guard let c = URLComponents(string: issuer), let scheme = c.scheme, let host = c.host else { return issuer.lowercased() }
        return (scheme + "://" + host + (c.port.map { ":\($0)" } ?? "")).lowercased()
    }

    static func normalize(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    // MARK: Resources (RFC 8707 / RFC 9728)

    func resource(tenant: String, toolset: String?) -> String {
        issuer + "/" + tenant + "/mcp" + (toolset.map { "/" + $0 } ?? "")
    }

    func metadataURL(tenant: String, toolset: String?) -> String {
        issuer + "/.well-known/oauth-protected-resource/" + tenant + "/mcp" + (toolset.map { "/" + $0 } ?? "")
    }

    /// The resources a token may be bound to when it reaches this endpoint: the endpoint itself
    /// and, for a per-toolset endpoint, the tenant's endpoint it sits under.
    func acceptedResources(tenant: String, toolset: String?) -> [String] {
        toolset == nil ? [resource(tenant: tenant, toolset: nil)] : [resource(tenant: tenant, toolset: toolset), resource(tenant: tenant, toolset: nil)]
    }

    /// (tenant, toolset) for a resource URL this server issued, or nil.
    func parseResource(_ text: String) -> MCPRoute? {
        var text = text
        if text.hasSuffix("/") { text.removeLast() }
        let base = issuer
        guard text.count > base.count, text.lowercased().hasPrefix(base.lowercased()) else { return nil }
        return MCPRoute(path: String(text.dropFirst(base.count)))
    }

    /// The scopes an endpoint offers: its toolsets the tenant has enabled, each also in `:read` form.
    func offeredToolsets(tenant: TenantRecord, toolset: String?) -> [RegisteredToolset] {
        registry.toolsets.filter { tenant.isEnabled($0.name) && (toolset == nil || $0.name == toolset) }
    }

    /// The toolsets an endpoint path names, installed on this server, whatever tenant it names:
    /// what unauthenticated answers (401 challenges, resource metadata) describe, so that they
    /// look the same for a tenant that exists and one that does not.
    func endpointToolsets(toolset: String?) -> [RegisteredToolset] {
        registry.toolsets.filter { toolset == nil || $0.name == toolset }
    }

    /// Every grant string these toolsets offer: each toolset whole, then the scopes they declare
    /// (`helpdesk.drafts`, `helpdesk.conversations:read`; header section 9), each form also with
    /// `:read`, except a scope whose name already has a qualifier: `helpdesk.drafts:write:read`
    /// is grantable by token but too odd to offer a person.
    static func scopes(_ toolsets: [RegisteredToolset]) -> [String] {
        let whole = toolsets.map(\.name)
        let declared = toolsets.flatMap(\.scopes)
        let readForms = declared.filter { !$0.name.contains(":") }.map { $0.grant + ScopeGrant.readSuffix }
        return whole + whole.map { $0 + ScopeGrant.readSuffix } + declared.map(\.grant) + readForms
    }

    /// Adds `resource_metadata` (and, on a 401, the endpoint's `scope`) to a denial's challenge,
    /// keeping `realm`, `error` and `error_description` as they were.
    func decorate(_ error: RPCError, tenant: String, toolset: String?) -> RPCError {
        guard error.httpStatus == 401 || error.httpStatus == 403 else { return error }
        let realm = #"Bearer realm="toolhost""#
        var scopeHint: String?
        if error.httpStatus == 401 {
            let names = endpointToolsets(toolset: toolset).map(\.name)
            if !names.isEmpty { scopeHint = names.joined(separator: " ") }
        }
        var decorated = error
        decorated.headers = error.headers.map { name, value in
            guard name == "WWW-Authenticate", value.hasPrefix(realm) else { return (name, value) }
            var extra = #", resource_metadata="\#(metadataURL(tenant: tenant, toolset: toolset))""#
            if let scopeHint, !value.contains("scope=") { extra += #", scope="\#(scopeHint)""# }
            return (name, realm + extra + value.dropFirst(realm.count))
        }
        return decorated
    }

    // MARK: Metadata

    func protectedResourceMetadata(route: MCPRoute?) -> HTTPResponse {
        guard let route else {
            // Root form: the host as a whole; each MCP endpoint has its own path-inserted document.
            return AuthorizationServer.json(200, [
                "resource": .string(issuer),
                "authorization_servers": [.string(issuer)],
                "scopes_supported": .array(AuthorizationServer.scopes(registry.toolsets).map { .string($0) }),
                "bearer_methods_supported": ["header"],
                "resource_name": "Toolhost",
            ])
        }
        // Toolset names are public (AS metadata lists them); tenant names are not, so the tenant
        // is not looked up: every well-formed tenant gets the same document.
        guard route.toolset.map({ registry.toolsetsByName[$0] != nil }) ?? true
        else { return .text(404, "Not found: no MCP endpoint \(route.tenant)/mcp\(route.toolset.map { "/" + $0 } ?? "")") }
        return AuthorizationServer.json(200, [
            "resource": .string(resource(tenant: route.tenant, toolset: route.toolset)),
            "authorization_servers": [.string(issuer)],
            "scopes_supported": .array(AuthorizationServer.scopes(endpointToolsets(toolset: route.toolset)).map { .string($0) }),
            "bearer_methods_supported": ["header"],
            "resource_name": .string("Toolhost workspace \(route.tenant)"),
        ])
    }

    func authorizationServerMetadata() -> HTTPResponse {
        AuthorizationServer.json(200, [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/oauth/authorize"),
            "token_endpoint": .string(issuer + "/oauth/token"),
            "registration_endpoint": .string(issuer + "/oauth/register"),
            "revocation_endpoint": .string(issuer + "/oauth/revoke"),
            "scopes_supported": .array(AuthorizationServer.scopes(registry.toolsets).map { .string($0) }),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": true,
        ])
    }

    // MARK: Responses

    static func json(_ status: Int, _ body: JSONValue) -> HTTPResponse {
        .json(status, body, headers: [("Cache-Control", "no-store"), ("Pragma", "no-cache"), ("Access-Control-Allow-Origin", "*")])
    }

    /// RFC 6749 §5.2 / RFC 7591 §3.2.2 error bodies.
    static func error(_ status: Int, _ code: String, _ description: String) -> HTTPResponse {
        json(status, ["error": .string(code), "error_description": .string(description)])
    }
}
