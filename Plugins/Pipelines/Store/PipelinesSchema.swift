/// Pipelines' tables, one database per tenant. Every object has a random public id and an integer
/// `seq` (creation order, what lists page by). Times are milliseconds since the epoch.
enum PipelinesSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE workspaces (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            id          TEXT NOT NULL UNIQUE,
            name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
            description TEXT NOT NULL DEFAULT '',
            created_ms  INTEGER NOT NULL,
            created_by  TEXT NOT NULL
        );
        -- The password is sealed (AES-256-GCM, Secrets/ConnectionSecrets.swift) under a key kept in the
        -- host's data folder, outside this database: a copy of the database alone reveals no password.
        CREATE TABLE connections (
            seq             INTEGER PRIMARY KEY AUTOINCREMENT,
            id              TEXT NOT NULL UNIQUE,
            name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
            type            TEXT NOT NULL CHECK (type IN ('sqlite', 'postgres', 'files')),
            path            TEXT,
            host            TEXT,
            port            INTEGER,
            database_name   TEXT,
            username        TEXT,
            password_sealed BLOB,
            created_ms      INTEGER NOT NULL,
            created_by      TEXT NOT NULL,
            last_tested_ms  INTEGER,
            last_test_ok    INTEGER,
            last_test_error TEXT
        );
        CREATE TABLE packages (
            seq            INTEGER PRIMARY KEY AUTOINCREMENT,
            id             TEXT NOT NULL UNIQUE,
            name           TEXT NOT NULL,
            description    TEXT NOT NULL DEFAULT '',
            workspace_id   TEXT REFERENCES workspaces(id),
            flow_type      TEXT NOT NULL CHECK (flow_type IN ('dataflow', 'workflow')),
            flow_version   TEXT NOT NULL,
            status         TEXT NOT NULL CHECK (status IN ('active', 'archived')),
            data_flow_json TEXT NOT NULL,
            variables_json TEXT NOT NULL DEFAULT '{}',
            version        INTEGER NOT NULL,
            created_ms     INTEGER NOT NULL,
            created_by     TEXT NOT NULL,
            updated_ms     INTEGER NOT NULL,
            updated_by     TEXT NOT NULL,
            archived_ms    INTEGER
        );
        CREATE INDEX packages_by_workspace ON packages (workspace_id, seq);
        -- Every change of a package is a version holding the whole package as it became: history,
        -- show-version and revert read these; nothing is ever updated in place here.
        CREATE TABLE package_versions (
            package_id     TEXT NOT NULL REFERENCES packages(id),
            version        INTEGER NOT NULL,
            changed_ms     INTEGER NOT NULL,
            changed_by     TEXT NOT NULL,
            change         TEXT NOT NULL,
            summary        TEXT NOT NULL,
            snapshot_json  TEXT NOT NULL,
            PRIMARY KEY (package_id, version)
        );
        CREATE TABLE clusters (
            seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
            id                   TEXT NOT NULL UNIQUE,
            name                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
            nodes                INTEGER NOT NULL CHECK (nodes >= 1),
            type                 TEXT NOT NULL,
            region               TEXT NOT NULL,
            terminate_on_idle    INTEGER NOT NULL,
            idle_timeout_seconds INTEGER NOT NULL,
            created_ms           INTEGER NOT NULL,
            created_by           TEXT NOT NULL,
            started_ms           INTEGER,
            terminated_ms        INTEGER,
            last_activity_ms     INTEGER NOT NULL
        );
        CREATE TABLE runs (
            seq               INTEGER PRIMARY KEY AUTOINCREMENT,
            id                TEXT NOT NULL UNIQUE,
            package_id        TEXT NOT NULL REFERENCES packages(id),
            package_version   INTEGER NOT NULL,
            cluster_id        TEXT NOT NULL REFERENCES clusters(id),
            parent_run_id     TEXT REFERENCES runs(id),
            status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
            variables_json    TEXT NOT NULL DEFAULT '{}',
            job_id            TEXT,
            started_by        TEXT NOT NULL,
            started_by_name   TEXT NOT NULL,
            attempt           INTEGER NOT NULL DEFAULT 0,
            created_ms        INTEGER NOT NULL,
            started_ms        INTEGER,
            completed_ms      INTEGER,
            cancel_requested  INTEGER NOT NULL DEFAULT 0,
            last_error        TEXT,
            error_component   TEXT,
            component_rows    TEXT NOT NULL DEFAULT '[]',
            rows_written      INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_by_package ON runs (package_id, seq);
        CREATE INDEX runs_by_cluster_status ON runs (cluster_id, status);
        CREATE TABLE run_log (
            run_id TEXT NOT NULL REFERENCES runs(id),
            line_no INTEGER NOT NULL,
            at_ms  INTEGER NOT NULL,
            line   TEXT NOT NULL,
            PRIMARY KEY (run_id, line_no)
        );
        CREATE TABLE schedules (
            seq            INTEGER PRIMARY KEY AUTOINCREMENT,
            id             TEXT NOT NULL UNIQUE,
            name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
            package_id     TEXT NOT NULL REFERENCES packages(id),
            cluster_id     TEXT REFERENCES clusters(id),
            cron           TEXT NOT NULL,
            time_zone      TEXT NOT NULL,
            enabled        INTEGER NOT NULL,
            variables_json TEXT NOT NULL DEFAULT '{}',
            created_ms     INTEGER NOT NULL,
            created_by     TEXT NOT NULL,
            updated_ms     INTEGER NOT NULL,
            last_fired_ms  INTEGER,
            last_run_id    TEXT
        );
        -- search_all: one row per object, kept in step by the store's writes.
        CREATE VIRTUAL TABLE search_index USING fts5(object_type UNINDEXED, object_id UNINDEXED, name, body, tokenize = 'unicode61');
        """,
    ]
}
