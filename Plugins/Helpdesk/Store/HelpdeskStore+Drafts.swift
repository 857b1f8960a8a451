import JSON
import SQLite
import ToolsetKit

extension HelpdeskStore {
    private static let draftSelect = """
        SELECT d.seq, d.id, d.conversation_seq, c.id, i.slug, d.content, d.status, d.bot_token_id, d.bot_name, d.created_ms,
               d.decided_by, d.decided_ms, d.reason, d.edited, d.sent_message_id
        FROM drafts d JOIN conversations c ON c.seq = d.conversation_seq JOIN inboxes i ON i.id = c.inbox_id
        """

    private static func draft(_ row: Row) -> Draft {
        Draft(seq: row.int64(0), id: row.string(1), conversationSeq: row.int64(2), conversationID: row.string(3), inboxSlug: row.string(4),
              content: row.string(5), status: DraftStatus(rawValue: row.string(6)) ?? .pending,
              bot: .bot(tokenID: row.string(7), name: row.string(8)), createdMs: row.int64(9), decidedBy: row.optionalString(10),
              decidedMs: row.optionalInt64(11), reason: row.optionalString(12), edited: row.int(13) != 0, sentMessageID: row.optionalString(14))
    }

    func draft(id: String) throws -> Draft? {
        try database.queryOne("\(Self.draftSelect) WHERE d.id = ?", [.text(id)], Self.draft)
    }

    /// Oldest first (a review queue is worked in arrival order); `after` is the previous page's last seq.
    func drafts(status: DraftStatus?, botTokenID: String?, conversationSeq: Int64? = nil, scope: InboxScope,
                after: Int64?, limit: Int) throws -> [Draft] {
        var terms = [scope.inboxTerm("c.inbox_id")]
        if let status { terms.append(SQLTerm("d.status = ?", [.text(status.rawValue)])) }
        if let botTokenID { terms.append(SQLTerm("d.bot_token_id = ?", [.text(botTokenID)])) }
        if let conversationSeq { terms.append(SQLTerm("d.conversation_seq = ?", [.int(conversationSeq)])) }
        if let after { terms.append(SQLTerm("d.seq > ?", [.int(after)])) }
        let where_ = SQLTerm.all(terms)
        return try database.query("\(Self.draftSelect) WHERE \(where_.sql) ORDER BY d.seq LIMIT ?", where_.parameters + [.int(Int64(limit))],
                                  Self.draft)
    }

    func pendingDraftCount(conversationSeq: Int64? = nil) throws -> Int {
        if let conversationSeq {
            return try database.queryOne("SELECT count(*) FROM drafts WHERE status = 'pending' AND conversation_seq = ?", [.int(conversationSeq)]) { $0.int(0) } ?? 0
        }
        return try database.queryOne("SELECT count(*) FROM drafts WHERE status = 'pending'", []) { $0.int(0) } ?? 0
    }

    func insertDraft(into conversation: Conversation, content: String, bot: Actor, settings: HelpdeskSettings) throws -> Draft {
        let id = randomID("dr_")
        try database.run("""
            INSERT INTO drafts (id, conversation_seq, content, status, bot_token_id, bot_name, created_ms) VALUES (?, ?, ?, 'pending', ?, ?, ?)
            """, [.text(id), .int(conversation.seq), .text(content), .text(bot.id ?? ""), .text(bot.name ?? "bot"), .int(now)])
        guard let draft = try draft(id: id) else { throw InternalError("draft \(id) vanished") }
        try appendEvent(.draftCreated, inboxID: conversation.inboxID, contactSeq: conversation.contact.seq, data: [
            "draft_id": .string(id), "conversation_id": .string(conversation.id), "inbox": .string(conversation.inboxSlug),
            "preview": .string(preview(content)), "by": bot.json,
        ], settings: settings)
        return draft
    }

    /// A human's decision. Approving sends the (possibly edited) text as an outgoing message
    /// written by that human, which records the draft and the bot that drafted it. The draft keeps
    /// the bot's own text; what the customer got is the message.
    func decide(_ draft: Draft, approve: Bool, editedContent: String?, reason: String?, by human: Actor,
                settings: HelpdeskSettings) throws -> (draft: Draft, message: Message?) {
        guard let conversation = try conversation(id: draft.conversationID, scope: .everything) else {
            throw InternalError("draft \(draft.id) has no conversation")
        }
        var message: Message?
        if approve {
            message = try insertMessage(into: conversation, kind: .outgoing, author: human, content: editedContent ?? draft.content,
                                        draft: (draft.id, draft.bot), settings: settings)
        }
        let status: DraftStatus = approve ? .approved : .rejected
        try database.run("""
            UPDATE drafts SET status = ?, decided_by = ?, decided_ms = ?, reason = ?, edited = ?, sent_message_id = ?
            WHERE seq = ? AND status = 'pending'
            """, [.text(status.rawValue), SQLValue(human.name), .int(now), SQLValue(reason), SQLValue(editedContent != nil),
                  SQLValue(message?.id), .int(draft.seq)])
        var data: JSONObject = [
            "draft_id": .string(draft.id), "conversation_id": .string(conversation.id), "inbox": .string(conversation.inboxSlug),
            "drafted_by": draft.bot.json, "by": human.json,
        ]
        if approve {
            data["message_id"] = JSONValue.nullable(message?.id)
            data["edited"] = .bool(editedContent != nil)
        } else {
            data["reason"] = JSONValue.nullable(reason)
        }
        try appendEvent(approve ? .draftApproved : .draftRejected, inboxID: conversation.inboxID, contactSeq: conversation.contact.seq,
                        data: data, settings: settings)
        guard let decided = try self.draft(id: draft.id) else { throw InternalError("draft \(draft.id) vanished") }
        return (decided, message)
    }
}
