import Synchronization

/// Handshake-era sessions (`Mcp-Session-Id`). A session only remembers the negotiated protocol
/// version; it never authenticates: every request is still checked against its token, and a
/// session is only honoured for the token and endpoint that created it.
struct LegacySession {
    let id: String
    let tokenID: String
    let tenant: String
    let endpoint: String
    let protocolVersion: String
    var lastSeenMs: Int64
    /// When it was last used, as a count of creations and uses: exact where milliseconds tie.
    var useOrder: UInt64 = 0
}

/// How many sessions the store keeps: in all, per tenant, per token (Configuration+MCP.swift).
struct SessionQuotas: Sendable, Equatable {
    var total = 10_000
    var perTenant = 1_000
    var perToken = 100
}

/// The sessions, with quotas so that nobody can push out someone else's: a token over its quota
/// loses its own least recently used session, a tenant over its quota its own least recently used
/// one, and when the whole store is full a new session replaces one of its tenant's own (idle
/// sessions of anyone go first) — or, if its tenant has none to give, is not kept at all (the
/// client is then served without a session, which the handshake era allows). A tenant never
/// evicts another tenant's live sessions.
final class SessionStore: Sendable {
    private let state = Mutex(State())
    private let idleLimitMs: Int64 = 3_600_000
    let quotas: SessionQuotas

    init(quotas: SessionQuotas = SessionQuotas()) {
        self.quotas = quotas
    }

    /// A new session's id, or nil when the store is full of other tenants' live sessions.
    func create(tokenID: String, tenant: String, endpoint: String, protocolVersion: String) -> String? {
        // 128 bits from the CSPRNG, hex: globally unique, unguessable, visible ASCII only.
        let id = Crypto.hex(Crypto.randomBytes(16))
        let now = Clock.nowMilliseconds()
        let session = LegacySession(id: id, tokenID: tokenID, tenant: tenant, endpoint: endpoint, protocolVersion: protocolVersion, lastSeenMs: now)
        let kept = state.withLock { state in
            if state.count(token: tokenID) >= quotas.perToken { state.removeLeastRecent(of: state.byToken[tokenID]) }
            if state.count(tenant: tenant) >= quotas.perTenant { state.removeLeastRecent(of: state.byTenant[tenant]) }
            if state.sessions.count >= quotas.total {
                state.removeIdle(now: now, idleLimitMs: idleLimitMs)
                if state.sessions.count >= quotas.total { state.removeLeastRecent(of: state.byTenant[tenant]) }
                if state.sessions.count >= quotas.total { return false }
            }
            state.insert(session)
            return true
        }
        if !kept {
            Log.warning("sessions", "session store full (\(quotas.total) live sessions of other tenants): tenant \(tenant) is served without a session")
        }
        return kept ? id : nil
    }

    /// The live session for this token and endpoint, or nil (unknown, expired, or someone else's).
    func find(_ id: String, tokenID: String, endpoint: String) -> LegacySession? {
        let now = Clock.nowMilliseconds()
        return state.withLock { state in
            guard var session = state.sessions[id], session.tokenID == tokenID, session.endpoint == endpoint else { return nil }
            guard now - session.lastSeenMs < idleLimitMs else {
                state.remove(id)
                return nil
            }
            session.lastSeenMs = now
            session.useOrder = state.nextUse()
            state.sessions[id] = session
            return session
        }
    }

    func remove(_ id: String) {
        state.withLock { $0.remove(id) }
    }

    /// The sessions by id, and the ids each token and tenant holds (for the quotas).
    private struct State {
        var sessions: [String: LegacySession] = [:]
        var byToken: [String: Set<String>] = [:]
        var byTenant: [String: Set<String>] = [:]
        private var uses: UInt64 = 0

        mutating func nextUse() -> UInt64 {
            uses += 1
            return uses
        }

        func count(token: String) -> Int { byToken[token]?.count ?? 0 }
        func count(tenant: String) -> Int { byTenant[tenant]?.count ?? 0 }

        mutating func insert(_ session: LegacySession) {
            var session = session
            session.useOrder = nextUse()
            sessions[session.id] = session
            byToken[session.tokenID, default: []].insert(session.id)
            byTenant[session.tenant, default: []].insert(session.id)
        }

        mutating func remove(_ id: String) {
            guard let session = sessions.removeValue(forKey: id) else { return }
            byToken[session.tokenID]?.remove(id)
            if byToken[session.tokenID]?.isEmpty == true { byToken[session.tokenID] = nil }
            byTenant[session.tenant]?.remove(id)
            if byTenant[session.tenant]?.isEmpty == true { byTenant[session.tenant] = nil }
        }

        /// Removes the least recently seen of `ids` (a token's or a tenant's: at most its quota).
        mutating func removeLeastRecent(of ids: Set<String>?) {
            guard let ids else { return }
            let oldest = ids.min { (sessions[$0]?.useOrder ?? 0) < (sessions[$1]?.useOrder ?? 0) }
            if let oldest { remove(oldest) }
        }

        /// Only when the whole store is full: sessions nobody used for the idle limit.
        mutating func removeIdle(now: Int64, idleLimitMs: Int64) {
            for (id, session) in sessions where now - session.lastSeenMs >= idleLimitMs { remove(id) }
        }
    }
}
