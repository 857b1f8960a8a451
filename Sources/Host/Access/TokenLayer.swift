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
        if presented.id == nil {
            let access = PersonalAccessToken.fromAuthorizationHeader(header, prefix: OAuthTokens.accessPrefix)
            if let id = access.id, let hash = access.hash { return try authenticateOAuth(id: id, hash: hash, store: store, now: now) }
        }
        // An OAuth grant's row is never usable as a PAT (its secret hash is random anyway).
        guard let id = presented.id, let hash = presented.hash,
              let record = try store.token(id: id), record.kind != .oauth,
              Crypto.constantTimeEquals(record.secretHash, hash)
        else { return .failure(.invalidToken()) }
        if let denial = refusal(of: record, now: now) { return .failure(denial) }
        return .success(Principal(token: record))
    }

    /// Why a token known by its row may not act now (revoked, expired), or nil: for presented tokens and
    /// for the token a job acts for (header section 12) alike. Revocation is checked before expiry:
    /// "revoked" is the more useful thing to tell an operator.
    static func refusal(of record: TokenRecord, now: Int64) -> Denial? {
        if record.revokedMs != nil { return identified(.revoked(), record) }
        if let expires = record.expiresMs, now >= expires { return identified(.expired(), record) }
        return nil
    }

    /// An OAuth access token (`tha_…`): valid while unexpired and while its grant is not revoked;
    /// the principal is the grant, so scopes, plans and the abuse guard apply as for a PAT.
    private static func authenticateOAuth(id: String, hash: [UInt8], store: HostStore, now: Int64) throws -> Result<Principal, Denial> {
        guard let access = try store.accessToken(id: id), Crypto.constantTimeEquals(access.hash, hash),
              let grant = try store.token(id: access.grantID), grant.kind == .oauth
        else { return .failure(.invalidToken()) }
        if grant.revokedMs != nil { return .failure(identified(.revoked(), grant)) }
        if now >= access.expiresMs { return .failure(identified(.expired(), grant)) }
        return .success(Principal(token: grant))
    }

    private static func identified(_ denial: Denial, _ record: TokenRecord) -> Denial {
        var denial = denial
        denial.tokenID = record.publicID
        return denial
    }
}
