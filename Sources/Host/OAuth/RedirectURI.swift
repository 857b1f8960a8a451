// The rule for acceptable OAuth redirect URIs (registration and metadata documents).
import Foundation

/// Redirect URIs: https anywhere, or http on a loopback host (RFC 8252 §7.3); never a fragment.
/// They are matched exactly, as registered.
enum RedirectURI {
    static func isAcceptable(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), components.fragment == nil, let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "localhost", "[::1]", "::1"].contains(host)
    }
}
