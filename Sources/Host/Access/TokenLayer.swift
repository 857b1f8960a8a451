/// Layer 1 — token validity. Turns the `Authorization` header into a verified principal or a
/// 401 denial with the product's exact texts.
struct Principal {
    let token: TokenRecord
    var tenant: String { token.tenant }
}

enum TokenLayer {
    static func authenticate(authorization: String?, store: HostStore, now: Int64) throws -> Result<Principal, Denial> {
        guard let header = authorization, let presented = bearerValue(header) else { return .failure(.tokenRequired()) }
        guard let parsed = PersonalAccessToken.parse(presented),
              let record = try store.token(id: parsed.id),
              Crypto.constantTimeEquals(record.secretHash, parsed.hash)
        else { return .failure(.invalidToken()) }
        // Revocation is checked before expiry: "revoked" is the more useful thing to tell an operator.
        if record.revokedMs != nil { return .failure(.revoked()) }
        if let expires = record.expiresMs, now >= expires { return .failure(.expired()) }
        return .success(Principal(token: record))
    }

    /// `Bearer <token>`; the scheme is case-insensitive (RFC 6750 / RFC 9110).
    private static func bearerValue(_ header: String) -> Substring? {
        let trimmed = header.drop(while: { $0 == " " })
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let value = trimmed.dropFirst(7).drop(while: { $0 == " " })
        let end = value.lastIndex(where: { $0 != " " }).map { value.index(after: $0) } ?? value.startIndex
        let token = value[value.startIndex..<end]
        return token.isEmpty ? nil : token
    }
}
