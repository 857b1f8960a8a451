enum WorkflowSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE ideas (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            id          TEXT NOT NULL UNIQUE,
            title       TEXT NOT NULL,
            description TEXT NOT NULL,
            category    TEXT,
            toolsets    TEXT NOT NULL DEFAULT '[]',
            archived    INTEGER NOT NULL DEFAULT 0,
            created_ms  INTEGER NOT NULL,
            updated_ms  INTEGER NOT NULL
        );
        CREATE TABLE requests (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            id              TEXT NOT NULL UNIQUE,
            title           TEXT NOT NULL,
            description     TEXT NOT NULL,
            desired_trigger TEXT,
            example         TEXT,
            status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
            token_id        TEXT NOT NULL,
            token_name      TEXT NOT NULL,
            created_ms      INTEGER NOT NULL,
            decided_by      TEXT,
            decided_ms      INTEGER,
            reason          TEXT
        );
        CREATE INDEX requests_status ON requests(status, seq);
        CREATE TABLE recipes (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            id           TEXT NOT NULL UNIQUE,
            name         TEXT NOT NULL UNIQUE,
            description  TEXT NOT NULL,
            input_schema TEXT NOT NULL,
            steps        TEXT NOT NULL,
            enabled      INTEGER NOT NULL DEFAULT 1,
            created_by   TEXT NOT NULL,
            created_ms   INTEGER NOT NULL,
            updated_ms   INTEGER NOT NULL
        );
        CREATE TABLE runs (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            id           TEXT NOT NULL UNIQUE,
            recipe_id    TEXT NOT NULL,
            recipe_name  TEXT NOT NULL,
            steps        TEXT NOT NULL,
            inputs       TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
            job_id       TEXT,
            token_id     TEXT NOT NULL,
            token_name   TEXT NOT NULL,
            error        TEXT,
            created_ms   INTEGER NOT NULL,
            started_ms   INTEGER,
            finished_ms  INTEGER
        );
        CREATE INDEX runs_recipe ON runs(recipe_id, seq);
        CREATE INDEX runs_status ON runs(status, seq);
        CREATE TABLE run_steps (
            run_seq     INTEGER NOT NULL REFERENCES runs(seq),
            position    INTEGER NOT NULL,
            name        TEXT NOT NULL,
            type        TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
            output      TEXT,
            error       TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            started_ms  INTEGER,
            finished_ms INTEGER,
            PRIMARY KEY (run_seq, position)
        ) WITHOUT ROWID;
        """,
    ]
}
