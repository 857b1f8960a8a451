import Foundation

/// PKCE (RFC 7636), S256 only: OAuth 2.1 removed `plain`.
enum PKCE {
    static func s256Challenge(verifier: String) -> String {
        Crypto.base64URL(Crypto.sha256(Array(verifier.utf8)))
    }

    /// A verifier is 43–128 characters of [A-Z a-z 0-9 - . _ ~]; its S256 must equal the challenge.
    static func verify(verifier: String, challenge: String) -> Bool {
        let utf8 = verifier.utf8
        guard (43...128).contains(utf8.count), utf8.allSatisfy(isUnreserved) else { return false }
        return Crypto.constantTimeEquals(Array(s256Challenge(verifier: verifier).utf8), Array(challenge.utf8))
    }

    /// A challenge is an unpadded base64url SHA-256: 43 characters.
    static func isValidChallenge(_ challenge: String) -> Bool {
        challenge.utf8.count == 43 && challenge.utf8.allSatisfy(isUnreserved)
    }

    private static func isUnreserved(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E
    }
}

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

/// `application/x-www-form-urlencoded` bodies and query strings.
struct FormData {
    private(set) var pairs: [(String, String)] = []

    static func parse(_ text: String) -> FormData {
        var form = FormData()
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            form.pairs.append((decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : ""))
        }
        return form
    }

    static func parse(_ bytes: [UInt8]) -> FormData { parse(String(decoding: bytes, as: UTF8.self)) }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// Encodes for a query string (RFC 3986 unreserved characters kept).
    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
