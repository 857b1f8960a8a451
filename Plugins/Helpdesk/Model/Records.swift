import JSON
import ToolsetKit

/// The first characters of a text on one line, for lists and events.
func preview(_ text: String) -> String { oneLinePreview(text, length: Limits.preview) }

struct Inbox {
    let id: Int64
    let slug: String
    let name: String
    let channel: Channel
    let createdMs: Int64

    var json: JSONValue {
        ["slug": .string(slug), "name": .string(name), "channel": .string(channel.rawValue), "created_at": JSONValue.time(createdMs)]
    }
}

struct Contact {
    let seq: Int64
    let id: String
    var name: String?
    var email: String?
    var phone: String?
    var attributes: JSONObject
    let createdByToken: String?
    let createdMs: Int64
    var updatedMs: Int64

    var json: JSONValue {
        ["id": .string(id), "name": JSONValue.nullable(name), "email": JSONValue.nullable(email), "phone": JSONValue.nullable(phone),
         "attributes": .object(attributes), "created_at": JSONValue.time(createdMs), "updated_at": JSONValue.time(updatedMs)]
    }

    /// What conversations and events show of their contact.
    var reference: JSONValue { ["id": .string(id), "name": JSONValue.nullable(name), "email": JSONValue.nullable(email)] }

    var displayName: String { name ?? email ?? phone ?? id }
}

struct Conversation {
    let seq: Int64
    let id: String
    let inboxID: Int64
    let inboxSlug: String
    let contact: Contact
    var subject: String?
    var status: ConversationStatus
    var snoozedUntilMs: Int64?
    var priority: Priority?
    var assignee: String?
    var labels: [String]
    let startedBy: String
    let createdMs: Int64
    var updatedMs: Int64
    var waitingSinceMs: Int64?
    var unreadCount: Int

    var json: JSONValue {
        ["id": .string(id), "inbox": .string(inboxSlug), "status": .string(status.rawValue),
         "snoozed_until": JSONValue.time(snoozedUntilMs), "priority": JSONValue.nullable(priority?.rawValue), "assignee": JSONValue.nullable(assignee),
         "labels": .array(labels.map(JSONValue.string)), "subject": JSONValue.nullable(subject), "contact": contact.reference,
         "created_at": JSONValue.time(createdMs), "updated_at": JSONValue.time(updatedMs), "waiting_since": JSONValue.time(waitingSinceMs),
         "unread_count": .int(Int64(unreadCount))]
    }

    /// One line for text results.
    var line: String {
        "\(id)  [\(status.rawValue)]  \(inboxSlug)  \(contact.displayName)  \(subject ?? "(no subject)")"
    }
}

struct Message {
    let seq: Int64
    let id: String
    let conversationID: String
    let kind: MessageKind
    let author: Actor
    /// Set on a reply a human approved: the draft and the bot that wrote it.
    let draftID: String?
    let draftedBy: Actor?
    let content: String
    let createdMs: Int64

    var json: JSONValue {
        ["id": .string(id), "conversation_id": .string(conversationID), "kind": .string(kind.rawValue),
         "private": .bool(kind == .note), "author": author.json, "content": .string(content),
         "draft_id": JSONValue.nullable(draftID), "drafted_by": draftedBy?.json ?? .null, "created_at": JSONValue.time(createdMs)]
    }

    /// What events carry: enough to decide whether to fetch the conversation.
    var summaryJSON: JSONValue {
        ["id": .string(id), "kind": .string(kind.rawValue), "private": .bool(kind == .note), "author": author.json,
         "preview": .string(preview(content))]
    }
}

struct Draft {
    let seq: Int64
    let id: String
    let conversationSeq: Int64
    let conversationID: String
    let inboxSlug: String
    let content: String
    var status: DraftStatus
    let bot: Actor
    let createdMs: Int64
    var decidedBy: String?
    var decidedMs: Int64?
    var reason: String?
    var edited: Bool
    var sentMessageID: String?

    var json: JSONValue {
        ["id": .string(id), "conversation_id": .string(conversationID), "inbox": .string(inboxSlug), "content": .string(content),
         "status": .string(status.rawValue), "drafted_by": bot.json, "created_at": JSONValue.time(createdMs),
         "decided_by": JSONValue.nullable(decidedBy), "decided_at": JSONValue.time(decidedMs), "reason": JSONValue.nullable(reason), "edited": .bool(edited),
         "sent_message_id": JSONValue.nullable(sentMessageID)]
    }
}
