// The authorization endpoint's HTML responses: security headers, the error page, and the sign-in
// and consent page templates.
import Foundation
import HTTPServer

extension AuthorizationServer {
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

    func signInPage(_ pending: PendingAuthorization, client: OAuthClient, error: String?) -> String {
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

    func consentPage(_ pending: PendingAuthorization, client: OAuthClient, user: UserRecord) -> String {
        let e = HTMLPage.escape
        let items = pending.scopes.map(consentItem).joined(separator: "\n")
        let returnHost = URLComponents(string: pending.redirectURI)?.host ?? pending.redirectURI
        return HTMLPage.render(title: "Authorize access", body: """
        <h1>Authorize access</h1>
        <p><strong>\(e(client.name))</strong> is requesting access to your workspace <strong>\(e(pending.tenant))</strong>.</p>
        <p class="muted">Signed in as \(e(user.email)). Untick anything it should not use.</p>
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
