import SQLite
import ToolsetKit

/// The links minted for files. The host is the authority on a link (signature, expiry, single use,
/// revocation); this table exists so a file's outstanding links can be listed and revoked with it.
extension FileStore {
    private static let linkColumns = "id, file_id, created_by, created_ms, expires_ms, single_use, used_ms, revoked_ms"

    private static func link(_ row: Row) -> ShareLink {
        ShareLink(id: row.string(0), fileID: row.string(1), createdBy: row.string(2), createdMs: row.int64(3), expiresMs: row.int64(4),
                  singleUse: row.int(5) == 1, usedMs: row.isNull(6) ? nil : row.int64(6), revokedMs: row.isNull(7) ? nil : row.int64(7))
    }

    func recordLink(id: String, fileID: String, createdBy: String, expiresMs: Int64, singleUse: Bool) throws {
        try database.run("INSERT INTO links (id, file_id, created_by, created_ms, expires_ms, single_use) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(id), .text(fileID), .text(createdBy), .int(now), .int(expiresMs), SQLValue(singleUse)])
    }

    func link(id: String) throws -> ShareLink? {
        try database.queryOne("SELECT \(Self.linkColumns) FROM links WHERE id = ?", [.text(id)], Self.link)
    }

    /// Links of `fileID` not revoked, used up or expired, newest first.
    func outstandingLinks(of fileID: String) throws -> [ShareLink] {
        try database.query("""
            SELECT \(Self.linkColumns) FROM links
            WHERE file_id = ? AND revoked_ms IS NULL AND used_ms IS NULL AND expires_ms > ? ORDER BY created_ms DESC, id
            """, [.text(fileID), .int(now)], Self.link)
    }

    func outstandingLinkCount(of fileID: String) throws -> Int {
        try database.queryOne("""
            SELECT count(*) FROM links WHERE file_id = ? AND revoked_ms IS NULL AND used_ms IS NULL AND expires_ms > ?
            """, [.text(fileID), .int(now)]) { $0.int(0) } ?? 0
    }

    func markRevoked(_ id: String) throws {
        try database.run("UPDATE links SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL", [.int(now), .text(id)])
    }

    /// A single-use link's one GET went through (the host consumed it before the handler ran).
    func markUsed(_ id: String) throws {
        try database.run("UPDATE links SET used_ms = ? WHERE id = ? AND used_ms IS NULL", [.int(now), .text(id)])
    }

    /// Forgets links that expired more than a day ago: the table only grows with live links.
    func pruneExpiredLinks() throws {
        try database.run("DELETE FROM links WHERE expires_ms < ?", [.int(now - 86_400_000)])
    }
}
