import HTTPServer
import JSON

/// DNS-rebinding protection and content negotiation, checked before any authentication.
/// - a POST body not declared `application/json` → 415;
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

    /// A POST to an MCP endpoint must declare its body as `application/json` (parameters such as
    /// `charset=utf-8` allowed, the media type compared case-insensitively), or it gets 415 before
    /// its body is even parsed. Why: a browser sends a cross-site POST without a CORS preflight
    /// only for text/plain, form and multipart bodies, so refusing every other type means a web
    /// page can never make a visitor's browser call a tool, whether or not it sends an Origin.
    func checkContentType(_ request: HTTPRequest) -> HTTPResponse? {
        let header = request.headers["Content-Type"]
        if let header, RequestGuardrails.isJSON(header) { return nil }
        let declared = header.map(RequestGuardrails.mediaType)
        let got = declared.map { $0.isEmpty ? "an empty Content-Type" : $0 } ?? "no Content-Type"
        return .text(415, "Unsupported Media Type: POST to an MCP endpoint needs Content-Type: application/json (got \(got))")
    }

    /// `application/json`, any case, optionally with parameters: compared byte by byte, since
    /// every MCP request passes here (no lowercased copy, no trimmed copy).
    static func isJSON(_ contentType: String) -> Bool {
        let expected: StaticString = "application/json"
        var utf8 = contentType.utf8[...]
        while let first = utf8.first, first == 0x20 || first == 0x09 { utf8 = utf8.dropFirst() }
        guard utf8.count >= expected.utf8CodeUnitCount else { return false }
        var index = utf8.startIndex
        for offset in 0..<expected.utf8CodeUnitCount {
            let byte = utf8[index]
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            guard lowered == expected.utf8Start[offset] else { return false }
            index = utf8.index(after: index)
        }
        // What follows the media type: nothing, or parameters after optional whitespace.
        for byte in utf8[index...] {
            if byte == UInt8(ascii: ";") { return true }
            guard byte == 0x20 || byte == 0x09 else { return false }
        }
        return true
    }

    /// `type/subtype` of a Content-Type value, lowercased, without parameters.
    static func mediaType(_ value: String) -> String {
        let end = value.firstIndex(of: ";") ?? value.endIndex
        return value[..<end].trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Clients must accept JSON.
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
