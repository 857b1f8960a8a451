import Synchronization

/// Handshake-era sessions (`Mcp-Session-Id`). A session only remembers the negotiated protocol
/// version; it never authenticates: every request is still checked against its token, and a
/// session is only honoured for the token and endpoint that created it.
struct LegacySession {
    let id: String
    let tokenID: String
    let endpoint: String
    let protocolVersion: String
    var lastSeenMs: Int64
}

final class SessionStore: Sendable {
    private let sessions = Mutex<[String: LegacySession]>([:])
    private let idleLimitMs: Int64 = 3_600_000
    private let capacity = 10_000

    func create(tokenID: String, endpoint: String, protocolVersion: String) -> String {
        // 128 bits from the CSPRNG, hex: globally unique, unguessable, visible ASCII only.
        let id = Crypto.hex(Crypto.randomBytes(16))
        let now = Clock.nowMilliseconds()
        sessions.withLock { sessions in
            if sessions.count >= capacity { evictIdle(&sessions, now: now) }
            sessions[id] = LegacySession(id: id, tokenID: tokenID, endpoint: endpoint, protocolVersion: protocolVersion, lastSeenMs: now)
        }
        return id
    }

    /// The live session for this token and endpoint, or nil (unknown, expired, or someone else's).
    func find(_ id: String, tokenID: String, endpoint: String) -> LegacySession? {
        let now = Clock.nowMilliseconds()
        return sessions.withLock { sessions in
            guard var session = sessions[id], session.tokenID == tokenID, session.endpoint == endpoint else { return nil }
            guard now - session.lastSeenMs < idleLimitMs else {
                sessions[id] = nil
                return nil
            }
            session.lastSeenMs = now
            sessions[id] = session
            return session
        }
    }

    func remove(_ id: String) {
        sessions.withLock { $0[id] = nil }
    }

    /// At capacity: drop idle sessions, and if none is idle, the least recently seen one.
    private func evictIdle(_ sessions: inout [String: LegacySession], now: Int64) {
        sessions = sessions.filter { now - $0.value.lastSeenMs < idleLimitMs }
        if sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeenMs < $1.value.lastSeenMs }) {
            sessions[oldest.key] = nil
        }
    }
}
