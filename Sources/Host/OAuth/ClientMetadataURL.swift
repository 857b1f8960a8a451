// Client ID Metadata Document URLs: which client_ids are URLs, the shape a document URL must have,
// and the addresses its host may resolve to (the SSRF guard before anything is sent).
import Foundation

extension ClientMetadataDocument {
    /// Whether a client_id is meant as a metadata document URL (DCR ids are `thc_…`).
    static func isURL(_ clientID: String) -> Bool {
        let lower = clientID.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    struct Target {
        let url: URL
        let scheme: String
        let host: String
        let port: Int?
    }

    /// Checks the shape of the URL: https with a path (or, with the development allowance,
    /// http on a loopback host), no credentials, no fragment.
    static func target(_ text: String, allowLoopback: Bool) throws(CIMDError) -> Target {
        guard text.utf8.count <= 2048, let components = URLComponents(string: text), let url = URL(string: text),
              let scheme = components.scheme?.lowercased(), var host = components.host?.lowercased(), !host.isEmpty
        else { throw CIMDError("the client_id is not a valid URL") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard components.user == nil, components.password == nil else { throw CIMDError("the client_id URL must not contain credentials") }
        guard components.fragment == nil else { throw CIMDError("the client_id URL must not contain a fragment") }
        guard !components.percentEncodedPath.isEmpty, components.percentEncodedPath != "/" else {
            throw CIMDError("the client_id URL must have a path (the location of the client metadata document)")
        }
        switch scheme {
        case "https": break
        case "http":
            guard allowLoopback, ["127.0.0.1", "localhost", "::1"].contains(host) else {
                throw CIMDError("client metadata documents must be served over https")
            }
        default: throw CIMDError("client metadata documents must be served over https")
        }
        return Target(url: url, scheme: scheme, host: host, port: components.port)
    }

    /// Resolves the host and refuses any address that is not public unicast (loopback too,
    /// unless allowed). Returns the checked addresses; nothing has been sent to them yet.
    static func checkedAddresses(_ target: Target, allowLoopback: Bool) throws(CIMDError) -> [String] {
        let addresses = NetworkAddress.resolve(target.host)
        guard !addresses.isEmpty else { throw CIMDError("the host \(target.host) of the client metadata document could not be resolved") }
        for address in addresses {
            guard let bytes = NetworkAddress.parse(address) else { throw CIMDError("the host \(target.host) resolved to an unreadable address") }
            let kind = NetworkAddress.classify(bytes)
            if kind == .publicUnicast || (allowLoopback && kind == .loopback) { continue }
            throw CIMDError("the host \(target.host) resolves to \(address), a \(kind.description) address; Toolhost does not fetch client metadata documents from such addresses")
        }
        return addresses
    }
}
