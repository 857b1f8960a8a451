import JSON
import SQLite
import ToolsetKit

/// One entry of the events feed as stored.
struct FeedEvent {
    let seq: Int64
    let id: String
    let kind: EventKind
    let createdMs: Int64
    let data: JSONObject

    var json: JSONValue {
        var object: JSONObject = ["id": .string(id), "kind": .string(kind.rawValue), "at": JSONValue.time(createdMs)]
        for (key, value) in data.members { object[key] = value }
        return .object(object)
    }
}

/// A page of the feed and where the next one starts.
struct FeedPage {
    let events: [FeedEvent]
    /// Where the next poll starts: the last event returned, or the caller's old position.
    let position: Int64
    /// The oldest event the caller has not seen yet, if this page did not reach the end.
    let nextUnseenMs: Int64?
}

extension HelpdeskStore {
    /// Appends an event inside the caller's write transaction. `inboxID` nil: a contact event,
    /// visible to whoever can see `contactSeq`. Retention is enforced here, on the write path,
    /// a few hundred rows at a time, so polling stays a pure read.
    func appendEvent(_ kind: EventKind, inboxID: Int64?, contactSeq: Int64?, data: JSONObject, settings: HelpdeskSettings) throws {
        try database.run("INSERT INTO events (id, kind, inbox_id, contact_seq, created_ms, data) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(randomID("ev_")), .text(kind.rawValue), SQLValue(inboxID), SQLValue(contactSeq), .int(now),
                          .text(JSONValue.object(data).jsonString)])
        try pruneEvents(olderThan: now - settings.eventRetentionMs)
    }

    /// Drops events created before `cutoff` (at most 500 per call) and records the cutoff, so a
    /// cursor from before it is told to resync instead of silently missing events.
    private func pruneEvents(olderThan cutoff: Int64) throws {
        guard let oldest = try database.queryOne("SELECT created_ms FROM events ORDER BY seq LIMIT 1", [], { $0.int64(0) }),
              oldest < cutoff else { return }
        try database.run("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_ms < ? ORDER BY seq LIMIT 500)", [.int(cutoff)])
        try database.run("""
            INSERT INTO feed_state (name, value) VALUES ('pruned_before_ms', ?1)
            ON CONFLICT (name) DO UPDATE SET value = max(value, ?1)
            """, [.int(cutoff)])
    }

    /// Events created before this were dropped; 0 when nothing ever was.
    func prunedBeforeMs() throws -> Int64 {
        try database.queryOne("SELECT value FROM feed_state WHERE name = 'pruned_before_ms'", [], { $0.int64(0) }) ?? 0
    }

    /// The newest event the scope can see: where a feed that starts "now" begins. Seen through
    /// the scope, so a limited token's starting point says nothing about other inboxes.
    func latestEventSeq(scope: InboxScope) throws -> Int64 {
        let visible = visibilityTerm(scope)
        return try database.queryOne("SELECT max(e.seq) FROM events e WHERE \(visible.sql)", visible.parameters) { $0.optionalInt64(0) }.flatMap { $0 } ?? 0
    }

    /// Up to `limit` events after `position` that the scope can see, oldest first.
    func events(after position: Int64, scope: InboxScope, kinds: [EventKind], limit: Int) throws -> FeedPage {
        let visible = visibilityTerm(scope)
        var terms = [SQLTerm("e.seq > ?", [.int(position)]), visible]
        if !kinds.isEmpty, kinds.count < EventKind.allCases.count {
            terms.append(SQLTerm.isIn("e.kind", kinds.map { .text($0.rawValue) }))
        }
        let filter = SQLTerm.all(terms)
        let rows = try database.query(
            "SELECT e.seq, e.id, e.kind, e.created_ms, e.data FROM events e WHERE \(filter.sql) ORDER BY e.seq LIMIT ?",
            filter.parameters + [.int(Int64(limit + 1))]
        ) { row in
            FeedEvent(seq: row.int64(0), id: row.string(1), kind: EventKind(rawValue: row.string(2)) ?? .messageCreated,
                      createdMs: row.int64(3), data: (try? JSONParser.parse(row.string(4)))?.objectValue ?? JSONObject())
        }
        let page = Array(rows.prefix(limit))
        return FeedPage(events: page, position: page.last?.seq ?? position, nextUnseenMs: rows.count > limit ? rows[limit].createdMs : nil)
    }

    /// Inbox events of the scope's inboxes; contact events of the contacts it can see.
    private func visibilityTerm(_ scope: InboxScope) -> SQLTerm {
        guard scope.isLimited else { return SQLTerm("1") }
        let inbox = scope.inboxTerm("e.inbox_id")
        let contact = scope.contactTerm("k")
        return SQLTerm("\(inbox.sql) OR (e.inbox_id IS NULL AND EXISTS (SELECT 1 FROM contacts k WHERE k.seq = e.contact_seq AND \(contact.sql)))",
                       inbox.parameters + contact.parameters)
    }
}
