/// The files plugin's tables, one database per tenant. `seq` orders lists; the public id is
/// random, so ids say nothing about how many files a tenant holds.
enum FilesSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE files (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            id           TEXT NOT NULL UNIQUE,
            name         TEXT NOT NULL,
            folder       TEXT NOT NULL DEFAULT '',
            size         INTEGER NOT NULL,
            content_type TEXT NOT NULL,
            sha256       TEXT NOT NULL,
            shareable    INTEGER NOT NULL CHECK (shareable IN (0, 1)),
            uploaded_by  TEXT NOT NULL,
            created_ms   INTEGER NOT NULL,
            updated_ms   INTEGER NOT NULL
        );
        CREATE INDEX files_shared ON files(seq) WHERE shareable = 1;
        CREATE TABLE links (
            id          TEXT PRIMARY KEY,
            file_id     TEXT NOT NULL,
            created_by  TEXT NOT NULL,
            created_ms  INTEGER NOT NULL,
            expires_ms  INTEGER NOT NULL,
            single_use  INTEGER NOT NULL CHECK (single_use IN (0, 1)),
            used_ms     INTEGER,
            revoked_ms  INTEGER
        );
        CREATE INDEX links_file ON links(file_id);
        """,
    ]
}
