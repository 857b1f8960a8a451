// PKCE (RFC 7636): S256 challenges and verifier checks.
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
