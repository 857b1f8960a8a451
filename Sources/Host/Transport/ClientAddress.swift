import Glibc
import HTTPServer

/// Which address a request really comes from. Behind a reverse proxy every connection comes from
/// the proxy, so the per-address lockout would lock everyone out at once and the audit trail would
/// name the proxy. `X-Forwarded-For` is believed only when the connection comes from a configured
/// trusted proxy (`TOOLHOST_TRUSTED_PROXIES`); the client is then the right-most address in it
/// that is not itself a trusted proxy. From anyone else the header is ignored, so it cannot be
/// forged to dodge the lockout.
///
/// Every hop read must be an IPv4 or IPv6 address. A hop that is not (a name, `unknown`, a port,
/// text meant for a log or a terminal) makes the header unusable: the peer, i.e. the proxy,
/// is then taken as the client, so junk never becomes an abuse-guard key or an audit entry.
/// Addresses are compared and passed on in canonical form (`::1`, not `0:0::1`).
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    init(trustedProxies: [String]) {
        self.trustedProxies = Set(trustedProxies.map { ClientAddress.canonical($0) ?? $0 })
    }

    /// The request as the access layers should see it: with the real client's address.
    func resolve(_ request: HTTPRequest) -> HTTPRequest {
        guard !trustedProxies.isEmpty, trustedProxies.contains(request.remoteAddress),
              let client = forwardedClient(request.headers.values("X-Forwarded-For")) else { return request }
        return HTTPRequest(method: request.method, target: request.target, version: request.version,
                           headers: request.headers, body: request.body, remoteAddress: client)
    }

    /// Walks the hops from the right (the one our proxy appended) past trusted proxies; nil when
    /// there is no untrusted hop or a hop on the way is not an address.
    private func forwardedClient(_ values: [String]) -> String? {
        let hops = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for hop in hops.reversed() {
            let text = hop.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let address = ClientAddress.canonical(text) else { return nil }
            if !trustedProxies.contains(address) { return address }
        }
        return nil
    }

    /// The canonical text of an IPv4 or IPv6 address literal, or nil when `text` is not one.
    static func canonical(_ text: String) -> String? {
        // INET6_ADDRSTRLEN is 46; longer text cannot be an address (and is not worth parsing).
        guard !text.isEmpty, text.utf8.count < 46 else { return nil }
        var buffer = [CChar](repeating: 0, count: 64)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return addressText(buffer)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return addressText(buffer)
        }
        return nil
    }

    /// The NUL-terminated text inet_ntop wrote.
    private static func addressText(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Foundation
