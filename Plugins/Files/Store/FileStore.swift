import SQLite
import ToolsetKit

/// The tenant's file metadata. Agents' reads go through `sharedFile` and `sharedFiles`, which only
/// ever return shareable files; operators' through `file`, which returns any.
struct FileStore {
    let database: Database
    let now: Int64

    init(_ database: Database, now: Int64) {
        self.database = database
        self.now = now
    }

    /// `fl_` + 16 random hex digits: random, not sequential, and safe as a file name on disk.
    static func newID() -> String { randomID("fl_") }

    /// The one answer for an id an agent may not see, whether unknown or not shareable: the same
    /// text either way, so an agent cannot tell that a private file exists.
    static func noSharedFile(_ id: String) -> String {
        "No shared file \"\(id)\". list_shared_files shows the files shared with you."
    }

    private static let columns = "seq, id, name, folder, size, content_type, sha256, shareable, uploaded_by, created_ms, updated_ms"

    private static func file(_ row: Row) -> StoredFile {
        StoredFile(seq: row.int64(0), id: row.string(1), name: row.string(2), folder: row.string(3), size: row.int64(4),
                   contentType: row.string(5), sha256: row.string(6), shareable: row.int(7) == 1, uploadedBy: row.string(8),
                   createdMs: row.int64(9), updatedMs: row.int64(10))
    }

    // MARK: Reads

    func file(id: String) throws -> StoredFile? {
        try database.queryOne("SELECT \(Self.columns) FROM files WHERE id = ?", [.text(id)], Self.file)
    }

    func sharedFile(id: String) throws -> StoredFile {
        guard let file = try file(id: id), file.shareable else { throw ToolError(Self.noSharedFile(id)) }
        return file
    }

    /// Shareable files matching `filter`, newest first, with seq below `before`.
    func sharedFiles(_ filter: FileFilter, before: Int64?, limit: Int) throws -> [StoredFile] {
        var clauses = ["shareable = 1"]
        var parameters: [SQLValue] = []
        if let before {
            clauses.append("seq < ?")
            parameters.append(.int(before))
        }
        if let folder = filter.folder {
            clauses.append("(folder = ? OR folder LIKE ? ESCAPE '\\')")
            parameters += [.text(folder), .text(SQLTerm.likeEscaped(folder) + "/%")]
        }
        if let query = filter.nameContains {
            clauses.append("name LIKE ? ESCAPE '\\'")
            parameters.append(.text("%" + SQLTerm.likeEscaped(query) + "%"))
        }
        if let type = filter.type {
            if type.contains("/") {
                clauses.append("content_type = ?")
                parameters.append(.text(type))
            } else {
                clauses.append("content_type LIKE ? ESCAPE '\\'")
                parameters.append(.text(SQLTerm.likeEscaped(type) + "/%"))
            }
        }
        parameters.append(.int(Int64(limit)))
        return try database.query("SELECT \(Self.columns) FROM files WHERE \(clauses.joined(separator: " AND ")) ORDER BY seq DESC LIMIT ?",
                                  parameters, Self.file)
    }

    /// Every file, shareable or not, newest first (operators).
    func allFiles(limit: Int) throws -> [StoredFile] {
        try database.query("SELECT \(Self.columns) FROM files ORDER BY seq DESC LIMIT ?", [.int(Int64(limit))], Self.file)
    }

    // MARK: Writes

    func insert(id: String, name: String, folder: String, size: Int64, contentType: String, sha256: String, shareable: Bool,
                uploadedBy: String) throws -> StoredFile {
        try database.run("""
            INSERT INTO files (id, name, folder, size, content_type, sha256, shareable, uploaded_by, created_ms, updated_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .text(name), .text(folder), .int(size), .text(contentType), .text(sha256), SQLValue(shareable),
                  .text(uploadedBy), .int(now), .int(now)])
        return StoredFile(seq: database.lastInsertRowID, id: id, name: name, folder: folder, size: size, contentType: contentType,
                          sha256: sha256, shareable: shareable, uploadedBy: uploadedBy, createdMs: now, updatedMs: now)
    }

    /// True when the flag changed.
    func setShareable(_ id: String, _ shareable: Bool) throws -> Bool {
        try database.run("UPDATE files SET shareable = ?, updated_ms = ? WHERE id = ? AND shareable <> ?",
                         [SQLValue(shareable), .int(now), .text(id), SQLValue(shareable)])
        return database.changes > 0
    }

    func delete(_ id: String) throws {
        try database.run("DELETE FROM links WHERE file_id = ?", [.text(id)])
        try database.run("DELETE FROM files WHERE id = ?", [.text(id)])
    }
}

/// list_shared_files' filters, normalised; nil = not filtered.
struct FileFilter {
    var folder: String?
    var nameContains: String?
    var type: String?

    /// What a cursor is bound to: the same filters, or it is refused.
    var cursorFilters: [String] { [folder ?? "\u{0}", nameContains ?? "\u{0}", type ?? "\u{0}"] }
}
