// The authorization endpoint's flow: GET /oauth/authorize, POST /oauth/signin, POST /oauth/consent,
// the checks both form POSTs share (Origin, browser cookie, CSRF), sign-in sessions and the redirect
// back to the client.
import Foundation
import HTTPServer

/// The person's side of the authorization endpoint: GET /oauth/authorize → sign-in page
/// (POST /oauth/signin) → consent page (POST /oauth/consent) → redirect to the client with
/// `code`, `state` and `iss`. Plain server-rendered HTML forms; no JavaScript, no external assets.
///
/// Protections: a per-authorization browser cookie and CSRF token, an Origin check on every POST,
/// anti-framing headers, HttpOnly SameSite=Lax cookies (Secure when the public URL is https),
/// single-use authorizations (10 minutes) and codes (60 seconds). An unknown client or a redirect
/// URI that is not registered exactly gets an error page, never a redirect.
extension AuthorizationServer {
    static let sessionCookie = "toolhost_session"
    static let pendingLifetimeMs: Int64 = 10 * 60 * 1000
    static let codeLifetimeMs: Int64 = 60 * 1000
    static let sessionLifetimeMs: Int64 = 12 * 3600 * 1000

    // MARK: GET /oauth/authorize

    func authorize(_ request: HTTPRequest, metadata: MetadataCheck = .load) -> HTTPResponse {
        let query = FormData.parse(request.query ?? "")
        if let clientID = query["client_id"], ClientMetadataDocument.isURL(clientID), let problem = metadataProblem(clientID, metadata) {
            return errorPage(400, "Invalid client metadata document",
                             "Toolhost cannot use the application's client metadata document \(clientID): \(problem).")
        }
        do {
            return try stores.withResource { store in
                guard let clientID = query["client_id"], let client = try store.client(id: clientID) else {
                    return errorPage(400, "Unknown application", "This application is not registered with this Toolhost server. Start again from your application.")
                }
                let redirectURI: String
                if let given = query["redirect_uri"] {
                    guard client.redirectURIs.contains(given) else {
                        if client.isMetadataDocument {
                            return errorPage(400, "Invalid redirect URI",
                                             "The redirect URI \(given) is not listed in the redirect_uris of \(client.name)'s client metadata document, so Toolhost will not send you there.")
                        }
                        return errorPage(400, "Invalid redirect URI", "The redirect URI does not match the one \(client.name) registered, so Toolhost will not send you there.")
                    }
                    redirectURI = given
                } else if client.redirectURIs.count == 1 {
                    redirectURI = client.redirectURIs[0]
                } else {
                    return errorPage(400, "Missing redirect URI", "The request does not say where to return to.")
                }
                let state = query["state"]
                func fail(_ error: String, _ description: String) -> HTTPResponse {
                    redirect(to: redirectURI, [("error", error), ("error_description", description)], state: state)
                }
                guard query["response_type"] == "code" else { return fail("unsupported_response_type", "response_type must be code") }
                guard let challenge = query["code_challenge"], PKCE.isValidChallenge(challenge) else {
                    return fail("invalid_request", "PKCE is required: send code_challenge (S256)")
                }
                guard query["code_challenge_method"] == "S256" else { return fail("invalid_request", "code_challenge_method must be S256") }
                guard let resourceText = query["resource"] else {
                    return fail("invalid_target", "resource is required: the URL of the MCP endpoint (RFC 8707)")
                }
                guard let route = parseResource(resourceText), let tenant = try store.tenant(named: route.tenant),
                      route.toolset.map({ registry.toolsetsByName[$0] != nil }) ?? true
                else { return fail("invalid_target", "resource is not an MCP endpoint of this server") }
                let offered = offeredToolsets(tenant: tenant, toolset: route.toolset)
                let allowed = Set(AuthorizationServer.scopes(offered))
                // Challenges and metadata advertise every installed toolset (they must not reveal
                // a tenant's settings), so a scope of a toolset this tenant disabled is dropped
                // (RFC 6749 §3.3 lets the server grant less); only unknown scopes are refused.
                let installed = Set(AuthorizationServer.scopes(endpointToolsets(toolset: route.toolset)))
                var scopes = (query["scope"] ?? "").split(separator: " ").map(String.init)
                if let unknown = scopes.first(where: { !installed.contains($0) }) {
                    return fail("invalid_scope", "Unknown scope \(unknown) (this endpoint offers: \(allowed.sorted().joined(separator: " ")))")
                }
                scopes = scopes.filter(allowed.contains)
                // One line per toolset or scope: the full grant wins over its :read form. A scope
                // named `x:read` is never dropped this way: its toolset cannot also declare `x`
                // (refused at load), so `t.x` is not among the offered scopes kept above.
                if scopes.isEmpty { scopes = offered.map(\.name) }
                scopes = scopes.filter { !($0.hasSuffix(":read") && scopes.contains(String($0.dropLast(5)))) }
                var seen = Set<String>()
                scopes = scopes.filter { seen.insert($0).inserted }
                guard !scopes.isEmpty else { return fail("invalid_scope", "No toolsets are enabled for this workspace") }

                let browserSecret = Crypto.randomBase62(32)
                var pending = PendingAuthorization(
                    id: Crypto.randomBase62(24), browserHash: Crypto.sha256(Array(browserSecret.utf8)), csrf: Crypto.randomBase62(32),
                    clientID: client.clientID, tenant: tenant.name, redirectURI: redirectURI, state: state, codeChallenge: challenge,
                    scopes: scopes, resource: resource(tenant: route.tenant, toolset: route.toolset), userID: nil,
                    expiresMs: Clock.nowMilliseconds() + AuthorizationServer.pendingLifetimeMs)
                let cookies = [cookie(pendingCookieName(pending.id), browserSecret, maxAge: 600)]
                if let user = try signedInUser(request, tenant: tenant.name, store: store) {
                    pending.userID = user.id
                    try store.insertPending(pending)
                    return page(200, consentPage(pending, client: client, user: user), cookies: cookies)
                }
                try store.insertPending(pending)
                return page(200, signInPage(pending, client: client, error: nil), cookies: cookies)
            }
        } catch {
            Log.error("oauth", "authorize: \(error)")
            return errorPage(500, "Something went wrong", "Toolhost could not read its database. Try again.")
        }
    }

