import Foundation
import Glibc
import Locking
import SQLite

/// One signed link as the host keeps it (header section 11).
struct LinkRecord: Sendable, Equatable {
    let id: String
    let tenant: String
    let plugin: String
    /// The full path under the plugin's space, e.g. "download/report-7".
    let path: String
    /// A JSON object, handed to the handler.
    let claims: String
    let keyID: String
    /// Unix seconds: the `e` of the URL.
    let expiresAt: Int64
    let singleUse: Bool
    var usedMs: Int64?
    var revokedMs: Int64?
    /// A token id, "cli:<operator>", "schedule:<name>", "job:<id>" or "link:<id>".
    let createdBy: String
    let createdMs: Int64
}

/// A link key: the HMAC secret links are signed with, named in each URL (`k`) so keys rotate.
struct LinkKey: Sendable {
    let id: String
    let secret: [UInt8]
    let createdMs: Int64
    let retiredMs: Int64?
}

/// Links and link keys: `<data>/links.db`, mode 0600 (it holds the signing secrets), apart from
/// host.db so signing, consuming and listing never contend with access checks. Shared by the
/// daemon (which verifies and consumes) and CLI processes (rotate-key, list, revoke, and plugins'
/// operator commands that sign). Every method is one short statement or transaction.
final class LinkStore: Sendable {
    static let migrations = [
        """
        CREATE TABLE link_keys (
            id TEXT PRIMARY KEY,
            secret BLOB NOT NULL,
            created_ms INTEGER NOT NULL,
            retired_ms INTEGER
        );
        CREATE TABLE links (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            plugin TEXT NOT NULL,
            path TEXT NOT NULL,
            claims TEXT NOT NULL,
            key_id TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            single_use INTEGER NOT NULL,
            used_ms INTEGER,
            revoked_ms INTEGER,
            created_by TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );
        CREATE INDEX links_by_tenant ON links(tenant, created_ms);
        """,
    ]

    private let pool: ConnectionPool<Database>

    init(dataDirectory: String) throws {
        let path = dataDirectory + "/links.db"
        try LinkStore.createPrivately(path)
        let first = try Database(path: path)
        try first.migrate(LinkStore.migrations)
        pool = ConnectionPool { try Database(path: path) }
    }

