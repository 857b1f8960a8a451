import Foundation
import SQLite
import JSON

/// The host's own database (`host.db`): tenants, their toolset switches, and tokens.
/// One `HostStore` wraps one connection; the daemon leases them from a pool so that each thread
/// uses its own connection (SQLite's recommended model) and keeps its own read cache.
final class HostStore {
    let database: Database
    /// Per-connection read cache for the per-request access check. Dropped whenever host.db
    /// changed since this connection last looked (HostDatabaseWatcher's inotify generation, or
    /// `PRAGMA data_version` without inotify): that is how `token revoke` from another process
    /// takes effect on the very next request.
    private var tokenCache: [String: TokenRecord] = [:]
    private var tenantCache: [String: TenantRecord] = [:]
    /// OAuth access tokens (`tha_…`), cached like PATs and dropped on the same signal.
    var accessTokenCache: [String: (grantID: String, hash: [UInt8], expiresMs: Int64)] = [:]
    private var seenDataVersion: Int64 = -1

    static let migrations: [String] = [
        """
        CREATE TABLE tenants (
            name TEXT PRIMARY KEY,
            plan TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );
        CREATE TABLE tenant_disabled_toolsets (
            tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
            toolset TEXT NOT NULL,
            PRIMARY KEY (tenant, toolset)
        );
        CREATE TABLE tokens (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL REFERENCES tenants(name),
            name TEXT NOT NULL,
            secret_hash BLOB NOT NULL,
            toolsets TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            expires_ms INTEGER,
            revoked_ms INTEGER,
            last_used_ms INTEGER
        );
        CREATE INDEX tokens_by_tenant ON tokens(tenant);
        """,
        // 2: plan trials; read-only, per-tool and resource-restricted tokens.
        """
        ALTER TABLE tenants ADD COLUMN trial_plan TEXT;
        ALTER TABLE tenants ADD COLUMN trial_until_ms INTEGER;
        ALTER TABLE tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tokens ADD COLUMN tools TEXT;
        ALTER TABLE tokens ADD COLUMN restrictions TEXT NOT NULL DEFAULT '{}';
        """,
        // 3: OAuth: operator accounts, registered clients, grants (token rows of kind "oauth"),
        //    pending authorizations, codes, access and refresh tokens, sign-in sessions.
        """
        CREATE TABLE users (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL REFERENCES tenants(name),
            email TEXT NOT NULL,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            UNIQUE (tenant, email)
        );
        ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'pat';
        ALTER TABLE tokens ADD COLUMN client_id TEXT;
        ALTER TABLE tokens ADD COLUMN resource TEXT;
        CREATE TABLE oauth_clients (
            client_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            redirect_uris TEXT NOT NULL,
            metadata TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );
        CREATE TABLE oauth_requests (
            id TEXT PRIMARY KEY,
            browser_hash BLOB NOT NULL,
            csrf TEXT NOT NULL,
            client_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            redirect_uri TEXT NOT NULL,
            state TEXT,
            code_challenge TEXT NOT NULL,
            scopes TEXT NOT NULL,
            resource TEXT NOT NULL,
            user_id TEXT,
            expires_ms INTEGER NOT NULL
        );
        CREATE TABLE oauth_codes (
            code_hash BLOB PRIMARY KEY,
            client_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            user_id TEXT NOT NULL,
            redirect_uri TEXT NOT NULL,
            code_challenge TEXT NOT NULL,
            scopes TEXT NOT NULL,
            resource TEXT NOT NULL,
            expires_ms INTEGER NOT NULL,
            used_ms INTEGER,
            grant_id TEXT
        );
        CREATE TABLE oauth_access_tokens (
            id TEXT PRIMARY KEY,
            grant_id TEXT NOT NULL,
            secret_hash BLOB NOT NULL,
            expires_ms INTEGER NOT NULL
        );
        CREATE INDEX oauth_access_by_grant ON oauth_access_tokens(grant_id);
        CREATE TABLE oauth_refresh_tokens (
            id TEXT PRIMARY KEY,
            grant_id TEXT NOT NULL,
            secret_hash BLOB NOT NULL,
            expires_ms INTEGER NOT NULL,
            used_ms INTEGER
        );
        CREATE INDEX oauth_refresh_by_grant ON oauth_refresh_tokens(grant_id);
        CREATE TABLE oauth_sessions (
            id_hash BLOB PRIMARY KEY,
            user_id TEXT NOT NULL,
            tenant TEXT NOT NULL,
            expires_ms INTEGER NOT NULL
        );
        """,
        // 4: who holds each plugin name, toolset name and operator command group (NameAssignments).
        """
        CREATE TABLE plugin_assignments (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            holder TEXT NOT NULL,
            assigned_ms INTEGER NOT NULL,
            by_operator INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kind, name)
        );
        """,
        // 5: address lockouts of the abuse guard, so a restart does not lift them (HostStore+Lockouts).
        """
        CREATE TABLE address_lockouts (
            address TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            window_start_ms INTEGER NOT NULL,
            locked_until_ms INTEGER NOT NULL
        );
        """,
    ]