    // MARK: POST /oauth/signin

    func signIn(_ request: HTTPRequest) -> HTTPResponse {
        handlePost(request, action: "sign-in") { store, form, pending in
            guard let client = try store.client(id: pending.clientID) else { return errorPage(400, "Unknown application", "The application is no longer registered.") }
            let now = Clock.nowMilliseconds()
            if let denial = abuse?.lockout(address: request.remoteAddress, now: now) {
                var response = page(429, signInPage(pending, client: client, error: denial.message + ". Try again later."), cookies: [])
                if let retry = denial.retryAfterSeconds { response.headers.add("Retry-After", String(retry)) }
                return response
            }
            let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
            let password = form["password"] ?? ""
            // An unknown email costs the same scrypt work as a wrong password, so response
            // times do not reveal which addresses have accounts.
            let user = try store.user(tenant: pending.tenant, email: email)
            let verified = Crypto.verifyPassword(password, stored: user?.passwordHash ?? AuthorizationServer.decoyPasswordHash)
            guard let user, verified else {
                Log.warning("oauth", "failed sign-in for tenant \(pending.tenant) from \(request.remoteAddress)")
                abuse?.recordFailedAuthentication(address: request.remoteAddress, now: now)
                return page(401, signInPage(pending, client: client, error: "Incorrect email or password."), cookies: [])
            }
            let sessionID = Crypto.randomBase62(43)
            try store.insertSession(hash: Crypto.sha256(Array(sessionID.utf8)), userID: user.id, tenant: user.tenant,
                                    expiresMs: Clock.nowMilliseconds() + AuthorizationServer.sessionLifetimeMs)
            try store.setPendingUser(id: pending.id, userID: user.id)
            var signedIn = pending
            signedIn.userID = user.id
            return page(200, consentPage(signedIn, client: client, user: user),
                        cookies: [cookie(AuthorizationServer.sessionCookie, sessionID, maxAge: Int(AuthorizationServer.sessionLifetimeMs / 1000))])
        }
    }

    // MARK: POST /oauth/consent

