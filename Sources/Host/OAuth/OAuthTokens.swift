// The formats of OAuth access tokens, refresh tokens and authorization codes.
import Foundation

/// Token formats: `tha_<12 hex id>_<43 base62>` (access) and `thr_…` (refresh), stored as SHA-256
/// like personal access tokens; authorization codes are 43 random base62 characters, stored as SHA-256.
enum OAuthTokens {
    static let accessPrefix = "tha_"
    static let refreshPrefix = "thr_"

    static func generate(prefix: String) -> (id: String, text: String, hash: [UInt8]) {
        let id = Crypto.hex(Crypto.randomBytes(6))
        let text = prefix + id + "_" + Crypto.randomBase62(43)
        return (id, text, Crypto.sha256(Array(text.utf8)))
    }

    /// The id and hash of a presented `prefix` token, or nil if it is not shaped like one.
    static func parse(_ text: String, prefix: String) -> (id: String, hash: [UInt8])? {
        let parsed = PersonalAccessToken.fromAuthorizationHeader("Bearer " + text, prefix: prefix)
        guard let id = parsed.id, let hash = parsed.hash else { return nil }
        return (id, hash)
    }
}
