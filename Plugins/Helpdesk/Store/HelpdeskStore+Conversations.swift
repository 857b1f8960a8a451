import JSON
import SQLite
import ToolsetKit

/// What list_conversations filters on. All optional; they add up.
struct ConversationFilter {
    var inboxSlug: String?
    var status: ConversationStatus?
    /// A teammate's name, or "" for unassigned conversations.
    var assignee: String?
    var label: String?
    var updatedSinceMs: Int64?
    var contactSeq: Int64?
    /// Words looked for in the subject, the contact's name and email, and the messages.
    var query: String?

    /// What a cursor is bound to: the same filters, or it is refused.
    var fingerprint: [String] {
        [inboxSlug ?? "", status?.rawValue ?? "", assignee ?? "\u{0}", label ?? "", updatedSinceMs.map(String.init) ?? "",
         contactSeq.map(String.init) ?? "", query ?? ""]
    }
}

extension HelpdeskStore {
    private static let conversationSelect = """
        SELECT c.seq, c.id, c.inbox_id, i.slug, c.subject, c.status, c.snoozed_until_ms, c.priority, c.assignee, c.started_by,
               c.created_ms, c.updated_ms, c.waiting_since_ms, c.unread_count,
               (SELECT group_concat(label, char(31)) FROM (SELECT label FROM conversation_labels l WHERE l.conversation_seq = c.seq ORDER BY label)),
               \(contactColumns)
        FROM conversations c JOIN inboxes i ON i.id = c.inbox_id JOIN contacts k ON k.seq = c.contact_seq
        """

    private static func conversation(_ row: Row) -> Conversation {
        let labels = row.optionalString(14).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
        return Conversation(seq: row.int64(0), id: row.string(1), inboxID: row.int64(2), inboxSlug: row.string(3),
                            contact: contact(row, at: 15), subject: row.optionalString(4),
                            status: ConversationStatus(rawValue: row.string(5)) ?? .open, snoozedUntilMs: row.optionalInt64(6),
                            priority: row.optionalString(7).flatMap(Priority.init(rawValue:)), assignee: row.optionalString(8),
                            labels: labels, startedBy: row.string(9), createdMs: row.int64(10), updatedMs: row.int64(11),
                            waitingSinceMs: row.optionalInt64(12), unreadCount: row.int(13))
    }

    /// The conversation with this id if the scope may see it. One that exists in another inbox is
    /// answered exactly like one that does not exist.
    func conversation(id: String, scope: InboxScope) throws -> Conversation? {
        let visible = scope.inboxTerm("c.inbox_id")
        return try database.queryOne("\(Self.conversationSelect) WHERE c.id = ? AND \(visible.sql)", [.text(id)] + visible.parameters,
                                     Self.conversation)
    }

    /// `conversation(id:scope:)` or the one error text for "absent or not yours".
    func visibleConversation(id: String, scope: InboxScope) throws -> Conversation {
        guard let conversation = try conversation(id: id, scope: scope) else { throw ToolError(Self.noConversation(id)) }
        return conversation
    }

    static func noConversation(_ id: String) -> String { "No conversation \(id)" }

    /// Newest first; `before` is the seq the previous page ended at.
    func conversations(_ filter: ConversationFilter, scope: InboxScope, before: Int64?, limit: Int) throws -> [Conversation] {
        var where_ = filterTerm(filter, scope: scope)
        if let before { where_ = SQLTerm.all([where_, SQLTerm("c.seq < ?", [.int(before)])]) }
        return try database.query("\(Self.conversationSelect) WHERE \(where_.sql) ORDER BY c.seq DESC LIMIT ?",
                                  where_.parameters + [.int(Int64(limit))], Self.conversation)
    }

    /// How many conversations the filters match, within the scope only.
    func countConversations(_ filter: ConversationFilter, scope: InboxScope) throws -> Int {
        let where_ = filterTerm(filter, scope: scope)
        // Only a search looks at the contact; without one the count stays on conversations' indexes.
        let join = filter.query == nil ? "" : " JOIN contacts k ON k.seq = c.contact_seq"
        return try database.queryOne("SELECT count(*) FROM conversations c\(join) WHERE \(where_.sql)",
                                     where_.parameters) { $0.int(0) } ?? 0
    }

    private func filterTerm(_ filter: ConversationFilter, scope: InboxScope) -> SQLTerm {
        var terms = [scope.inboxTerm("c.inbox_id")]
        if let slug = filter.inboxSlug { terms.append(SQLTerm("c.inbox_id = (SELECT id FROM inboxes WHERE slug = ?)", [.text(slug)])) }
        if let status = filter.status { terms.append(SQLTerm("c.status = ?", [.text(status.rawValue)])) }
        if let assignee = filter.assignee {
            terms.append(assignee.isEmpty ? SQLTerm("c.assignee IS NULL", []) : SQLTerm("c.assignee = ?", [.text(assignee)]))
        }
        if let label = filter.label {
            terms.append(SQLTerm("EXISTS (SELECT 1 FROM conversation_labels l WHERE l.label = ? AND l.conversation_seq = c.seq)", [.text(label)]))
        }
        if let since = filter.updatedSinceMs { terms.append(SQLTerm("c.updated_ms >= ?", [.int(since)])) }
        if let contact = filter.contactSeq { terms.append(SQLTerm("c.contact_seq = ?", [.int(contact)])) }
        terms += SQLTerm.searching(filter.query, anyOf: [
            "c.subject LIKE ? ESCAPE '\\'", "k.name LIKE ? ESCAPE '\\'", "k.email LIKE ? ESCAPE '\\'",
            "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_seq = c.seq AND m.content LIKE ? ESCAPE '\\')",
        ])
        return SQLTerm.all(terms)
    }