    /// Creates the file 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
    /// database file's mode), and tightens one an older umask left readable.
    private static func createPrivately(_ path: String) throws {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DatabaseError(code: 14, message: "cannot create \(path): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        close(fd)
    }

    private func with<T>(_ body: (Database) throws -> T) throws -> T { try pool.withResource(body) }

    // MARK: Keys

    /// The key new links are signed with: the newest one not retired, made on first use.
    func currentKey() throws -> LinkKey {
        try with { database in
            try database.transaction {
                if let key = try database.queryOne(
                    "SELECT id, secret, created_ms, retired_ms FROM link_keys WHERE retired_ms IS NULL ORDER BY created_ms DESC, rowid DESC LIMIT 1",
                    [], LinkStore.key) { return key }
                return try insertKey(database)
            }
        }
    }

    /// A key links may still be verified with (nil when unknown or retired).
    func verifyingKey(id: String) throws -> LinkKey? {
        try with { try $0.queryOne("SELECT id, secret, created_ms, retired_ms FROM link_keys WHERE id = ? AND retired_ms IS NULL",
                                   [.text(id)], LinkStore.key) }
    }

    /// Makes a new current key. With `retireOthers`, every older key stops verifying at once
    /// (their links answer 404); without, they keep verifying the links they signed.
    func rotateKey(retireOthers: Bool) throws -> (key: LinkKey, retired: Int) {
        try with { database in
            try database.transaction {
                let key = try insertKey(database)
                var retired = 0
                if retireOthers {
                    try database.run("UPDATE link_keys SET retired_ms = ? WHERE id != ? AND retired_ms IS NULL",
                                     [.int(Clock.nowMilliseconds()), .text(key.id)])
                    retired = database.changes
                }
                return (key, retired)
            }
        }
    }

    func keys() throws -> [LinkKey] {
        try with { try $0.query("SELECT id, secret, created_ms, retired_ms FROM link_keys ORDER BY created_ms, rowid", [], LinkStore.key) }
    }

    private func insertKey(_ database: Database) throws -> LinkKey {
        let key = LinkKey(id: "k" + Crypto.hex(Crypto.randomBytes(6)), secret: Crypto.randomBytes(32), createdMs: Clock.nowMilliseconds(), retiredMs: nil)
        try database.run("INSERT INTO link_keys (id, secret, created_ms) VALUES (?, ?, ?)",
                         [.text(key.id), .blob(key.secret), .int(key.createdMs)])
        return key
    }

    private static func key(_ row: Row) -> LinkKey {
        LinkKey(id: row.string(0), secret: row.blob(1), createdMs: row.int64(2), retiredMs: row.optionalInt64(3))
    }

    // MARK: Links

    private static let columns = "id, tenant, plugin, path, claims, key_id, expires_at, single_use, used_ms, revoked_ms, created_by, created_ms"

    private static func link(_ row: Row) -> LinkRecord {
        LinkRecord(id: row.string(0), tenant: row.string(1), plugin: row.string(2), path: row.string(3), claims: row.string(4),
                   keyID: row.string(5), expiresAt: row.int64(6), singleUse: row.int(7) != 0, usedMs: row.optionalInt64(8),
                   revokedMs: row.optionalInt64(9), createdBy: row.string(10), createdMs: row.int64(11))
    }

    func insert(_ link: LinkRecord) throws {
        try with { try $0.run(
            "INSERT INTO links (\(LinkStore.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [.text(link.id), .text(link.tenant), .text(link.plugin), .text(link.path), .text(link.claims), .text(link.keyID),
             .int(link.expiresAt), SQLValue(link.singleUse), SQLValue(link.usedMs), SQLValue(link.revokedMs), .text(link.createdBy),
             .int(link.createdMs)]) }
    }

    func find(id: String) throws -> LinkRecord? {
        try with { try $0.queryOne("SELECT \(LinkStore.columns) FROM links WHERE id = ?", [.text(id)], LinkStore.link) }
    }

    /// Marks a single-use link used, atomically: true for exactly one caller, ever.
    func consume(id: String, atMs now: Int64) throws -> Bool {
        try with { database in
            try database.run("UPDATE links SET used_ms = ? WHERE id = ? AND single_use = 1 AND used_ms IS NULL AND revoked_ms IS NULL",
                             [.int(now), .text(id)])
            return database.changes == 1
        }
    }

    /// Revokes a link of `tenant` (and of `plugin`, when given). False when there is no such link.
    func revoke(id: String, tenant: String, plugin: String? = nil) throws -> Bool {
        try with { database in
            try database.run("UPDATE links SET revoked_ms = coalesce(revoked_ms, ?) WHERE id = ? AND tenant = ? AND (? IS NULL OR plugin = ?)",
                             [.int(Clock.nowMilliseconds()), .text(id), .text(tenant), SQLValue(plugin), SQLValue(plugin)])
            return database.changes == 1
        }
    }

    func list(tenant: String, limit: Int) throws -> [LinkRecord] {
        try with { try $0.query("SELECT \(LinkStore.columns) FROM links WHERE tenant = ? ORDER BY created_ms DESC, rowid DESC LIMIT ?",
                                [.text(tenant), .int(Int64(limit))], LinkStore.link) }
    }
}

/// links.db opened at first use, so commands that never touch links never create it.
final class LazyLinkStore: Sendable {
    private let dataDirectory: String
    private let opened = Locked<LinkStore?>(nil)

    init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// nil (logged) if links.db cannot be opened.
    var store: LinkStore? {
        opened.withLock { opened in
            if let opened { return opened }
            do {
                opened = try LinkStore(dataDirectory: dataDirectory)
            } catch {
                Log.error("links", "cannot open \(dataDirectory)/links.db: \(error)")
            }
            return opened
        }
    }
}
