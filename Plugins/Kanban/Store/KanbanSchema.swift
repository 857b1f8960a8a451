/// Kanban's tables, one database per tenant. Cards have an integer `seq` (creation order, what
/// list_cards pages by) and a random public id, so ids say nothing about how many cards exist.
enum KanbanSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE projects (
            id         INTEGER PRIMARY KEY,
            slug       TEXT NOT NULL UNIQUE,
            name       TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );
        -- Names compare without case: "doing" finds "Doing", and "Done" cannot sit next to "done".
        CREATE TABLE board_columns (
            id         INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            name       TEXT NOT NULL COLLATE NOCASE,
            position   INTEGER NOT NULL,
            UNIQUE (project_id, name)
        );
        -- position: 1-based within the column for active cards, NULL for archived ones (they leave
        -- the column's order). Not UNIQUE: shifting a run of positions by one would collide mid-update.
        CREATE TABLE cards (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT NOT NULL UNIQUE,
            project_id       INTEGER NOT NULL REFERENCES projects(id),
            column_id        INTEGER NOT NULL REFERENCES board_columns(id),
            position         INTEGER,
            title            TEXT NOT NULL,
            description      TEXT,
            assignee         TEXT COLLATE NOCASE,
            due_text         TEXT,
            due_ms           INTEGER,
            created_by_token TEXT NOT NULL,
            created_by_name  TEXT NOT NULL,
            created_ms       INTEGER NOT NULL,
            updated_ms       INTEGER NOT NULL,
            archived_ms      INTEGER,
            CHECK ((archived_ms IS NULL) = (position IS NOT NULL))
        );
        CREATE INDEX cards_column ON cards(column_id, position);
        CREATE INDEX cards_project ON cards(project_id, seq);
        CREATE TABLE card_labels (
            label    TEXT NOT NULL COLLATE NOCASE,
            card_seq INTEGER NOT NULL REFERENCES cards(seq),
            PRIMARY KEY (label, card_seq)
        ) WITHOUT ROWID;
        CREATE INDEX card_labels_card ON card_labels(card_seq);
        """,
    ]
}