    // MARK: Writing conversations

    func createConversation(inbox: Inbox, contact: Contact, subject: String?, status: ConversationStatus, by actor: Actor,
                            settings: HelpdeskSettings) throws -> Conversation {
        let id = randomID("cv_")
        try database.run("""
            INSERT INTO conversations (id, inbox_id, contact_seq, subject, status, started_by, created_ms, updated_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .int(inbox.id), .int(contact.seq), SQLValue(subject), .text(status.rawValue), .text(actor.label), .int(now), .int(now)])
        guard let conversation = try conversation(id: id, scope: .everything) else { throw InternalError("conversation \(id) vanished") }
        try appendEvent(.conversationCreated, inboxID: inbox.id, contactSeq: contact.seq, data: [
            "conversation_id": .string(id), "inbox": .string(inbox.slug), "contact": contact.reference, "subject": JSONValue.nullable(subject),
            "status": .string(status.rawValue), "by": actor.json,
        ], settings: settings)
        return conversation
    }

    /// Changes the status, writes an activity message and a status_changed event. Returns false
    /// when the conversation already had that status.
    @discardableResult
    func setStatus(_ conversation: Conversation, to status: ConversationStatus, snoozedUntilMs: Int64? = nil, by actor: Actor,
                   reason: String? = nil, settings: HelpdeskSettings) throws -> Bool {
        guard conversation.status != status || (status == .snoozed && conversation.snoozedUntilMs != snoozedUntilMs) else { return false }
        try database.run("UPDATE conversations SET status = ?, snoozed_until_ms = ?, updated_ms = ? WHERE seq = ?",
                         [.text(status.rawValue), SQLValue(status == .snoozed ? snoozedUntilMs : nil), .int(now), .int(conversation.seq)])
        var data: JSONObject = ["conversation_id": .string(conversation.id), "inbox": .string(conversation.inboxSlug),
                                "from": .string(conversation.status.rawValue), "to": .string(status.rawValue), "by": actor.json]
        if status == .snoozed { data["snoozed_until"] = JSONValue.time(snoozedUntilMs) }
        if let reason { data["reason"] = .string(reason) }
        try appendEvent(.conversationStatusChanged, inboxID: conversation.inboxID, contactSeq: conversation.contact.seq, data: data,
                        settings: settings)
        let what = reason.map { " (\($0))" } ?? ""
        _ = try insertMessage(into: conversation, kind: .activity, author: .system,
                              content: "\(actor.name ?? actor.type) changed the status from \(conversation.status.rawValue) to \(status.rawValue)\(what)",
                              settings: settings, announce: false)
        return true
    }

    /// Assigns to a teammate (nil: unassigns). Returns false when nothing changed.
    @discardableResult
    func assign(_ conversation: Conversation, to assignee: String?, by actor: Actor, settings: HelpdeskSettings) throws -> Bool {
        guard conversation.assignee != assignee else { return false }
        try database.run("UPDATE conversations SET assignee = ?, updated_ms = ? WHERE seq = ?", [SQLValue(assignee), .int(now), .int(conversation.seq)])
        try appendEvent(.conversationAssigned, inboxID: conversation.inboxID, contactSeq: conversation.contact.seq, data: [
            "conversation_id": .string(conversation.id), "inbox": .string(conversation.inboxSlug),
            "from": JSONValue.nullable(conversation.assignee), "to": JSONValue.nullable(assignee), "by": actor.json,
        ], settings: settings)
        _ = try insertMessage(into: conversation, kind: .activity, author: .system,
                              content: assignee.map { "\(actor.name ?? actor.type) assigned the conversation to \($0)" }
                                  ?? "\(actor.name ?? actor.type) unassigned the conversation",
                              settings: settings, announce: false)
        return true
    }

    /// Adds and removes labels; returns false when that changed nothing.
    @discardableResult
    func setLabels(_ conversation: Conversation, add: [String], remove: [String], by actor: Actor, settings: HelpdeskSettings) throws -> Bool {
        let added = Array(Set(add).subtracting(conversation.labels)).sorted()
        let removed = Array(Set(remove).intersection(conversation.labels).subtracting(added)).sorted()
        guard !added.isEmpty || !removed.isEmpty else { return false }
        for label in added {
            try database.run("INSERT OR IGNORE INTO conversation_labels (label, conversation_seq) VALUES (?, ?)", [.text(label), .int(conversation.seq)])
        }
        for label in removed {
            try database.run("DELETE FROM conversation_labels WHERE label = ? AND conversation_seq = ?", [.text(label), .int(conversation.seq)])
        }
        try database.run("UPDATE conversations SET updated_ms = ? WHERE seq = ?", [.int(now), .int(conversation.seq)])
        try appendEvent(.conversationLabelsChanged, inboxID: conversation.inboxID, contactSeq: conversation.contact.seq, data: [
            "conversation_id": .string(conversation.id), "inbox": .string(conversation.inboxSlug),
            "added": .array(added.map(JSONValue.string)), "removed": .array(removed.map(JSONValue.string)), "by": actor.json,
        ], settings: settings)
        return true
    }

    func setPriority(_ conversation: Conversation, _ priority: Priority?) throws {
        try database.run("UPDATE conversations SET priority = ?, updated_ms = ? WHERE seq = ?",
                         [SQLValue(priority?.rawValue), .int(now), .int(conversation.seq)])
    }
}
