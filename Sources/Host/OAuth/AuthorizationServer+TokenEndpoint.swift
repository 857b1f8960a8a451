// The token endpoint (POST /oauth/token: code exchange, refresh rotation) and revocation (POST /oauth/revoke).
import Foundation
import HTTPServer
import JSON

/// POST /oauth/token (authorization_code with PKCE S256; refresh_token with rotation and replay
/// detection) and POST /oauth/revoke (RFC 7009). Errors follow RFC 6749 §5.2: a bad code, verifier
/// or refresh token is 400 `invalid_grant`.
extension AuthorizationServer {
    func token(_ request: HTTPRequest, metadata: MetadataCheck = .load) -> HTTPResponse {
        let form = FormData.parse(request.body)
        guard let grantType = form["grant_type"] else { return AuthorizationServer.error(400, "invalid_request", "grant_type is required") }
        guard let clientID = form["client_id"] ?? AuthorizationServer.basicClientID(request.headers["Authorization"]), !clientID.isEmpty else {
            return AuthorizationServer.error(400, "invalid_request", "client_id is required (public clients authenticate with PKCE)")
        }
        if ClientMetadataDocument.isURL(clientID), let problem = metadataProblem(clientID, metadata) {
            return AuthorizationServer.error(400, "invalid_client", "Client metadata document \(clientID) is not usable: \(problem)")
        }
        do {
            return try stores.withResource { store in
                guard let client = try store.client(id: clientID) else {
                    return AuthorizationServer.error(401, "invalid_client", "Unknown client_id")
                }
                switch grantType {
                case "authorization_code": return try exchangeCode(form, client: client, store: store)
                case "refresh_token": return try refresh(form, client: client, store: store)
                case "password":
                    return AuthorizationServer.error(400, "unsupported_grant_type", "The password grant is not supported (OAuth 2.1 removed it); use authorization_code with PKCE")
                default:
                    return AuthorizationServer.error(400, "unsupported_grant_type", "Supported grant types: authorization_code, refresh_token")
                }
            }
        } catch {
            Log.error("oauth", "token endpoint: \(error)")
            return AuthorizationServer.error(500, "server_error", "Could not read or write the host database")
        }
    }

    /// Some clients send their id as HTTP Basic credentials with an empty secret (RFC 6749 §2.3.1).
    static func basicClientID(_ header: String?) -> String? {
        guard let header, header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return String(text[..<colon]).removingPercentEncoding
    }

    private func exchangeCode(_ form: FormData, client: OAuthClient, store: HostStore) throws -> HTTPResponse {
        guard let code = form["code"], let redirectURI = form["redirect_uri"], let verifier = form["code_verifier"] else {
            return AuthorizationServer.error(400, "invalid_request", "code, redirect_uri and code_verifier are required")
        }
        let hash = Crypto.sha256(Array(code.utf8))
        let now = Clock.nowMilliseconds()
        guard let record = try store.code(hash: hash), record.clientID == client.clientID else {
            return AuthorizationServer.error(400, "invalid_grant", "Invalid authorization code")
        }
        if record.usedMs != nil {
            // A code used twice: revoke what the first use produced (RFC 6749 §4.1.2).
            if let grantID = record.grantID { try store.revokeGrant(id: grantID, now: now) }
            return AuthorizationServer.error(400, "invalid_grant", "Authorization code has already been used")
        }
        guard now < record.expiresMs else { return AuthorizationServer.error(400, "invalid_grant", "Authorization code has expired") }
        guard record.redirectURI == redirectURI else { return AuthorizationServer.error(400, "invalid_grant", "redirect_uri does not match the authorization request") }
        guard PKCE.verify(verifier: verifier, challenge: record.codeChallenge) else {
            return AuthorizationServer.error(400, "invalid_grant", "PKCE verification failed: code_verifier does not match code_challenge")
        }
        if let resource = form["resource"], AuthorizationServer.normalize(resource) != record.resource {
            return AuthorizationServer.error(400, "invalid_target", "resource does not match the authorization request")
        }
        return try store.database.transaction { () throws -> HTTPResponse in
            guard try store.useCode(hash: hash, now: now) else {
                return AuthorizationServer.error(400, "invalid_grant", "Authorization code has already been used")
            }
            // Authorizing the same client again replaces its previous grant.
            try store.revokeGrants(tenant: record.tenant, clientName: client.name, now: now)
            let grant = TokenRecord(id: Crypto.hex(Crypto.randomBytes(6)), tenant: record.tenant, name: client.name,
                                    secretHash: Crypto.randomBytes(32), toolsets: record.scopes, createdMs: now, expiresMs: nil,
                                    revokedMs: nil, lastUsedMs: nil, kind: .oauth, clientID: client.clientID, resource: record.resource)
            try store.insertGrant(grant)
            try store.setCodeGrant(hash: hash, grantID: grant.id)
            Log.info("oauth", "granted \(grant.publicID) to \"\(client.name)\" for tenant \(record.tenant) (scopes: \(record.scopes.joined(separator: " ")))")
            return try issue(grant: grant, store: store, now: now)
        }
    }