    init(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        database = try Database(path: dataDirectory + "/host.db")
        try database.migrate(HostStore.migrations)
    }

    // MARK: Cache coherence

    /// Drops the read cache if anyone committed since we last looked. With a watcher this is a
    /// non-blocking read() per request; without one, `PRAGMA data_version` (a read transaction).
    func refreshCacheIfChanged(watcher: HostDatabaseWatcher?) {
        let version: Int64
        if let watcher {
            version = Int64(truncatingIfNeeded: watcher.currentGeneration())
        } else {
            version = (try? database.queryOne("PRAGMA data_version") { $0.int64(0) }) ?? -2
        }
        if version != seenDataVersion {
            tokenCache.removeAll(keepingCapacity: true)
            tenantCache.removeAll(keepingCapacity: true)
            accessTokenCache.removeAll(keepingCapacity: true)
            seenDataVersion = version
        }
    }

    // MARK: Tenants

    /// A new tenant on `plan`, with a trial of another plan until a time if given (written with
    /// the row, so the tenant never exists without it).
    func createTenant(name: String, plan: String, trial: (plan: String, untilMs: Int64)? = nil) throws {
        try database.run("INSERT INTO tenants (name, plan, created_ms, trial_plan, trial_until_ms) VALUES (?, ?, ?, ?, ?)",
                         [.text(name), .text(plan), .int(Clock.nowMilliseconds()),
                          trial.map { .text($0.plan) } ?? .null, trial.map { .int($0.untilMs) } ?? .null])
    }

    func tenant(named name: String) throws -> TenantRecord? {
        if let cached = tenantCache[name] { return cached }
        guard var record = try database.queryOne(
            "SELECT name, plan, created_ms, trial_plan, trial_until_ms FROM tenants WHERE name = ?", [.text(name)], {
            TenantRecord(name: $0.string(0), plan: $0.string(1), createdMs: $0.int64(2), disabledToolsets: [],
                         trialPlan: $0.optionalString(3), trialUntilMs: $0.optionalInt64(4))
        }) else { return nil }
        record.disabledToolsets = Set(try database.query(
            "SELECT toolset FROM tenant_disabled_toolsets WHERE tenant = ?", [.text(name)]) { $0.string(0) })
        tenantCache[name] = record
        return record
    }

    func tenants() throws -> [TenantRecord] {
        let names = try database.query("SELECT name FROM tenants ORDER BY name") { $0.string(0) }
        return try names.compactMap { try tenant(named: $0) }
    }

    /// Sets the base plan, and optionally a trial plan until a time; without a trial, clears any.
    func setPlan(tenant: String, plan: String, trialUntilMs: Int64?) throws {
        if let trialUntilMs {
            try database.run("UPDATE tenants SET trial_plan = ?, trial_until_ms = ? WHERE name = ?", [.text(plan), .int(trialUntilMs), .text(tenant)])
        } else {
            try database.run("UPDATE tenants SET plan = ?, trial_plan = NULL, trial_until_ms = NULL WHERE name = ?", [.text(plan), .text(tenant)])
        }
    }

