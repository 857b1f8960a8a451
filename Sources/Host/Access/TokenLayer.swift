/// Layer 1 — token validity. Turns the `Authorization` header into a verified principal or a
/// 401 denial with the product's exact texts.
struct Principal {
    let token: TokenRecord
    var tenant: String { token.tenant }
}

enum TokenLayer {
    static func authenticate(authorization: String?, store: HostStore, now: Int64) throws -> Result<Principal, Denial> {
        guard let header = authorization else { return .failure(.tokenRequired()) }
        let presented = PersonalAccessToken.fromAuthorizationHeader(header)
        guard presented.isBearer else { return .failure(.tokenRequired()) }
        guard let id = presented.id, let hash = presented.hash,
              let record = try store.token(id: id),
              Crypto.constantTimeEquals(record.secretHash, hash)
        else { return .failure(.invalidToken()) }
        // Revocation is checked before expiry: "revoked" is the more useful thing to tell an operator.
        if record.revokedMs != nil { return .failure(identified(.revoked(), record)) }
        if let expires = record.expiresMs, now >= expires { return .failure(identified(.expired(), record)) }
        return .success(Principal(token: record))
    }

    private static func identified(_ denial: Denial, _ record: TokenRecord) -> Denial {
        var denial = denial
        denial.tokenID = record.publicID
        return denial
    }
}
