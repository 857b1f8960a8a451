import JSON
import SQLite
import ToolsetKit

/// The tenant's helpdesk database. Reads take an InboxScope; writes that others should hear of
/// append to the events feed in the same transaction (Store/HelpdeskStore+Events.swift), so the
/// feed never reports something that did not happen or misses something that did.
struct HelpdeskStore {
    let database: Database
    let now: Int64

    init(_ database: Database, now: Int64) {
        self.database = database
        self.now = now
    }

    // MARK: Inboxes

    func inbox(slug: String) throws -> Inbox? {
        try database.queryOne("SELECT id, slug, name, channel, created_ms FROM inboxes WHERE slug = ?", [.text(slug)], Self.inbox)
    }

    func inboxes() throws -> [Inbox] {
        try database.query("SELECT id, slug, name, channel, created_ms FROM inboxes ORDER BY slug", [], Self.inbox)
    }

    /// The inbox a caller named, if it exists and the caller may use it; otherwise the same error
    /// either way, so a limited token cannot learn which other inboxes exist.
    func visibleInbox(slug: String, scope: InboxScope) throws -> Inbox {
        guard let inbox = try inbox(slug: slug), scope.allows(inboxID: inbox.id) else {
            throw ToolError("No inbox \"\(slug)\" is available to this token")
        }
        return inbox
    }

    func createInbox(slug: String, name: String, channel: Channel) throws -> Inbox {
        try database.run("INSERT INTO inboxes (slug, name, channel, created_ms) VALUES (?, ?, ?, ?)",
                         [.text(slug), .text(name), .text(channel.rawValue), .int(now)])
        return Inbox(id: database.lastInsertRowID, slug: slug, name: name, channel: channel, createdMs: now)
    }

    private static func inbox(_ row: Row) -> Inbox {
        Inbox(id: row.int64(0), slug: row.string(1), name: row.string(2), channel: Channel(rawValue: row.string(3)) ?? .api,
              createdMs: row.int64(4))
    }

    // MARK: Contacts as rows

    static let contactColumns = "k.seq, k.id, k.name, k.email, k.phone, k.attributes, k.created_by_token, k.created_ms, k.updated_ms"

    /// A contact read from `contactColumns` starting at column `at`.
    static func contact(_ row: Row, at first: Int32 = 0) -> Contact {
        let attributes = (try? JSONParser.parse(row.string(first + 5)))?.objectValue ?? JSONObject()
        return Contact(seq: row.int64(first), id: row.string(first + 1), name: row.optionalString(first + 2),
                       email: row.optionalString(first + 3), phone: row.optionalString(first + 4), attributes: attributes,
                       createdByToken: row.optionalString(first + 6), createdMs: row.int64(first + 7), updatedMs: row.int64(first + 8))
    }
}