    private func refresh(_ form: FormData, client: OAuthClient, store: HostStore) throws -> HTTPResponse {
        guard let text = form["refresh_token"] else { return AuthorizationServer.error(400, "invalid_request", "refresh_token is required") }
        let now = Clock.nowMilliseconds()
        guard let presented = OAuthTokens.parse(text, prefix: OAuthTokens.refreshPrefix), let stored = try store.refreshToken(id: presented.id),
              Crypto.constantTimeEquals(stored.hash, presented.hash), let grant = try store.token(id: stored.grantID), grant.kind == .oauth,
              grant.clientID == client.clientID
        else { return AuthorizationServer.error(400, "invalid_grant", "Invalid refresh token") }
        if stored.usedMs != nil {
            // Reuse of a rotated refresh token: someone holds a copy. Revoke the whole grant.
            try store.revokeGrant(id: grant.id, now: now)
            Log.warning("oauth", "refresh token reuse on \(grant.publicID) (\"\(grant.name)\", tenant \(grant.tenant)): grant revoked")
            return AuthorizationServer.error(400, "invalid_grant", "Refresh token has already been used; the grant has been revoked")
        }
        guard grant.revokedMs == nil else { return AuthorizationServer.error(400, "invalid_grant", "The grant has been revoked") }
        guard now < stored.expiresMs else { return AuthorizationServer.error(400, "invalid_grant", "Refresh token has expired") }
        if let resource = form["resource"], AuthorizationServer.normalize(resource) != grant.resource {
            return AuthorizationServer.error(400, "invalid_target", "resource does not match the grant")
        }
        if let scope = form["scope"] {
            let asked = scope.split(separator: " ").map(String.init)
            if let extra = asked.first(where: { !grant.toolsets.contains($0) }) {
                return AuthorizationServer.error(400, "invalid_scope", "Scope \(extra) was not granted; authorize again to widen access")
            }
        }
        return try store.database.transaction { () throws -> HTTPResponse in
            guard try store.useRefreshToken(id: presented.id, now: now) else {
                try store.revokeGrant(id: grant.id, now: now)
                return AuthorizationServer.error(400, "invalid_grant", "Refresh token has already been used; the grant has been revoked")
            }
            return try issue(grant: grant, store: store, now: now)
        }
    }

    private func issue(grant: TokenRecord, store: HostStore, now: Int64) throws -> HTTPResponse {
        let access = OAuthTokens.generate(prefix: OAuthTokens.accessPrefix)
        let refresh = OAuthTokens.generate(prefix: OAuthTokens.refreshPrefix)
        try store.insertAccessToken(id: access.id, grantID: grant.id, hash: access.hash, expiresMs: now + Int64(settings.accessTokenSeconds) * 1000)
        try store.insertRefreshToken(id: refresh.id, grantID: grant.id, hash: refresh.hash,
                                     expiresMs: now + Int64(settings.refreshTokenDays) * 86_400_000)
        return AuthorizationServer.json(200, [
            "access_token": .string(access.text),
            "token_type": "Bearer",
            "expires_in": .int(Int64(settings.accessTokenSeconds)),
            "refresh_token": .string(refresh.text),
            "scope": .string(grant.toolsets.joined(separator: " ")),
        ])
    }

    /// RFC 7009: always 200, whether or not the token was known. A refresh token revokes its
    /// whole grant; an access token only itself.
    func revoke(_ request: HTTPRequest) -> HTTPResponse {
        let form = FormData.parse(request.body)
        guard let text = form["token"] else { return AuthorizationServer.error(400, "invalid_request", "token is required") }
        let now = Clock.nowMilliseconds()
        do {
            try stores.withResource { store in
                if let access = OAuthTokens.parse(text, prefix: OAuthTokens.accessPrefix), let stored = try store.accessToken(id: access.id),
                   Crypto.constantTimeEquals(stored.hash, access.hash) {
                    try store.deleteAccessToken(id: access.id)
                } else if let refresh = OAuthTokens.parse(text, prefix: OAuthTokens.refreshPrefix), let stored = try store.refreshToken(id: refresh.id),
                          Crypto.constantTimeEquals(stored.hash, refresh.hash) {
                    if let clientID = form["client_id"], let grant = try store.token(id: stored.grantID), grant.clientID != clientID { return }
                    try store.revokeGrant(id: stored.grantID, now: now)
                }
            }
        } catch {
            Log.error("oauth", "revocation endpoint: \(error)")
            return AuthorizationServer.error(503, "temporarily_unavailable", "Could not update the host database")
        }
        return HTTPResponse(status: 200, headers: HTTPHeaders([("Cache-Control", "no-store"), ("Access-Control-Allow-Origin", "*")]))
    }
}
