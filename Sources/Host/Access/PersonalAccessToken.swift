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

    /// The hot-path form of `parse`: from the raw `Authorization` header bytes straight to the
    /// row id and the hash to compare, without building intermediate Strings.
    /// Returns nil if the header is not `Bearer <one of our tokens>`; `isBearer` tells whether
    /// a Bearer credential was present at all (to choose "Bearer token required" vs "Invalid token").
    static func fromAuthorizationHeader(_ header: String, prefix: String = PersonalAccessToken.prefix) -> (isBearer: Bool, id: String?, hash: [UInt8]?) {
        var header = header
        return header.withUTF8 { bytes -> (Bool, String?, [UInt8]?) in
            var start = 0
            var end = bytes.count
            while start < end && bytes[start] == 0x20 { start += 1 }
            while end > start && bytes[end - 1] == 0x20 { end -= 1 }
            // Scheme "Bearer" is case-insensitive (RFC 9110 §11.1).
            let scheme: [UInt8] = Array("bearer".utf8)
            guard end - start > 7 else { return (false, nil, nil) }
            for index in 0..<6 where bytes[start + index] | 0x20 != scheme[index] { return (false, nil, nil) }
            guard bytes[start + 6] == 0x20 else { return (false, nil, nil) }
            start += 7
            while start < end && bytes[start] == 0x20 { start += 1 }
            guard start < end else { return (false, nil, nil) }
            let token = UnsafeBufferPointer(rebasing: bytes[start..<end])
            guard token.count == 60, token.starts(with: prefix.utf8), token[16] == UInt8(ascii: "_"),
                  token[4..<16].allSatisfy(isLowerHex), token[17...].allSatisfy(isBase62)
            else { return (true, nil, nil) }
            let id = String(decoding: UnsafeBufferPointer(rebasing: token[4..<16]), as: UTF8.self)
            return (true, id, Crypto.sha256(token))
        }
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
