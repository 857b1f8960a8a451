/// The personal access token format: `thp_<12 hex id>_<43 base62 secret>`.
///
/// - The `thp_` prefix lets secret scanners recognise a leaked Toolhost token.
/// - The id is public (shown by `token list` as `tok_<id>`) and lets the host find the row
///   without searching by secret; the secret carries 256 bits of randomness.
/// - Only SHA-256 of the whole token is stored. A 256-bit random secret cannot be brute-forced,
///   so a slow password hash would add latency and no safety.
struct PersonalAccessToken {
    static let prefix = "thp_"
    let id: String
    let secret: String

    var text: String { PersonalAccessToken.prefix + id + "_" + secret }
    var hash: [UInt8] { Crypto.sha256(Array(text.utf8)) }

    static func generate() -> PersonalAccessToken {
        PersonalAccessToken(id: Crypto.hex(Crypto.randomBytes(6)), secret: Crypto.randomBase62(43))
    }

    /// Parses the presented bearer value; nil for anything not shaped like one of our tokens.
    static func parse(_ text: Substring) -> PersonalAccessToken? {
        let utf8 = text.utf8
        guard utf8.count == 4 + 12 + 1 + 43, text.hasPrefix(prefix) else { return nil }
        let body = text.dropFirst(4)
        let id = body.prefix(12)
        let separator = body.dropFirst(12).first
        let secret = body.dropFirst(13)
        guard separator == "_", id.utf8.allSatisfy(isLowerHex), secret.utf8.allSatisfy(isBase62) else { return nil }
        return PersonalAccessToken(id: String(id), secret: String(secret))
    }

    /// Accepts `tok_<id>` or the bare id, as typed by an operator.
    static func normalizeID(_ text: String) -> String? {
        let id = text.hasPrefix("tok_") ? String(text.dropFirst(4)) : text
        guard id.utf8.count == 12, id.utf8.allSatisfy(isLowerHex) else { return nil }
        return id
    }

    private static func isLowerHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }
    private static func isBase62(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }
}