    func consent(_ request: HTTPRequest) -> HTTPResponse {
        handlePost(request, action: "consent") { store, form, pending in
            guard let userID = pending.userID, let user = try signedInUser(request, tenant: pending.tenant, store: store), user.id == userID else {
                return errorPage(403, "Please sign in again", "Your sign-in for this workspace has ended. Start again from your application.")
            }
            guard try store.consumePending(id: pending.id) else {
                return errorPage(400, "Already answered", "This authorization request has already been answered. Start again from your application.")
            }
            guard form["decision"] == "allow" else {
                return redirect(to: pending.redirectURI, [("error", "access_denied"), ("error_description", "The request was declined")], state: pending.state)
            }
            let chosen = Set(form.all("scope"))
            let scopes = pending.scopes.filter { chosen.contains($0) }
            guard !scopes.isEmpty else {
                return redirect(to: pending.redirectURI, [("error", "access_denied"), ("error_description", "No toolsets were selected")], state: pending.state)
            }
            let code = Crypto.randomBase62(43)
            try store.insertCode(hash: Crypto.sha256(Array(code.utf8)), AuthorizationCode(
                clientID: pending.clientID, tenant: pending.tenant, userID: user.id, redirectURI: pending.redirectURI,
                codeChallenge: pending.codeChallenge, scopes: scopes, resource: pending.resource,
                expiresMs: Clock.nowMilliseconds() + AuthorizationServer.codeLifetimeMs, usedMs: nil, grantID: nil))
            Log.info("oauth", "\(user.email) authorized client \(pending.clientID) for tenant \(pending.tenant) (scopes: \(scopes.joined(separator: " ")))")
            return redirect(to: pending.redirectURI, [("code", code)], state: pending.state)
        }
    }

    /// What both form POSTs share: parse the form, check Origin, request, browser cookie and CSRF
    /// token (`checkPost`), then run `body` with the pending authorization; database trouble
    /// becomes an error page.
    private func handlePost(_ request: HTTPRequest, action: String,
                            _ body: (HostStore, FormData, PendingAuthorization) throws -> HTTPResponse) -> HTTPResponse {
        let form = FormData.parse(request.body)
        do {
            return try stores.withResource { store in
                switch try checkPost(request, form: form, store: store) {
                case .failure(let refusal): return refusal.response
                case .success(let pending): return try body(store, form, pending)
                }
            }
        } catch {
            Log.error("oauth", "\(action): \(error)")
            return errorPage(500, "Something went wrong", "Toolhost could not read its database. Try again.")
        }
    }

    // MARK: Checks shared by the form POSTs

    private func checkPost(_ request: HTTPRequest, form: FormData, store: HostStore) throws -> Result<PendingAuthorization, PageError> {
        if let origin = request.headers["Origin"] {
            let lowered = origin.lowercased()
            let sameHost = request.headers["Host"].map { lowered == "http://" + $0.lowercased() || lowered == "https://" + $0.lowercased() } ?? false
            guard lowered == issuerOrigin || sameHost else {
                return .failure(PageError(errorPage(403, "Request refused", "This form was submitted from another site.")))
            }
        }
        guard let id = form["request"], let pending = try store.pending(id: id), Clock.nowMilliseconds() < pending.expiresMs else {
            return .failure(PageError(errorPage(400, "This page has expired", "The authorization request is unknown or has expired. Start again from your application.")))
        }
        guard let browser = cookies(request)[pendingCookieName(pending.id)],
              Crypto.constantTimeEquals(Crypto.sha256(Array(browser.utf8)), pending.browserHash),
              let csrf = form["csrf"], Crypto.constantTimeEquals(Array(csrf.utf8), Array(pending.csrf.utf8))
        else { return .failure(PageError(errorPage(403, "Request refused", "The form did not come from this browser's sign-in page (CSRF check failed). Start again from your application."))) }
        return .success(pending)
    }

    struct PageError: Error {
        let response: HTTPResponse
        init(_ response: HTTPResponse) { self.response = response }
    }

    private func signedInUser(_ request: HTTPRequest, tenant: String, store: HostStore) throws -> UserRecord? {
        guard let sessionID = cookies(request)[AuthorizationServer.sessionCookie],
              let session = try store.session(hash: Crypto.sha256(Array(sessionID.utf8)), now: Clock.nowMilliseconds()),
              session.tenant == tenant
        else { return nil }
        return try store.user(id: session.userID)
    }

    private func pendingCookieName(_ id: String) -> String { "toolhost_authz_" + id.prefix(12) }

    private func cookies(_ request: HTTPRequest) -> [String: String] {
        var jar: [String: String] = [:]
        for header in request.headers.values("Cookie") {
            for part in header.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                jar[pair[0].trimmingCharacters(in: .whitespaces)] = pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return jar
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/oauth; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secureCookies ? "; Secure" : "")
    }

    // MARK: Redirect to the client

    private func redirect(to uri: String, _ parameters: [(String, String)], state: String?) -> HTTPResponse {
        var all = parameters
        if let state { all.append(("state", state)) }
        all.append(("iss", issuer))
        let location = uri + (uri.contains("?") ? "&" : "?") + FormData.encode(all)
        return HTTPResponse(status: 303, headers: HTTPHeaders([("Location", location), ("Cache-Control", "no-store")] + AuthorizationServer.pageSecurityHeaders))
    }
}
