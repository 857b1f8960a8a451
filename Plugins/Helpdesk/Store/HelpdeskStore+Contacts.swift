import JSON
import SQLite
import ToolsetKit

extension HelpdeskStore {
    private static let contactSelect = "SELECT \(contactColumns) FROM contacts k"

    /// The contact with this id if the scope may see it; otherwise nil, whether it exists or not.
    func contact(id: String, scope: InboxScope) throws -> Contact? {
        let visible = scope.contactTerm("k")
        return try database.queryOne("\(Self.contactSelect) WHERE k.id = ? AND \(visible.sql)", [.text(id)] + visible.parameters) { Self.contact($0) }
    }

    func visibleContact(id: String, scope: InboxScope) throws -> Contact {
        guard let contact = try contact(id: id, scope: scope) else { throw ToolError("No contact \(id)") }
        return contact
    }

    /// Whoever holds this (normalized) email in the tenant, visible to the caller or not: for
    /// uniqueness and for routing a customer's message, never shown to a limited token as such.
    func contact(email: String) throws -> Contact? {
        try database.queryOne("\(Self.contactSelect) WHERE k.email = ?", [.text(email)]) { Self.contact($0) }
    }

    /// Newest first; `query` words must each match the name, email or phone.
    func contacts(matching query: String?, scope: InboxScope, before: Int64?, limit: Int) throws -> [Contact] {
        var terms = [scope.contactTerm("k")]
        if let before { terms.append(SQLTerm("k.seq < ?", [.int(before)])) }
        terms += SQLTerm.searching(query, in: ["k.name", "k.email", "k.phone"])
        let where_ = SQLTerm.all(terms)
        return try database.query("\(Self.contactSelect) WHERE \(where_.sql) ORDER BY k.seq DESC LIMIT ?",
                                  where_.parameters + [.int(Int64(limit))]) { Self.contact($0) }
    }

    func insertContact(name: String?, email: String?, phone: String?, attributes: JSONObject, createdByToken: String?,
                       by actor: Actor, settings: HelpdeskSettings) throws -> Contact {
        let id = randomID("ct_")
        try database.run("""
            INSERT INTO contacts (id, name, email, phone, attributes, created_by_token, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), SQLValue(name), SQLValue(email), SQLValue(phone), .text(JSONValue.object(attributes).jsonString),
                  SQLValue(createdByToken), .int(now), .int(now)])
        let contact = Contact(seq: database.lastInsertRowID, id: id, name: name, email: email, phone: phone, attributes: attributes,
                              createdByToken: createdByToken, createdMs: now, updatedMs: now)
        try appendEvent(.contactCreated, inboxID: nil, contactSeq: contact.seq, data: ["contact": contact.json, "by": actor.json], settings: settings)
        return contact
    }

    /// Writes `updated` (same seq) and reports which fields changed; nothing changed, no event.
    func updateContact(_ old: Contact, to updated: Contact, by actor: Actor, settings: HelpdeskSettings) throws -> [String] {
        var changed: [String] = []
        if old.name != updated.name { changed.append("name") }
        if old.email != updated.email { changed.append("email") }
        if old.phone != updated.phone { changed.append("phone") }
        if JSONValue.object(old.attributes) != JSONValue.object(updated.attributes) { changed.append("attributes") }
        guard !changed.isEmpty else { return [] }
        try database.run("UPDATE contacts SET name = ?, email = ?, phone = ?, attributes = ?, updated_ms = ? WHERE seq = ?",
                         [SQLValue(updated.name), SQLValue(updated.email), SQLValue(updated.phone),
                          .text(JSONValue.object(updated.attributes).jsonString), .int(now), .int(old.seq)])
        var contact = updated
        contact.updatedMs = now
        try appendEvent(.contactUpdated, inboxID: nil, contactSeq: old.seq, data: [
            "contact": contact.json, "changed": .array(changed.map(JSONValue.string)), "by": actor.json,
        ], settings: settings)
        return changed
    }

    /// The ids of the contact's conversations the scope can see, newest first (at most `limit`).
    func conversationIDs(of contact: Contact, scope: InboxScope, limit: Int) throws -> [String] {
        let visible = scope.inboxTerm("c.inbox_id")
        return try database.query("SELECT c.id FROM conversations c WHERE c.contact_seq = ? AND \(visible.sql) ORDER BY c.seq DESC LIMIT ?",
                                  [.int(contact.seq)] + visible.parameters + [.int(Int64(limit))]) { $0.string(0) }
    }
}
