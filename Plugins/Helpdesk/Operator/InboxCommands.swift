import JSON
import ToolsetKit

// `toolhost helpdesk inbox create|list` and `toolhost helpdesk incoming`: setting up inboxes, and
// simulating a customer's message so the whole story can be tried without a mail server.

let inboxCommand = OperatorCommand(
    group: "helpdesk", name: "inbox", title: "Inboxes",
    summary: "create NAME [--channel email|web|api] [--title TEXT] | list",
    description: "Inboxes are named by a slug (billing) that tokens are limited to with --restrict '{\"inboxes\":[\"billing\"]}'.",
    input: .object(properties: [
        "action": .string(description: "create or list", enum: ["create", "list"]),
        "name": .string(description: "the inbox's slug, e.g. billing (create)", minLength: 1, maxLength: 40),
        "channel": .string(description: "how customers reach it (default email)", enum: Channel.names),
        "title": .string(description: "a display name (default: the slug)", maxLength: Limits.name),
    ], required: ["action"]).positional("action", "name"),
    output: .object(properties: ["inboxes": .array(of: .object(additionalProperties: true)), "created": .object(additionalProperties: true)],
                    additionalProperties: true),
    view: .table(rows: "/inboxes", columns: [.init("slug", "Inbox"), .init("name", "Name"), .init("channel", "Channel"), .init("created_at", "Created")]),
    annotations: [.notDestructive], toolset: "helpdesk", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    switch try args.values.string("action") {
    case "create":
        guard let name = try args.values.optionalString("name") else { throw ToolError("inbox create needs a NAME, e.g. billing") }
        let slug = try Rules.slug(name)
        let channel = try args.values.optionalString("channel").flatMap(Channel.init(rawValue:)) ?? .email
        let title = try TextRules.optional(try args.values.optionalString("title"), "title", max: Limits.name) ?? slug
        let inbox = try human.write {
            if try human.store.inbox(slug: slug) != nil { throw ToolError("inbox \"\(slug)\" already exists") }
            return try human.store.createInbox(slug: slug, name: title, channel: channel)
        }
        human.audit("inbox_created", ["inbox": .string(slug), "channel": .string(channel.rawValue)])
        return .ok(text: "Created inbox \(slug) (\(channel.rawValue)).", data: ["created": inbox.json, "inboxes": [inbox.json]])
    default:
        let inboxes = try human.store.inboxes()
        let text = inboxes.isEmpty ? "No inboxes yet; create one with toolhost helpdesk inbox create --tenant T NAME"
            : textTable(["INBOX", "CHANNEL", "NAME"], inboxes.map { [$0.slug, $0.channel.rawValue, $0.name] })
        return .ok(text: text, data: ["inboxes": .array(inboxes.map(\.json))])
    }
}

let incomingCommand = OperatorCommand(
    group: "helpdesk", name: "incoming", title: "Simulate a customer message",
    summary: "A customer's message arrives: --inbox NAME --from EMAIL [--name N] --subject S --body TEXT; prints the conversation id",
    description: "Goes to the customer's latest conversation in that inbox (reopening it if it was resolved or snoozed), or starts "
        + "a new one (--new forces that). Creates the contact if the email is new.",
    input: .object(properties: [
        "inbox": .string(description: "the inbox's slug", minLength: 1, maxLength: 40),
        "from": .string(description: "the customer's email", minLength: 3, maxLength: Limits.email),
        "name": .string(description: "the customer's name (new contacts)", maxLength: Limits.name),
        "subject": .string(description: "subject of a new conversation", maxLength: Limits.subject),
        "body": .string(description: "the message", minLength: 1, maxLength: Limits.content),
        "new": .boolean(description: "always start a new conversation"),
        "labels": .string(description: "comma-separated labels for a new conversation", maxLength: 500),
        "priority": .string(description: "priority of a new conversation", enum: Priority.names),
    ], required: ["inbox", "from", "body"]),
    output: .object(properties: ["conversation_id": .string(), "message_id": .string(), "reopened": .boolean(), "new_conversation": .boolean()],
                    required: ["conversation_id", "message_id", "reopened", "new_conversation"]),
    view: .record, annotations: [.notDestructive], toolset: "helpdesk", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    let values = args.values
    let email = try Rules.email(try values.string("from"))
    let name = try TextRules.optional(try values.optionalString("name"), "name", max: Limits.name)
    let subject = try TextRules.optional(try values.optionalString("subject"), "subject", max: Limits.subject)
    let body = try TextRules.required(try values.string("body"), "body", max: Limits.content)
    let labels = try labelList(try values.optionalString("labels"))
    let priority = try values.optionalString("priority").flatMap(Priority.init(rawValue:))
    let forceNew = try values.optionalBool("new") ?? false
    let store = human.store, settings = human.settings
    let outcome = try human.write {
        let inbox = try human.inbox(try values.string("inbox"))
        let contact = try store.contact(email: email)
            ?? store.insertContact(name: name, email: email, phone: nil, attributes: JSONObject(), createdByToken: nil,
                                   by: .system, settings: settings)
        let customer = Actor.contact(id: contact.id, name: contact.name)
        let latest = forceNew ? nil : try store.conversations(ConversationFilter(inboxSlug: inbox.slug, contactSeq: contact.seq),
                                                              scope: .everything, before: nil, limit: 1).first
        var conversation: Conversation
        var reopened = false
        if let latest {
            conversation = latest
            if latest.status == .resolved || latest.status == .snoozed {
                reopened = try store.setStatus(latest, to: .open, by: customer, reason: "the customer wrote again", settings: settings)
                conversation = try human.conversation(latest.id)
            }
        } else {
            conversation = try store.createConversation(inbox: inbox, contact: contact, subject: subject, status: .open, by: customer,
                                                        settings: settings)
            try store.setLabels(conversation, add: labels, remove: [], by: .system, settings: settings)
            if let priority { try store.setPriority(conversation, priority) }
        }
        let message = try store.insertMessage(into: conversation, kind: .incoming, author: customer, content: body, settings: settings)
        return (conversation, message, reopened, latest == nil)
    }
    let (conversation, message, reopened, isNew) = outcome
    return .ok(text: conversation.id, data: ["conversation_id": .string(conversation.id), "message_id": .string(message.id),
                                             "reopened": .bool(reopened), "new_conversation": .bool(isNew)])
}

/// "a, b" → ["a", "b"]: trimmed, lower-cased, each ≤ 64 characters.
func labelList(_ text: String?) throws -> [String] {
    guard let text else { return [] }
    let labels = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    if let long = labels.first(where: { $0.count > Limits.label }) { throw ToolError("label \"\(long)\" is longer than \(Limits.label) characters") }
    return labels
}