    func setToolset(_ toolset: String, enabled: Bool, forTenant tenant: String) throws {
        if enabled {
            try database.run("DELETE FROM tenant_disabled_toolsets WHERE tenant = ? AND toolset = ?", [.text(tenant), .text(toolset)])
        } else {
            try database.run("INSERT OR IGNORE INTO tenant_disabled_toolsets (tenant, toolset) VALUES (?, ?)", [.text(tenant), .text(toolset)])
        }
    }

    // MARK: Tokens

    func insertToken(_ token: TokenRecord) throws {
        try database.run(
            """
            INSERT INTO tokens (id, tenant, name, secret_hash, toolsets, created_ms, expires_ms, read_only, tools, restrictions)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(token.id), .text(token.tenant), .text(token.name), .blob(token.secretHash),
             .text(JSONValue.array(token.toolsets.map { .string($0) }).jsonString), .int(token.createdMs), SQLValue(token.expiresMs),
             SQLValue(token.readOnly), token.tools.map { .text(JSONValue.array($0.map { .string($0) }).jsonString) } ?? .null,
             .text(token.restrictions.jsonString)])
    }

    private static let tokenColumns = "id, tenant, name, secret_hash, toolsets, created_ms, expires_ms, revoked_ms, last_used_ms, read_only, tools, restrictions, kind, client_id, resource"

    private static func tokenRecord(_ row: Row) -> TokenRecord {
        func strings(_ text: String?) -> [String]? {
            text.flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue)
        }
        let restrictions = (try? JSONParser.parse(row.string(11))) ?? .object(JSONObject())
        return TokenRecord(id: row.string(0), tenant: row.string(1), name: row.string(2), secretHash: row.blob(3),
                           toolsets: strings(row.string(4)) ?? [], createdMs: row.int64(5), expiresMs: row.optionalInt64(6),
                           revokedMs: row.optionalInt64(7), lastUsedMs: row.optionalInt64(8), readOnly: row.int(9) != 0,
                           tools: strings(row.optionalString(10)), restrictions: restrictions,
                           kind: TokenKind(rawValue: row.string(12)) ?? .oauth,  // an unknown kind is never accepted as a PAT
                           clientID: row.optionalString(13), resource: row.optionalString(14))
    }

    /// Replaces a token by a new secret with the same grants, revoking the old one, atomically.
    func rotateToken(id: String, replacement: TokenRecord) throws {
        try database.transaction {
            try database.run("UPDATE tokens SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?", [.int(replacement.createdMs), .text(id)])
            try insertToken(replacement)
        }
    }

    /// The hot-path lookup: cached until the database changes.
    func token(id: String) throws -> TokenRecord? {
        if let cached = tokenCache[id] { return cached }
        let record = try database.queryOne("SELECT \(HostStore.tokenColumns) FROM tokens WHERE id = ?", [.text(id)], HostStore.tokenRecord)
        if let record { tokenCache[id] = record }
        return record
    }

    /// The tenant's tokens: personal access tokens only, or (`includingGrants`) OAuth grants too.
    func tokens(tenant: String, includingGrants: Bool = false) throws -> [TokenRecord] {
        try database.query("SELECT \(HostStore.tokenColumns) FROM tokens WHERE tenant = ?\(includingGrants ? "" : " AND kind = '\(TokenKind.personal.rawValue)'") ORDER BY created_ms, id",
                           [.text(tenant)], HostStore.tokenRecord)
    }

    /// Returns false if no such token exists; revoking twice keeps the first revocation time.
    func revokeToken(id: String) throws -> Bool {
        guard try database.queryOne("SELECT 1 FROM tokens WHERE id = ?", [.text(id)], { _ in true }) != nil else { return false }
        try database.run("UPDATE tokens SET revoked_ms = COALESCE(revoked_ms, ?) WHERE id = ?", [.int(Clock.nowMilliseconds()), .text(id)])
        return true
    }

    /// Writes coalesced last-used times in one transaction (called periodically, never per request).
    func recordLastUsed(_ times: [String: Int64]) throws {
        guard !times.isEmpty else { return }
        try database.transaction {
            for (id, time) in times {
                try database.run("UPDATE tokens SET last_used_ms = MAX(COALESCE(last_used_ms, 0), ?) WHERE id = ?", [.int(time), .text(id)])
            }
        }
    }

    func isEmpty() throws -> Bool {
        try database.queryOne("SELECT COUNT(*) FROM tenants") { $0.int(0) } == 0
    }
}

struct TenantRecord {
    var name: String
    /// The base plan; a running trial may grant another until `trialUntilMs`.
    var plan: String
    var createdMs: Int64
    var disabledToolsets: Set<String>
    var trialPlan: String? = nil
    var trialUntilMs: Int64? = nil

    func isEnabled(_ toolset: String) -> Bool { !disabledToolsets.contains(toolset) }

    func effectivePlan(now: Int64) -> String {
        if let trialPlan, let until = trialUntilMs, now < until { return trialPlan }
        return plan
    }
}

/// What a token row stands for.
enum TokenKind: String, Sendable {
    /// A personal access token an operator cut (`toolhost token create`).
    case personal = "pat"
    /// An OAuth grant; the row's `name` is the client's name. Never usable as a bearer PAT.
    case oauth
}

/// A token's row: a personal access token or an OAuth grant. What its scopes allow is layer 2's
/// business (`grants`, see Access/ScopeLayer.swift); this type only holds what is stored.
///
/// Scopes are `scheduling` (every tool) or `kanban:read`, or a toolset's declared scope
/// `helpdesk.drafts` (stored in the same list: the dot tells them apart); `readOnly` makes every scope read-only;
/// `tools` (if set) limits the token to named tools; `restrictions` are resource limits a toolset
/// interprets.
struct TokenRecord {
    var id: String
    var tenant: String
    var name: String
    var secretHash: [UInt8]
    /// The scopes as granted, e.g. ["scheduling", "kanban:read"].
    let toolsets: [String]
    var createdMs: Int64
    var expiresMs: Int64?
    var revokedMs: Int64?
    var lastUsedMs: Int64?
    let readOnly: Bool
    let tools: [String]?
    let restrictions: JSONValue
    var kind = TokenKind.personal
    /// For OAuth grants: the registered client and the MCP endpoint URL the grant is bound to (RFC 8707).
    var clientID: String? = nil
    var resource: String? = nil

    /// The scopes in the shape the scope layer asks about, computed once per row.
    let grants: TokenGrants
    /// Serialized once: handed to plugins on every call.
    let restrictionsJSON: String

    var publicID: String { "tok_" + id }

    init(id: String, tenant: String, name: String, secretHash: [UInt8], toolsets: [String], createdMs: Int64,
         expiresMs: Int64?, revokedMs: Int64?, lastUsedMs: Int64?, readOnly: Bool = false, tools: [String]? = nil,
         restrictions: JSONValue = .object(JSONObject()), kind: TokenKind = .personal, clientID: String? = nil, resource: String? = nil) {
        self.kind = kind
        self.clientID = clientID
        self.resource = resource
        self.id = id
        self.tenant = tenant
        self.name = name
        self.secretHash = secretHash
        self.toolsets = toolsets
        self.createdMs = createdMs
        self.expiresMs = expiresMs
        self.revokedMs = revokedMs
        self.lastUsedMs = lastUsedMs
        self.readOnly = readOnly
        self.tools = tools
        self.restrictions = restrictions
        grants = TokenGrants(scopes: toolsets, readOnly: readOnly, tools: tools)
        restrictionsJSON = restrictions.jsonString
    }

    /// The toolset names the scopes mention (without `:read` or a declared scope's name).
    var toolsetNames: [String] {
        var seen = Set<String>()
        return toolsets.map(TokenGrants.toolset(of:)).filter { seen.insert($0).inserted }
    }

    /// The grants of whole toolsets (`scheduling`, `kanban:read`), and of declared scopes
    /// (`helpdesk.drafts`), for listings that show them apart.
    var wholeToolsetGrants: [String] { toolsets.filter { ScopeGrant($0).scope == nil } }
    var declaredScopeGrants: [String] { toolsets.filter { ScopeGrant($0).scope != nil } }
}
