import CivilDate
import JSON
import ToolsetKit

// conversations:read — list_conversations and get_conversation. A limited token's lists, counts,
// searches and lookups are all taken through its InboxScope.

let listConversationsTool = Tool(
    name: "list_conversations",
    title: "List conversations",
    description: "Conversations in the inboxes this token may see, newest first, with filters that add up: inbox (slug), status "
        + "(\(ConversationStatus.namesText)), assignee (a teammate's name, or \"none\"), label, updated_since (RFC 3339) and "
        + "query (words looked for in the subject, the contact's name and email, and the messages). `total` counts every match. "
        + "Pass next_cursor back as cursor, with the same filters, for the next page.",
    input: .object(properties: [
        "inbox": .string(description: "Only this inbox (slug, e.g. \"billing\")", maxLength: 40),
        "status": .string(description: "Only this status", enum: ConversationStatus.names),
        "assignee": .string(description: "Only those assigned to this teammate; \"none\" for unassigned", maxLength: Limits.name),
        "label": .string(description: "Only those with this label", maxLength: Limits.label),
        "updated_since": .string(description: "Only those updated at or after this time", format: "date-time"),
        "query": .string(description: "Search words (all must match)", maxLength: Limits.query),
        "limit": Schemas.limit(default: Limits.pageDefault, max: Limits.pageMax),
        "cursor": Schemas.cursor,
    ]),
    output: .object(properties: [
        "conversations": .array(of: Schemas.conversation), "total": .integer(minimum: 0), "next_cursor": Schemas.nextCursor,
    ], required: ["conversations", "total", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let args = call.arguments
    var filter = ConversationFilter()
    filter.inboxSlug = try args.optionalString("inbox")
    filter.status = try args.optionalString("status").flatMap(ConversationStatus.init(rawValue:))
    filter.assignee = try args.optionalString("assignee").map { $0 == "none" ? "" : $0 }
    filter.label = try args.optionalString("label")
    filter.updatedSinceMs = try args.optionalString("updated_since").map { text throws(ToolError) in
        guard let parsed = RFC3339DateTime(text) else { throw ToolError("\"updated_since\" must be an RFC 3339 time such as 2026-12-01T09:00:00Z") }
        return parsed.epochMilliseconds
    }
    filter.query = try TextRules.optional(try args.optionalString("query"), "query", max: Limits.query)
    let limit = try helpdesk.limit(default: Limits.pageDefault, max: Limits.pageMax)
    let cursor = try helpdesk.cursor(.conversations, filters: filter.fingerprint)
    let store = helpdesk.store
    let (rows, total, items) = try store.database.readSnapshot {
        let rows = try store.conversations(filter, scope: helpdesk.scope, before: cursor?.position, limit: limit + 1)
        let total = try store.countConversations(filter, scope: helpdesk.scope)
        return (rows, total, try conversationsJSON(Array(rows.prefix(limit)), store: store))
    }
    let page = Array(rows.prefix(limit))
    let next = try helpdesk.nextCursor(.conversations, filters: filter.fingerprint, position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No conversations match (\(total) in all)."
        : page.map(\.line).joined(separator: "\n") + "\n\(page.count) of \(total) shown."
    return .structured(["conversations": .array(items), "total": .int(Int64(total)), "next_cursor": next], text: text)
}

/// Conversations with their latest message, as lists show them: one query for the whole page.
func conversationsJSON(_ conversations: [Conversation], store: HelpdeskStore) throws -> [JSONValue] {
    let latest = try store.latestMessages(of: conversations)
    return conversations.map { conversation in
        guard case .object(var object) = conversation.json else { return conversation.json }
        object["last_message"] = latest[conversation.id].map { message in
            ["kind": .string(message.kind.rawValue), "author": message.author.json, "preview": .string(preview(message.content)),
             "created_at": JSONValue.time(message.createdMs)]
        } ?? .null
        return .object(object)
    }
}

let getConversationTool = Tool(
    name: "get_conversation",
    title: "Read a conversation",
    description: "One conversation and its messages, newest last: the latest `limit` messages (default \(Limits.messagesDefault)); "
        + "next_cursor, when not null, fetches the page of older messages before them. Private notes are included and marked "
        + "private: true; the customer never sees them.",
    input: .object(properties: [
        "conversation_id": Schemas.conversationID,
        "limit": Schemas.limit(default: Limits.messagesDefault, max: Limits.pageMax),
        "cursor": .string(description: "next_cursor of the previous call: older messages", maxLength: 200),
    ], required: ["conversation_id"]),
    output: .object(properties: [
        "conversation": Schemas.conversation, "messages": .array(of: Schemas.message),
        "message_count": .integer(minimum: 0), "next_cursor": Schemas.nextCursor,
    ], required: ["conversation", "messages", "message_count", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let id = try call.arguments.string("conversation_id")
    let limit = try helpdesk.limit(default: Limits.messagesDefault, max: Limits.pageMax)
    let store = helpdesk.store
    let conversation = try store.visibleConversation(id: id, scope: helpdesk.scope)
    let cursor = try helpdesk.cursor(.messages, filters: [conversation.id])
    let rows = try store.messages(of: conversation, before: cursor?.position, limit: limit + 1)
    let page = Array(rows.suffix(limit))
    let next = try helpdesk.nextCursor(.messages, filters: [conversation.id], position: rows.count > limit ? page.first?.seq : nil)
    let count = try store.messageCount(of: conversation)
    var lines = [conversation.line]
    for message in page {
        lines.append("[\(JSONValue.time(message.createdMs).stringValue ?? "")] \(message.kind.rawValue) by \(message.author.label): \(preview(message.content))")
    }
    return .structured([
        "conversation": try conversationsJSON([conversation], store: store)[0], "messages": .array(page.map(\.json)),
        "message_count": .int(Int64(count)), "next_cursor": next,
    ], text: lines.joined(separator: "\n"))
}
