import JSON
import ToolsetKit

// conversations:reply, notes:write and drafts:write. Whatever a token writes is written as its bot
// (Actor.bot: the token's name and id); no argument can name another author.

let replyToConversationTool = Tool(
    name: "reply_to_conversation",
    title: "Reply to the customer",
    description: "Send a reply to the customer now, as this token's bot (no human approval: use create_draft_reply for that). "
        + "Clears the conversation's unread count and waiting time. Content ≤ \(Limits.content) characters.",
    input: .object(properties: ["conversation_id": Schemas.conversationID, "content": Schemas.content], required: ["conversation_id", "content"]),
    output: Schemas.message,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .openWorld]
) { call in
    try postMessage(call, kind: .outgoing, verb: "Sent reply")
}

let addPrivateNoteTool = Tool(
    name: "add_private_note",
    title: "Add a private note",
    description: "Add a private note to a conversation, as this token's bot. Only the team sees notes; the customer never does. "
        + "Content ≤ \(Limits.content) characters.",
    input: .object(properties: ["conversation_id": Schemas.conversationID, "content": Schemas.content], required: ["conversation_id", "content"]),
    output: Schemas.message,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    try postMessage(call, kind: .note, verb: "Added private note")
}

private func postMessage(_ call: ToolCall, kind: MessageKind, verb: String) throws -> ToolResult {
    let helpdesk = try HelpdeskCall(call)
    let id = try call.arguments.string("conversation_id")
    let content = try helpdesk.text("content", max: Limits.content)
    let message = try helpdesk.write {
        let conversation = try helpdesk.store.visibleConversation(id: id, scope: helpdesk.scope)
        return try helpdesk.store.insertMessage(into: conversation, kind: kind, author: helpdesk.bot, content: content, settings: helpdesk.settings)
    }
    return .structured(message.json, text: "\(verb) \(message.id) in \(id) as \(helpdesk.bot.label).")
}

let createDraftReplyTool = Tool(
    name: "create_draft_reply",
    title: "Draft a reply for approval",
    description: "Draft a reply for a human teammate to review. It lands pending; the customer sees nothing until a human approves "
        + "it (then it is sent, attributed to that human and marked as drafted by this bot) or rejects it. The events feed reports "
        + "the decision (draft.approved / draft.rejected). At most \(Limits.pendingDraftsPerConversation) pending drafts per conversation; "
        + "the workspace's queue is capped too (default \(Limits.defaultMaxPendingDrafts)).",
    input: .object(properties: ["conversation_id": Schemas.conversationID, "content": Schemas.content], required: ["conversation_id", "content"]),
    output: Schemas.draft,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let id = try call.arguments.string("conversation_id")
    let content = try helpdesk.text("content", max: Limits.content)
    let store = helpdesk.store
    let draft = try helpdesk.write {
        let conversation = try store.visibleConversation(id: id, scope: helpdesk.scope)
        let waiting = try store.pendingDraftCount(conversationSeq: conversation.seq)
        guard waiting < Limits.pendingDraftsPerConversation else {
            throw ToolError("Conversation \(id) already has \(waiting) drafts waiting for review, the limit; nothing was added. "
                + "Wait for a human to approve or reject them (poll_events reports each decision).")
        }
        let pending = try store.pendingDraftCount()
        guard pending < helpdesk.settings.maxPendingDrafts else {
            throw ToolError("The review queue already holds \(pending) pending drafts, this workspace's limit; nothing was added. "
                + "Wait for the team to work through it.")
        }
        return try store.insertDraft(into: conversation, content: content, bot: helpdesk.bot, settings: helpdesk.settings)
    }
    return .structured(draft.json, text: "Drafted \(draft.id) for \(id); it waits for a human to approve or reject it.")
}

let listMyDraftsTool = Tool(
    name: "list_my_drafts",
    title: "List my drafts",
    description: "The drafts this token's bot wrote, oldest first, with their review status (\(DraftStatus.namesText)) and, once "
        + "decided, who decided, when, and the message sent. Filter by status or conversation_id.",
    input: .object(properties: [
        "status": .string(description: "Only drafts with this status", enum: DraftStatus.names),
        "conversation_id": Schemas.conversationID,
        "limit": Schemas.limit(default: Limits.pageDefault, max: Limits.pageMax),
        "cursor": Schemas.cursor,
    ]),
    output: .object(properties: ["drafts": .array(of: Schemas.draft), "next_cursor": Schemas.nextCursor], required: ["drafts", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let helpdesk = try HelpdeskCall(call)
    let args = call.arguments
    let status = try args.optionalString("status").flatMap(DraftStatus.init(rawValue:))
    let conversationID = try args.optionalString("conversation_id")
    let limit = try helpdesk.limit(default: Limits.pageDefault, max: Limits.pageMax)
    let filters = [status?.rawValue ?? "", conversationID ?? ""]
    let cursor = try helpdesk.cursor(.drafts, filters: filters)
    let store = helpdesk.store
    var conversationSeq: Int64?
    if let conversationID { conversationSeq = try store.visibleConversation(id: conversationID, scope: helpdesk.scope).seq }
    let rows = try store.drafts(status: status, botTokenID: helpdesk.bot.id ?? "", conversationSeq: conversationSeq, scope: helpdesk.scope,
                                after: cursor?.position, limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = try helpdesk.nextCursor(.drafts, filters: filters, position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No drafts match."
        : page.map { "\($0.id)  [\($0.status.rawValue)]  \($0.conversationID)  \(preview($0.content))" }.joined(separator: "\n")
    return .structured(["drafts": .array(page.map(\.json)), "next_cursor": next], text: text)
}
