/// Decides whether a request through a link may reach its handler (header section 11). Runs
/// before any plugin code, in this order: the key named in the URL, the signature over what the
/// URL claims (constant-time), the stored link agreeing with it, then revocation, expiry and use.
///
/// Everything that could tell a prober something (unknown key, bad signature, unknown link, a
/// valid link moved to another tenant's or plugin's path, an unknown tenant) is the same 404.
/// Only a holder of a genuine link learns more: 410 when it was revoked, has expired or was used.
struct LinkVerifier {
    let store: LinkStore
    /// Whether the tenant still exists (a deleted tenant's links serve nothing).
    let tenantExists: (String) throws -> Bool

    enum Verdict: Equatable {
        case allowed(LinkRecord)
        /// 404, with the reason for the log only.
        case unknown(String)
        /// 410: a genuine link that may no longer be used; the reason goes to the log and audit.
        case gone(LinkRecord, reason: String)
    }

    /// `consume`: a GET through a single-use link uses it up here, atomically, before the
    /// handler runs (HEAD looks without consuming).
    func verify(route: LinkRoute, parameters: LinkParameters, nowMs: Int64, consume: Bool) throws -> Verdict {
        guard let key = try store.verifyingKey(id: parameters.keyID) else { return .unknown("unknown or retired key") }
        let claimed = LinkSignature(tenant: route.tenant, plugin: route.plugin, path: route.path, linkID: parameters.linkID,
                                    expiresAt: parameters.expiresAt, singleUse: parameters.singleUse)
        guard claimed.verify(parameters.signature, with: key) else { return .unknown("bad signature") }
        guard let link = try store.find(id: parameters.linkID), LinkSignature(link) == claimed, link.keyID == key.id else {
            return .unknown("no such link")
        }
        guard try tenantExists(link.tenant) else { return .unknown("the tenant no longer exists") }
        if link.revokedMs != nil { return .gone(link, reason: "revoked") }
        if nowMs / 1000 >= link.expiresAt { return .gone(link, reason: "expired") }
        if link.singleUse {
            if link.usedMs != nil { return .gone(link, reason: "already used") }
            if consume, try !store.consume(id: link.id, atMs: nowMs) { return .gone(link, reason: "already used") }
        }
        return .allowed(link)
    }
}
