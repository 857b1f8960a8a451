"""Seeds a tenant's helpdesk database with many conversations, as `toolhost helpdesk incoming` would leave them: a
contact, a conversation (open, pending or resolved in turn), its incoming message, and the events the feed would hold.
The CLI makes one conversation per process, so tests and `make bench` seed thousands this way.

    python3 helpdesk_seed.py DATA_DIR TENANT INBOX COUNT
"""
from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

STATUSES = ["open", "pending", "resolved"]


def seed(data: Path, tenant: str, inbox: str, count: int) -> None:
    db = sqlite3.connect(Path(data) / "tenants" / tenant / "helpdesk.db", timeout=30)
    with db:
        inbox_id = db.execute("SELECT id FROM inboxes WHERE slug = ?", (inbox,)).fetchone()[0]
        now = int(time.time() * 1000)
        for n in range(count):
            key = f"{inbox}{n:08x}"
            contact = db.execute("INSERT INTO contacts (id, name, email, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?)",
                                 (f"ct_seed{key}", f"Customer {n}", f"c{n}@{inbox}.example.com", now, now)).lastrowid
            conversation = db.execute(
                """INSERT INTO conversations (id, inbox_id, contact_seq, subject, status, started_by, created_ms, updated_ms,
                   waiting_since_ms, unread_count) VALUES (?, ?, ?, ?, ?, 'system', ?, ?, ?, 1)""",
                (f"cv_seed{key}", inbox_id, contact, f"Question {n}", STATUSES[n % 3], now, now, now)).lastrowid
            db.execute("""INSERT INTO messages (id, conversation_seq, kind, author_type, author_id, content, created_ms)
                          VALUES (?, ?, 'incoming', 'contact', ?, ?, ?)""",
                       (f"msg_seed{key}", conversation, f"ct_seed{key}", f"Message number {n}", now))
            for kind in ("conversation.created", "message.created"):
                db.execute("INSERT INTO events (id, kind, inbox_id, contact_seq, created_ms, data) VALUES (?, ?, ?, ?, ?, ?)",
                           (f"ev_{os.urandom(8).hex()}", kind, inbox_id, contact, now,
                            f'{{"conversation_id": "cv_seed{key}", "inbox": "{inbox}"}}'))
    db.close()


if __name__ == "__main__":
    seed(Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))
