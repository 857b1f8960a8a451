import HTTPServer
import JSON

/// DNS-rebinding protection and content negotiation, checked before any authentication.
/// - `Origin` present and not allowed → 403 (browsers send it; CLI clients do not).
/// - `Host` not allowed → 421. On a loopback bind the allowed hosts are the loopback names.
struct RequestGuardrails: Sendable {
    private(set) var allowedHosts: Set<String>?     // nil = any Host (bound to a public interface without a list)
    let allowedOrigins: Set<String>

    /// - Parameter publicHost: the host of `--public-url`, allowed whenever hosts are restricted.
    init(bindHost: String, allowedHosts: [String], allowedOrigins: [String], publicHost: String? = nil) {
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(bindHost)
        if !allowedHosts.isEmpty {
            self.allowedHosts = Set(allowedHosts.map { $0.lowercased() })
        } else {
            self.allowedHosts = loopback ? ["localhost", "127.0.0.1", "[::1]"] : nil
        }
        if let publicHost, allowedHosts.isEmpty, self.allowedHosts != nil { self.allowedHosts?.insert(publicHost.lowercased()) }
        self.allowedOrigins = Set(allowedOrigins.map { $0.lowercased() })
    }

    func check(_ request: HTTPRequest) -> HTTPResponse? {
        if let origin = request.headers["Origin"], !isAllowed(origin: origin) {
            return .json(403, ["jsonrpc": "2.0", "id": nil, "error": ["code": -32600, "message": .string("Origin not allowed: \(origin)")]])
        }
        return checkHost(request)
    }

    /// The Host check alone (the OAuth pages do their own Origin check).
    func checkHost(_ request: HTTPRequest) -> HTTPResponse? {
        if let allowedHosts {
            let host = request.headers["Host"].map(RequestGuardrails.hostWithoutPort) ?? ""
            if !allowedHosts.contains(host.lowercased()) {
                return .text(421, "Host not allowed: \(host.isEmpty ? "(none)" : host). Set TOOLHOST_ALLOWED_HOSTS to serve other names.")
            }
        }
        return nil
    }

    /// Clients must accept JSON. (The body's Content-Type is not policed: the body is parsed
    /// as JSON whatever it claims, and `curl -d` labels everything as a form.)
    func checkContentNegotiation(_ request: HTTPRequest) -> HTTPResponse? {
        if let accept = request.headers["Accept"]?.lowercased(),
           !(accept.contains("application/json") || accept.contains("*/*") || accept.contains("application/*")) {
            return .text(406, "Accept must include application/json")
        }
        return nil
    }

    private func isAllowed(origin: String) -> Bool {
        let lowered = origin.lowercased()
        if allowedOrigins.contains(lowered) { return true }
        // Pages served from this machine's loopback may talk to a loopback-bound server.
        for prefix in ["http://localhost", "http://127.0.0.1", "http://[::1]"] where lowered == prefix || lowered.hasPrefix(prefix + ":") {
            return allowedHosts != nil
        }
        return false
    }

    static func hostWithoutPort(_ host: String) -> String {
        let utf8 = host.utf8
        if utf8.first == UInt8(ascii: "[") {
            return utf8.firstIndex(of: UInt8(ascii: "]")).map { String(host[...$0]) } ?? host
        }
        return utf8.firstIndex(of: UInt8(ascii: ":")).map { String(host[..<$0]) } ?? host
    }
}
