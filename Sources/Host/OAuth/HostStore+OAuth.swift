// The OAuth tables of host.db: users, clients, pending authorizations, codes, grants, access and
// refresh tokens, sign-in sessions.
import Foundation
import JSON
import SQLite

/// Operator accounts and the OAuth tables of host.db (migration 3).
/// An OAuth grant is a `tokens` row of kind "oauth": it carries the tenant, the granted toolset
/// scopes and the resource, so the access layers treat it like a personal access token; its
/// access and refresh tokens live in their own tables and point at it.
extension HostStore {
    // MARK: Users

    func createUser(tenant: String, email: String, role: String, passwordHash: String) throws -> String {
        let id = "usr_" + Crypto.hex(Crypto.randomBytes(6))
        try database.run("INSERT INTO users (id, tenant, email, role, password_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(id), .text(tenant), .text(email.lowercased()), .text(role), .text(passwordHash), .int(Clock.nowMilliseconds())])
        return id
    }

    func user(tenant: String, email: String) throws -> UserRecord? {
        try database.queryOne("SELECT id, tenant, email, role, password_hash FROM users WHERE tenant = ? AND email = ?",
                              [.text(tenant), .text(email.lowercased())], HostStore.userRecord)
    }

    func user(id: String) throws -> UserRecord? {
        try database.queryOne("SELECT id, tenant, email, role, password_hash FROM users WHERE id = ?", [.text(id)], HostStore.userRecord)
    }

    private static func userRecord(_ row: Row) -> UserRecord {
        UserRecord(id: row.string(0), tenant: row.string(1), email: row.string(2), role: row.string(3), passwordHash: row.string(4))
    }

    // MARK: Clients (RFC 7591)

    func insertClient(_ client: OAuthClient) throws {
        try database.run("INSERT INTO oauth_clients (client_id, name, redirect_uris, metadata, created_ms) VALUES (?, ?, ?, ?, ?)",
                         [.text(client.clientID), .text(client.name), .text(JSONValue.array(client.redirectURIs.map { .string($0) }).jsonString),
                          .text(client.metadata.jsonString), .int(client.createdMs)])
    }

    func client(id: String) throws -> OAuthClient? {
        try database.queryOne("SELECT client_id, name, redirect_uris, metadata, created_ms FROM oauth_clients WHERE client_id = ?", [.text(id)]) { row in
            OAuthClient(clientID: row.string(0), name: row.string(1),
                        redirectURIs: ((try? JSONParser.parse(row.string(2)))?.arrayValue ?? []).compactMap(\.stringValue),
                        metadata: (try? JSONParser.parse(row.string(3))) ?? .object(JSONObject()), createdMs: row.int64(4))
        }
    }

    // MARK: Pending authorizations

    func insertPending(_ p: PendingAuthorization) throws {
        try database.run("DELETE FROM oauth_requests WHERE expires_ms < ?", [.int(Clock.nowMilliseconds())])
        try database.run(
            """
            INSERT INTO oauth_requests (id, browser_hash, csrf, client_id, tenant, redirect_uri, state, code_challenge, scopes, resource, user_id, expires_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(p.id), .blob(p.browserHash), .text(p.csrf), .text(p.clientID), .text(p.tenant), .text(p.redirectURI), SQLValue(p.state),
             .text(p.codeChallenge), .text(p.scopes.joined(separator: " ")), .text(p.resource), SQLValue(p.userID), .int(p.expiresMs)])
    }

    func pending(id: String) throws -> PendingAuthorization? {
        try database.queryOne(
            "SELECT id, browser_hash, csrf, client_id, tenant, redirect_uri, state, code_challenge, scopes, resource, user_id, expires_ms FROM oauth_requests WHERE id = ?",
            [.text(id)]) { row in
            PendingAuthorization(id: row.string(0), browserHash: row.blob(1), csrf: row.string(2), clientID: row.string(3), tenant: row.string(4),
                                 redirectURI: row.string(5), state: row.optionalString(6), codeChallenge: row.string(7),
                                 scopes: row.string(8).split(separator: " ").map(String.init), resource: row.string(9),
                                 userID: row.optionalString(10), expiresMs: row.int64(11))
        }
    }

    func setPendingUser(id: String, userID: String) throws {
        try database.run("UPDATE oauth_requests SET user_id = ? WHERE id = ?", [.text(userID), .text(id)])
    }

    /// Single use: returns false if it was already consumed.
    func consumePending(id: String) throws -> Bool {
        try database.run("DELETE FROM oauth_requests WHERE id = ?", [.text(id)])
        return database.changes == 1
    }

    // MARK: Codes

    func insertCode(hash: [UInt8], _ c: AuthorizationCode) throws {
        // Used codes are kept a while after they expire, to recognise a replay; then they go.
        try database.run("DELETE FROM oauth_codes WHERE expires_ms < ?", [.int(Clock.nowMilliseconds() - 3_600_000)])
        try database.run(
            "INSERT INTO oauth_codes (code_hash, client_id, tenant, user_id, redirect_uri, code_challenge, scopes, resource, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.blob(hash), .text(c.clientID), .text(c.tenant), .text(c.userID), .text(c.redirectURI), .text(c.codeChallenge),
             .text(c.scopes.joined(separator: " ")), .text(c.resource), .int(c.expiresMs)])
    }

    func code(hash: [UInt8]) throws -> AuthorizationCode? {
        try database.queryOne(
            "SELECT client_id, tenant, user_id, redirect_uri, code_challenge, scopes, resource, expires_ms, used_ms, grant_id FROM oauth_codes WHERE code_hash = ?",
            [.blob(hash)]) { row in
            AuthorizationCode(clientID: row.string(0), tenant: row.string(1), userID: row.string(2), redirectURI: row.string(3),
                              codeChallenge: row.string(4), scopes: row.string(5).split(separator: " ").map(String.init),
                              resource: row.string(6), expiresMs: row.int64(7), usedMs: row.optionalInt64(8), grantID: row.optionalString(9))
        }
    }

    /// Marks a code used; false if another request used it first.
    func useCode(hash: [UInt8], now: Int64) throws -> Bool {
        try database.run("UPDATE oauth_codes SET used_ms = ? WHERE code_hash = ? AND used_ms IS NULL", [.int(now), .blob(hash)])
        return database.changes == 1
    }

    func setCodeGrant(hash: [UInt8], grantID: String) throws {
        try database.run("UPDATE oauth_codes SET grant_id = ? WHERE code_hash = ?", [.text(grantID), .blob(hash)])
    }

    // MARK: Grants, access and refresh tokens

    /// Active grants of a tenant for one client name (re-authorizing replaces them).
    func revokeGrants(tenant: String, clientName: String, now: Int64) throws {
        try database.run("UPDATE tokens SET revoked_ms = ? WHERE tenant = ? AND kind = 'oauth' AND name = ? AND revoked_ms IS NULL",
                         [.int(now), .text(tenant), .text(clientName)])
    }

    func insertGrant(_ record: TokenRecord) throws {
        try insertToken(record)
        try database.run("UPDATE tokens SET kind = 'oauth', client_id = ?, resource = ? WHERE id = ?",
                         [SQLValue(record.clientID), SQLValue(record.resource), .text(record.id)])
    }

    func insertAccessToken(id: String, grantID: String, hash: [UInt8], expiresMs: Int64) throws {
        try database.run("DELETE FROM oauth_access_tokens WHERE expires_ms < ?", [.int(Clock.nowMilliseconds())])
        try database.run("INSERT INTO oauth_access_tokens (id, grant_id, secret_hash, expires_ms) VALUES (?, ?, ?, ?)",
                         [.text(id), .text(grantID), .blob(hash), .int(expiresMs)])
    }

    /// The hot-path lookup for OAuth requests: cached until host.db changes (revocations, refreshes
    /// and deletions all write host.db, so none is missed).
    func accessToken(id: String) throws -> (grantID: String, hash: [UInt8], expiresMs: Int64)? {
        if let cached = accessTokenCache[id] { return cached }
        let found = try database.queryOne("SELECT grant_id, secret_hash, expires_ms FROM oauth_access_tokens WHERE id = ?", [.text(id)]) {
            ($0.string(0), $0.blob(1), $0.int64(2))
        }
        if let found { accessTokenCache[id] = found }
        return found
    }

    func deleteAccessToken(id: String) throws {
        try database.run("DELETE FROM oauth_access_tokens WHERE id = ?", [.text(id)])
    }

    func insertRefreshToken(id: String, grantID: String, hash: [UInt8], expiresMs: Int64) throws {
        try database.run("DELETE FROM oauth_refresh_tokens WHERE expires_ms < ?", [.int(Clock.nowMilliseconds())])
        try database.run("INSERT INTO oauth_refresh_tokens (id, grant_id, secret_hash, expires_ms) VALUES (?, ?, ?, ?)",
                         [.text(id), .text(grantID), .blob(hash), .int(expiresMs)])
        try database.run("UPDATE tokens SET expires_ms = ? WHERE id = ?", [.int(expiresMs), .text(grantID)])
    }

    func refreshToken(id: String) throws -> (grantID: String, hash: [UInt8], expiresMs: Int64, usedMs: Int64?)? {
        try database.queryOne("SELECT grant_id, secret_hash, expires_ms, used_ms FROM oauth_refresh_tokens WHERE id = ?", [.text(id)]) {
            ($0.string(0), $0.blob(1), $0.int64(2), $0.optionalInt64(3))
        }
    }

    /// Marks a refresh token used (rotation); false if it already was.
    func useRefreshToken(id: String, now: Int64) throws -> Bool {
        try database.run("UPDATE oauth_refresh_tokens SET used_ms = ? WHERE id = ? AND used_ms IS NULL", [.int(now), .text(id)])
        return database.changes == 1
    }

    /// Revokes a grant: its access tokens are then refused as "Token has been revoked", its refresh tokens as invalid_grant.
    func revokeGrant(id: String, now: Int64) throws {
        try database.run("UPDATE tokens SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?", [.int(now), .text(id)])
    }

    // MARK: Sign-in sessions

    func insertSession(hash: [UInt8], userID: String, tenant: String, expiresMs: Int64) throws {
        try database.run("DELETE FROM oauth_sessions WHERE expires_ms < ?", [.int(Clock.nowMilliseconds())])
        try database.run("INSERT INTO oauth_sessions (id_hash, user_id, tenant, expires_ms) VALUES (?, ?, ?, ?)",
                         [.blob(hash), .text(userID), .text(tenant), .int(expiresMs)])
    }

    func session(hash: [UInt8], now: Int64) throws -> (userID: String, tenant: String)? {
        try database.queryOne("SELECT user_id, tenant FROM oauth_sessions WHERE id_hash = ? AND expires_ms > ?", [.blob(hash), .int(now)]) {
            ($0.string(0), $0.string(1))
        }
    }
}
