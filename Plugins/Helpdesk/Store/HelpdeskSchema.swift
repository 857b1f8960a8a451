/// The helpdesk's tables, one database per tenant. Every table that is listed has an integer `seq`
/// for ordering and a random public id: ids never reveal how many records other inboxes hold.
enum HelpdeskSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE inboxes (
            id         INTEGER PRIMARY KEY,
            slug       TEXT NOT NULL UNIQUE,
            name       TEXT NOT NULL,
            channel    TEXT NOT NULL CHECK (channel IN ('email', 'web', 'api')),
            created_ms INTEGER NOT NULL
        );
        CREATE TABLE contacts (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT NOT NULL UNIQUE,
            name             TEXT,
            email            TEXT,
            phone            TEXT,
            attributes       TEXT NOT NULL DEFAULT '{}',
            created_by_token TEXT,
            created_ms       INTEGER NOT NULL,
            updated_ms       INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX contacts_email ON contacts(email) WHERE email IS NOT NULL;
        CREATE INDEX contacts_created_by ON contacts(created_by_token) WHERE created_by_token IS NOT NULL;
        CREATE TABLE conversations (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT NOT NULL UNIQUE,
            inbox_id         INTEGER NOT NULL REFERENCES inboxes(id),
            contact_seq      INTEGER NOT NULL REFERENCES contacts(seq),
            subject          TEXT,
            status           TEXT NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
            snoozed_until_ms INTEGER,
            priority         TEXT CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
            assignee         TEXT,
            started_by       TEXT NOT NULL,
            created_ms       INTEGER NOT NULL,
            updated_ms       INTEGER NOT NULL,
            waiting_since_ms INTEGER,
            unread_count     INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX conversations_inbox ON conversations(inbox_id, seq);
        CREATE INDEX conversations_status ON conversations(status, seq);
        CREATE INDEX conversations_inbox_status ON conversations(inbox_id, status);
        CREATE INDEX conversations_contact ON conversations(contact_seq, inbox_id);
        CREATE INDEX conversations_updated ON conversations(updated_ms);
        CREATE TABLE conversation_labels (
            label            TEXT NOT NULL,
            conversation_seq INTEGER NOT NULL REFERENCES conversations(seq),
            PRIMARY KEY (label, conversation_seq)
        ) WITHOUT ROWID;
        CREATE INDEX conversation_labels_conversation ON conversation_labels(conversation_seq);
        CREATE TABLE messages (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT NOT NULL UNIQUE,
            conversation_seq INTEGER NOT NULL REFERENCES conversations(seq),
            kind             TEXT NOT NULL CHECK (kind IN ('incoming', 'outgoing', 'note', 'activity')),
            author_type      TEXT NOT NULL CHECK (author_type IN ('contact', 'user', 'bot', 'system')),
            author_id        TEXT,
            author_name      TEXT,
            draft_id         TEXT,
            drafted_by_token TEXT,
            drafted_by_name  TEXT,
            content          TEXT NOT NULL,
            created_ms       INTEGER NOT NULL
        );
        CREATE INDEX messages_conversation ON messages(conversation_seq, seq);
        CREATE TABLE drafts (
            seq              INTEGER PRIMARY KEY AUTOINCREMENT,
            id               TEXT NOT NULL UNIQUE,
            conversation_seq INTEGER NOT NULL REFERENCES conversations(seq),
            content          TEXT NOT NULL,
            status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            bot_token_id     TEXT NOT NULL,
            bot_name         TEXT NOT NULL,
            created_ms       INTEGER NOT NULL,
            decided_by       TEXT,
            decided_ms       INTEGER,
            reason           TEXT,
            edited           INTEGER NOT NULL DEFAULT 0,
            sent_message_id  TEXT
        );
        CREATE INDEX drafts_status ON drafts(status, seq);
        CREATE INDEX drafts_bot ON drafts(bot_token_id, seq);
        CREATE INDEX drafts_conversation ON drafts(conversation_seq, status);
        -- The events feed. seq is assigned inside the writing transaction and SQLite has one writer
        -- at a time, so a reader's snapshot always holds a gap-free prefix of seq.
        CREATE TABLE events (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            id          TEXT NOT NULL UNIQUE,
            kind        TEXT NOT NULL,
            inbox_id    INTEGER,
            contact_seq INTEGER,
            created_ms  INTEGER NOT NULL,
            data        TEXT NOT NULL
        );
        CREATE INDEX events_inbox ON events(inbox_id, seq);
        CREATE INDEX events_created ON events(created_ms);
        -- pruned_before_ms: events created before it were dropped (retention).
        CREATE TABLE feed_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        -- The key cursors are sealed with, so they reveal no positions (see SealedCursor).
        CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
        INSERT INTO secrets (name, value) VALUES ('cursor_key', randomblob(16));
        """,
    ]
}
