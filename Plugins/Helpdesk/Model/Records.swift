import CivilDate
import JSON

/// `2026-12-02T09:30:00Z`, or null.
func time(_ ms: Int64?) -> JSONValue { ms.map { .string(RFC3339.format(epochMilliseconds: $0)) } ?? .null }

func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

/// The first characters of a text on one line, for lists and events.
func preview(_ text: String) -> String {
    let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return line.count > Limits.preview ? String(line.prefix(Limits.preview - 1)) + "…" : line
}

struct Inbox {
    let id: Int64
    let slug: String
    let name: String
    let channel: Channel
    let createdMs: Int64

    var json: JSONValue {
        ["slug": .string(slug), "name": .string(name), "channel": .string(channel.rawValue), "created_at": time(createdMs)]
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
        ["id": .string(id), "name": optional(name), "email": optional(email), "phone": optional(phone),
         "attributes": .object(attributes), "created_at": time(createdMs), "updated_at": time(updatedMs)]
    }

    /// What conversations and events show of their contact.
    var reference: JSONValue { ["id": .string(id), "name": optional(name), "email": optional(email)] }

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
         "snoozed_until": time(snoozedUntilMs), "priority": optional(priority?.rawValue), "assignee": optional(assignee),
         "labels": .array(labels.map(JSONValue.string)), "subject": optional(subject), "contact": contact.reference,
         "created_at": time(createdMs), "updated_at": time(updatedMs), "waiting_since": time(waitingSinceMs),
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
         "draft_id": optional(draftID), "drafted_by": draftedBy?.json ?? .null, "created_at": time(createdMs)]
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
         "status": .string(status.rawValue), "drafted_by": bot.json, "created_at": time(createdMs),
         "decided_by": optional(decidedBy), "decided_at": time(decidedMs), "reason": optional(reason), "edited": .bool(edited),
         "sent_message_id": optional(sentMessageID)]
    }
}
