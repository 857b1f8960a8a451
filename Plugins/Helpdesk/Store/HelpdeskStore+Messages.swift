import JSON
import SQLite
import ToolsetKit

extension HelpdeskStore {
    private static let messageSelect = """
        SELECT m.seq, m.id, c.id, m.kind, m.author_type, m.author_id, m.author_name, m.draft_id, m.drafted_by_token, m.drafted_by_name,
               m.content, m.created_ms
        FROM messages m JOIN conversations c ON c.seq = m.conversation_seq
        """

    private static func message(_ row: Row) -> Message {
        let draftedBy = row.optionalString(8).map { Actor.bot(tokenID: $0, name: row.optionalString(9) ?? "bot") }
        return Message(seq: row.int64(0), id: row.string(1), conversationID: row.string(2), kind: MessageKind(rawValue: row.string(3)) ?? .activity,
                       author: Actor(type: row.string(4), id: row.optionalString(5), name: row.optionalString(6)),
                       draftID: row.optionalString(7), draftedBy: draftedBy, content: row.string(10), createdMs: row.int64(11))
    }

    /// The newest `limit` messages before `before` (a message seq), returned oldest first.
    func messages(of conversation: Conversation, before: Int64?, limit: Int) throws -> [Message] {
        let newestFirst = try database.query(
            "\(Self.messageSelect) WHERE m.conversation_seq = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?",
            [.int(conversation.seq), .int(before ?? Int64.max), .int(Int64(limit))], Self.message)
        return newestFirst.reversed()
    }

    /// The latest message of each conversation, in one query for a whole page (keyed by conversation id).
    func latestMessages(of conversations: [Conversation]) throws -> [String: Message] {
        guard !conversations.isEmpty else { return [:] }
        let page = SQLTerm.isIn("conversation_seq", conversations.map { .int($0.seq) })
        let rows = try database.query(
            "\(Self.messageSelect) WHERE m.seq IN (SELECT max(seq) FROM messages WHERE \(page.sql) GROUP BY conversation_seq)",
            page.parameters, Self.message)
        return Dictionary(rows.map { ($0.conversationID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func messageCount(of conversation: Conversation) throws -> Int {
        try database.queryOne("SELECT count(*) FROM messages WHERE conversation_seq = ?", [.int(conversation.seq)]) { $0.int(0) } ?? 0
    }

    /// Adds a message and keeps the conversation's counters true: a customer's message makes it
    /// wait (unread, waiting since); a reply to the customer clears both. `announce` false for
    /// activity lines whose own event (status change, assignment) already tells the story.
    func insertMessage(into conversation: Conversation, kind: MessageKind, author: Actor, content: String,
                       draft: (id: String, bot: Actor)? = nil, settings: HelpdeskSettings, announce: Bool = true) throws -> Message {
        let id = randomID("msg_")
        try database.run("""
            INSERT INTO messages (id, conversation_seq, kind, author_type, author_id, author_name, draft_id, drafted_by_token, drafted_by_name, content, created_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(id), .int(conversation.seq), .text(kind.rawValue), .text(author.type), SQLValue(author.id), SQLValue(author.name),
                  SQLValue(draft?.id), SQLValue(draft?.bot.id), SQLValue(draft?.bot.name), .text(content), .int(now)])
        let seq = database.lastInsertRowID
        switch kind {
        case .incoming:
            try database.run("""
                UPDATE conversations SET unread_count = unread_count + 1, waiting_since_ms = coalesce(waiting_since_ms, ?), updated_ms = ?
                WHERE seq = ?
                """, [.int(now), .int(now), .int(conversation.seq)])
        case .outgoing:
            try database.run("UPDATE conversations SET unread_count = 0, waiting_since_ms = NULL, updated_ms = ? WHERE seq = ?",
                             [.int(now), .int(conversation.seq)])
        case .note, .activity:
            try database.run("UPDATE conversations SET updated_ms = ? WHERE seq = ?", [.int(now), .int(conversation.seq)])
        }
        let message = Message(seq: seq, id: id, conversationID: conversation.id, kind: kind, author: author, draftID: draft?.id,
                              draftedBy: draft?.bot, content: content, createdMs: now)
        if announce {
            try appendEvent(.messageCreated, inboxID: conversation.inboxID, contactSeq: conversation.contact.seq, data: [
                "conversation_id": .string(conversation.id), "inbox": .string(conversation.inboxSlug), "message": message.summaryJSON,
            ], settings: settings)
        }
        return message
    }
}
