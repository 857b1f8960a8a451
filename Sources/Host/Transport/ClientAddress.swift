import HTTPServer

/// Which address a request really comes from. Behind a reverse proxy every connection comes from
/// the proxy, so the per-address lockout would lock everyone out at once and the audit trail would
/// name the proxy. `X-Forwarded-For` is believed only when the connection comes from a configured
/// trusted proxy (`TOOLHOST_TRUSTED_PROXIES`); the client is then the right-most address in it
/// that is not itself a trusted proxy. From anyone else the header is ignored, so it cannot be
/// forged to dodge the lockout.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    init(trustedProxies: [String]) {
        self.trustedProxies = Set(trustedProxies)
    }

    /// The request as the access layers should see it: with the real client's address.
    func resolve(_ request: HTTPRequest) -> HTTPRequest {
        guard !trustedProxies.isEmpty, trustedProxies.contains(request.remoteAddress) else { return request }
        let hops = request.headers.values("X-Forwarded-For")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard let client = hops.last(where: { !trustedProxies.contains($0) }) else { return request }
        return HTTPRequest(method: request.method, target: request.target, version: request.version,
                           headers: request.headers, body: request.body, remoteAddress: client)
    }
}

import Foundation
