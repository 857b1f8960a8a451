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

    func authorize(_ request: HTTPRequest) -> HTTPResponse {
        let query = FormData.parse(request.query ?? "")
        if let clientID = query["client_id"], ClientMetadataDocument.isURL(clientID), let problem = loadMetadataClient(clientID) {
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
                var scopes = (query["scope"] ?? "").split(separator: " ").map(String.init)
                if let unknown = scopes.first(where: { !allowed.contains($0) }) {
                    return fail("invalid_scope", "Unknown scope \(unknown) (this endpoint offers: \(allowed.sorted().joined(separator: " ")))")
                }
                // One line per toolset: the full scope wins over its :read form.
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

    // MARK: Responses

    private func redirect(to uri: String, _ parameters: [(String, String)], state: String?) -> HTTPResponse {
        var all = parameters
        if let state { all.append(("state", state)) }
        all.append(("iss", issuer))
        let location = uri + (uri.contains("?") ? "&" : "?") + FormData.encode(all)
        return HTTPResponse(status: 303, headers: HTTPHeaders([("Location", location), ("Cache-Control", "no-store")] + AuthorizationServer.pageSecurityHeaders))
    }

    static let pageSecurityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Frame-Options", "DENY"),
        // Not no-referrer: under it browsers send `Origin: null` on form POSTs, which the Origin check would refuse.
        ("Referrer-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
    ]

    func page(_ status: Int, _ html: String, cookies: [String]) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")] + AuthorizationServer.pageSecurityHeaders)
        for cookie in cookies { headers.add("Set-Cookie", cookie) }
        return HTTPResponse(status: status, headers: headers, body: Array(html.utf8))
    }

    func errorPage(_ status: Int, _ title: String, _ message: String) -> HTTPResponse {
        page(status, HTMLPage.render(title: title, body: "<h1>\(HTMLPage.escape(title))</h1>\n<p class=\"error\">\(HTMLPage.escape(message))</p>"), cookies: [])
    }

    private func hidden(_ pending: PendingAuthorization) -> String {
        """
        <input type="hidden" name="request" value="\(HTMLPage.escape(pending.id))">
        <input type="hidden" name="csrf" value="\(HTMLPage.escape(pending.csrf))">
        """
    }

    private func signInPage(_ pending: PendingAuthorization, client: OAuthClient, error: String?) -> String {
        let e = HTMLPage.escape
        return HTMLPage.render(title: "Sign in", body: """
        <h1>Sign in to \(e(pending.tenant))</h1>
        <p><strong>\(e(client.name))</strong> wants to connect to your workspace <strong>\(e(pending.tenant))</strong>. Sign in to continue.</p>
        \(error.map { "<p class=\"error\" role=\"alert\">\(e($0))</p>" } ?? "")
        <form method="post" action="/oauth/signin">
        \(hidden(pending))
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required autofocus>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <div class="buttons"><button type="submit" class="primary">Sign in</button></div>
        </form>
        """)
    }

    private func consentPage(_ pending: PendingAuthorization, client: OAuthClient, user: UserRecord) -> String {
        let e = HTMLPage.escape
        let items = pending.scopes.map { scope -> String in
            let name = scope.hasSuffix(":read") ? String(scope.dropLast(5)) : scope
            let title = registry.toolsetsByName[name]?.title ?? name
            let access = scope.hasSuffix(":read") ? "read only" : "read and change"
            return """
            <li><label><input type="checkbox" name="scope" value="\(e(scope))" checked> <strong>\(e(title))</strong> <span class="muted">(\(e(name)), \(access))</span></label></li>
            """
        }.joined(separator: "\n")
        let returnHost = URLComponents(string: pending.redirectURI)?.host ?? pending.redirectURI
        return HTMLPage.render(title: "Authorize access", body: """
        <h1>Authorize access</h1>
        <p><strong>\(e(client.name))</strong> is requesting access to your workspace <strong>\(e(pending.tenant))</strong>.</p>
        <p class="muted">Signed in as \(e(user.email)). Untick any toolset it should not use.</p>
        <form method="post" action="/oauth/consent">
        \(hidden(pending))
        <ul class="scopes">
        \(items)
        </ul>
        <p class="muted">You will be returned to \(e(returnHost)). You can revoke this connection at any time (<code>toolhost connections</code>).</p>
        <div class="buttons">
        <button type="submit" name="decision" value="allow" class="primary">Authorize</button>
        <button type="submit" name="decision" value="deny">Cancel</button>
        </div>
        </form>
        """)
    }
}

/// The page shell: readable on a phone, no external assets, no script.
enum HTMLPage {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func render(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Toolhost</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2129;margin:0;padding:1rem;line-height:1.5}
        main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.08)}
        h1{font-size:1.35rem;margin:0 0 1rem}
        label{display:block;margin:.75rem 0 .25rem;font-weight:600}
        input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.65rem;font-size:1rem;border:1px solid #c4c8cf;border-radius:8px}
        ul.scopes{list-style:none;padding:0;margin:1rem 0}
        ul.scopes li{padding:.6rem;border:1px solid #e1e4e8;border-radius:8px;margin-bottom:.5rem}
        ul.scopes label{display:flex;gap:.5rem;align-items:baseline;margin:0;font-weight:400;flex-wrap:wrap}
        .buttons{display:flex;gap:.75rem;margin-top:1.25rem;flex-wrap:wrap}
        button{flex:1;min-width:8rem;padding:.75rem 1rem;font-size:1rem;border-radius:8px;border:1px solid #c4c8cf;background:#fff;cursor:pointer}
        button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}
        .muted{color:#5c6370;font-size:.9rem}
        .error{color:#b42318;background:#fef3f2;padding:.6rem;border-radius:8px}
        code{font-size:.85rem}
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }
}
