import ToolsetKit

// Output and input schemas the tools share, written once.

enum Schemas {
    static let actor = Schema.object(description: "Who wrote or did it: a contact, a human teammate (user), a bot (the token's name and id) or the system",
                                     properties: ["type": .string(enum: ["contact", "user", "bot", "system"]),
                                                  "id": Schema.string().orNull, "name": Schema.string().orNull],
                                     required: ["type", "id", "name"])

    static let contactReference = Schema.object(properties: ["id": .string(), "name": Schema.string().orNull, "email": Schema.string().orNull],
                                                required: ["id", "name", "email"])

    static let contact = Schema.object(properties: [
        "id": .string(description: "Contact id (ct_…)"), "name": Schema.string().orNull, "email": Schema.string().orNull,
        "phone": Schema.string().orNull, "attributes": .object(description: "Custom attributes", additionalProperties: true),
        "created_at": .string(format: "date-time"), "updated_at": .string(format: "date-time"),
        "conversation_ids": .array(of: .string(), description: "get_contact only: the newest conversations you can see (at most 20)"),
    ], required: ["id", "name", "email", "phone", "attributes", "created_at", "updated_at"])

    static let conversation = Schema.object(properties: [
        "id": .string(description: "Conversation id (cv_…)"), "inbox": .string(description: "Inbox slug"),
        "status": .string(enum: ConversationStatus.names), "snoozed_until": Schema.string(format: "date-time").orNull,
        "priority": Schema.string(enum: Priority.names).orNull, "assignee": Schema.string(description: "Teammate it is assigned to").orNull,
        "labels": .array(of: .string()), "subject": Schema.string().orNull, "contact": contactReference,
        "created_at": .string(format: "date-time"), "updated_at": .string(format: "date-time"),
        "waiting_since": Schema.string(format: "date-time").orNull,
        "unread_count": .integer(description: "Customer messages since the last reply", minimum: 0),
        "last_message": Schema.object(properties: ["kind": .string(), "author": actor, "preview": .string(), "created_at": .string()],
                                      required: ["kind", "author", "preview", "created_at"]).orNull,
    ], required: ["id", "inbox", "status", "snoozed_until", "priority", "assignee", "labels", "subject", "contact", "created_at",
                  "updated_at", "waiting_since", "unread_count"])

    static let message = Schema.object(properties: [
        "id": .string(description: "Message id (msg_…)"), "conversation_id": .string(), "kind": .string(enum: MessageKind.names),
        "private": .boolean(description: "A private note: the customer never sees it"), "author": actor, "content": .string(),
        "draft_id": Schema.string(description: "The draft a human approved to send this").orNull,
        "drafted_by": actor.orNull,
        "created_at": .string(format: "date-time"),
    ], required: ["id", "conversation_id", "kind", "private", "author", "content", "draft_id", "drafted_by", "created_at"])

    static let draft = Schema.object(properties: [
        "id": .string(description: "Draft id (dr_…)"), "conversation_id": .string(), "inbox": .string(),
        "content": .string(description: "The text as the bot drafted it"), "status": .string(enum: DraftStatus.names),
        "drafted_by": actor, "created_at": .string(format: "date-time"), "decided_by": Schema.string().orNull,
        "decided_at": Schema.string(format: "date-time").orNull, "reason": Schema.string().orNull,
        "edited": .boolean(description: "The human changed the text before sending"),
        "sent_message_id": Schema.string(description: "The message the approval sent").orNull,
    ], required: ["id", "conversation_id", "inbox", "content", "status", "drafted_by", "created_at", "decided_by", "decided_at",
                  "reason", "edited", "sent_message_id"])

    static let event = Schema.object(properties: [
        "id": .string(), "kind": .string(enum: EventKind.names), "at": .string(format: "date-time"),
    ], required: ["id", "kind", "at"], additionalProperties: true)

    static let nextCursor = Schema.string(description: "Pass as cursor for the next page; null at the end").orNull

    // Inputs

    static let conversationID = Schema.string(description: "A conversation id, e.g. \"cv_0123456789abcdef\"", minLength: 1, maxLength: 64)
    static let contactID = Schema.string(description: "A contact id, e.g. \"ct_0123456789abcdef\"", minLength: 1, maxLength: 64)
    static let content = Schema.string(description: "The text", minLength: 1, maxLength: Limits.content)
    static let cursor = Schema.string(description: "next_cursor from the previous page, unchanged", maxLength: 200)

    static func limit(default value: Int, max: Int) -> Schema {
        .integer(description: "Items per page, 1–\(max) (default \(value))", minimum: 1, maximum: max)
    }
}
