import CivilDate
import JSON
import ToolsetKit

// What humans do to conversations: show, assign, resolve, reopen, snooze, label. Each change is
// an event in the feed (so agents hear of it) and an activity line in the conversation.

private let oneConversation = Schema.object(properties: [
    "id": .string(description: "the conversation's id (cv_…)", minLength: 1, maxLength: 64),
], required: ["id"]).positional("id")

private let changeOutput = Schema.object(properties: ["conversation": Schemas.conversation, "changed": .boolean()],
                                         required: ["conversation", "changed"])

let conversationsCommand = OperatorCommand(
    group: "helpdesk", name: "conversations", title: "Conversations",
    summary: "Conversations, newest first [--inbox I] [--status S] [--assignee NAME|none] [--query WORDS] [--limit N]",
    input: .object(properties: [
        "inbox": .string(description: "only this inbox", maxLength: 40),
        "status": .string(description: "only this status", enum: ConversationStatus.names),
        "assignee": .string(description: "only those assigned to this teammate; none for unassigned", maxLength: Limits.name),
        "query": .string(description: "words in the subject, the contact or the messages", maxLength: Limits.query),
        "limit": .integer(description: "at most this many (default 200)", minimum: 1, maximum: 5000),
    ]),
    output: .object(properties: ["conversations": .array(of: Schemas.conversation), "total": .integer(minimum: 0)],
                    required: ["conversations", "total"]),
    view: .table(rows: "/conversations", columns: [
        .init("id", "Conversation"), .init("inbox", "Inbox"), .init("status", "Status"), .init("assignee", "Assignee"),
        .init("unread_count", "Unread"), .init("updated_at", "Updated"), .init("subject", "Subject"),
    ], rowActions: [
        .init("show", label: "Open", args: ["id": "{id}"]), .init("resolve", label: "Resolve", args: ["id": "{id}"]),
        .init("reopen", label: "Reopen", args: ["id": "{id}"]),
    ]),
    annotations: [.readOnly], toolset: "helpdesk", role: .viewer
) { ctx, args in
    let human = try HumanCall(ctx)
    var filter = ConversationFilter()
    filter.inboxSlug = try args.values.optionalString("inbox")
    filter.status = try args.values.optionalString("status").flatMap(ConversationStatus.init(rawValue:))
    filter.assignee = try args.values.optionalString("assignee").map { $0 == "none" ? "" : $0 }
    filter.query = try TextRules.optional(try args.values.optionalString("query"), "query", max: Limits.query)
    let limit = try args.values.optionalInt("limit") ?? 200
    let (rows, total) = try human.store.database.readSnapshot {
        (try human.store.conversations(filter, scope: .everything, before: nil, limit: limit),
         try human.store.countConversations(filter, scope: .everything))
    }
    let text = rows.isEmpty ? "No conversations match." : textTable(["CONVERSATION", "INBOX", "STATUS", "CONTACT", "SUBJECT"], rows.map {
        [$0.id, $0.inboxSlug, $0.status.rawValue, $0.contact.displayName, $0.subject ?? "-"]
    }) + "\n\(rows.count) of \(total) shown."
    return .ok(text: text, data: ["conversations": .array(rows.map(\.json)), "total": .int(Int64(total))])
}

let showCommand = OperatorCommand(
    group: "helpdesk", name: "show", title: "Conversation", summary: "A conversation with its messages: CONVERSATION_ID",
    input: oneConversation,
    output: .object(properties: ["conversation": Schemas.conversation, "messages": .array(of: Schemas.message)],
                    required: ["conversation", "messages"]),
    view: .record, annotations: [.readOnly], toolset: "helpdesk", role: .viewer
) { ctx, args in
    let human = try HumanCall(ctx)
    let conversation = try human.conversation(try args.values.string("id"))
    let messages = try human.store.messages(of: conversation, before: nil, limit: 500)
    var lines = [conversation.line]
    if let assignee = conversation.assignee { lines.append("assigned to \(assignee)") }
    if !conversation.labels.isEmpty { lines.append("labels: \(conversation.labels.joined(separator: ", "))") }
    for message in messages {
        let drafted = message.draftedBy.map { " (drafted by bot \($0.name ?? "?"))" } ?? ""
        lines.append("\(JSONValue.time(message.createdMs).stringValue ?? "")  \(message.kind.rawValue.uppercased())  \(message.author.label)\(drafted)")
        lines.append("    " + message.content.replacingOccurrences(of: "\n", with: "\n    "))
    }
    return .ok(text: lines.joined(separator: "\n"), data: ["conversation": conversation.json, "messages": .array(messages.map(\.json))])
}

private func statusCommand(_ name: String, title: String, summary: String, to status: ConversationStatus) -> OperatorCommand {
    OperatorCommand(group: "helpdesk", name: name, title: title, summary: summary, input: oneConversation, output: changeOutput,
                    view: .record, annotations: [.idempotent, .notDestructive], toolset: "helpdesk", role: .admin) { ctx, args in
        try change(ctx, name, try args.values.string("id")) { human, conversation in
            try human.store.setStatus(conversation, to: status, by: human.human, settings: human.settings)
        } describe: { changed, conversation in
            changed ? "\(conversation.id) is now \(status.rawValue)." : "\(conversation.id) was already \(status.rawValue); nothing changed."
        }
    }
}

let resolveCommand = statusCommand("resolve", title: "Resolve", summary: "Mark a conversation resolved: CONVERSATION_ID", to: .resolved)
let reopenCommand = statusCommand("reopen", title: "Reopen", summary: "Reopen a conversation: CONVERSATION_ID", to: .open)
let pendingCommand = statusCommand("pending", title: "Mark pending", summary: "Mark a conversation pending: CONVERSATION_ID", to: .pending)

let snoozeCommand = OperatorCommand(
    group: "helpdesk", name: "snooze", title: "Snooze", summary: "Snooze a conversation until a time: CONVERSATION_ID --until TIME",
    description: "A snoozed conversation reopens when the customer writes again or someone reopens it; until is shown to everyone.",
    input: Schema.object(properties: [
        "id": .string(description: "the conversation's id (cv_…)", minLength: 1, maxLength: 64),
        "until": .string(description: "RFC 3339 time, e.g. 2026-12-24T09:00:00Z", format: "date-time"),
    ], required: ["id", "until"]).positional("id"),
    output: changeOutput, view: .record, annotations: [.idempotent, .notDestructive], toolset: "helpdesk", role: .admin
) { ctx, args in
    guard let until = RFC3339DateTime(try args.values.string("until"))?.epochMilliseconds else { throw ToolError("--until must be an RFC 3339 time") }
    guard until > ctx.nowMilliseconds else { throw ToolError("--until is in the past") }
    return try change(ctx, "snooze", try args.values.string("id")) { human, conversation in
        try human.store.setStatus(conversation, to: .snoozed, snoozedUntilMs: until, by: human.human, settings: human.settings)
    } describe: { changed, conversation in
        "\(conversation.id) is snoozed until \(JSONValue.time(until).stringValue ?? "")."
    }
}

let assignCommand = OperatorCommand(
    group: "helpdesk", name: "assign", title: "Assign", summary: "Assign a conversation to a teammate: CONVERSATION_ID --to NAME (or --unassign)",
    input: Schema.object(properties: [
        "id": .string(description: "the conversation's id (cv_…)", minLength: 1, maxLength: 64),
        "to": .string(description: "the teammate's name", minLength: 1, maxLength: Limits.name),
        "unassign": .boolean(description: "remove the assignee"),
    ], required: ["id"]).positional("id"),
    output: changeOutput, view: .record, annotations: [.idempotent, .notDestructive], toolset: "helpdesk", role: .admin
) { ctx, args in
    let to = try TextRules.optional(try args.values.optionalString("to"), "to", max: Limits.name)
    let unassign = try args.values.optionalBool("unassign") ?? false
    guard (to == nil) == unassign else { throw ToolError("give exactly one of --to NAME or --unassign") }
    return try change(ctx, "assign", try args.values.string("id")) { human, conversation in
        try human.store.assign(conversation, to: to, by: human.human, settings: human.settings)
    } describe: { changed, conversation in
        !changed ? "Nothing changed." : to.map { "\(conversation.id) is assigned to \($0)." } ?? "\(conversation.id) is unassigned."
    }
}

let labelCommand = OperatorCommand(
    group: "helpdesk", name: "label", title: "Labels", summary: "Add or remove labels: CONVERSATION_ID [--add a,b] [--remove c]",
    input: Schema.object(properties: [
        "id": .string(description: "the conversation's id (cv_…)", minLength: 1, maxLength: 64),
        "add": .string(description: "comma-separated labels to add", maxLength: 500),
        "remove": .string(description: "comma-separated labels to remove", maxLength: 500),
    ], required: ["id"]).positional("id"),
    output: changeOutput, view: .record, annotations: [.idempotent, .notDestructive], toolset: "helpdesk", role: .admin
) { ctx, args in
    let add = try labelList(try args.values.optionalString("add"))
    let remove = try labelList(try args.values.optionalString("remove"))
    guard !add.isEmpty || !remove.isEmpty else { throw ToolError("give --add or --remove") }
    return try change(ctx, "label", try args.values.string("id")) { human, conversation in
        try human.store.setLabels(conversation, add: add, remove: remove, by: human.human, settings: human.settings)
    } describe: { _, conversation in
        "\(conversation.id) labels: \(conversation.labels.isEmpty ? "none" : conversation.labels.joined(separator: ", "))."
    }
}

/// Applies `action` in a write transaction and answers with the conversation as it is after it.
private func change(_ ctx: OperatorContext, _ command: String, _ id: String, _ action: (HumanCall, Conversation) throws -> Bool,
                    describe: (Bool, Conversation) -> String) throws -> OperatorResult {
    let human = try HumanCall(ctx)
    let (changed, after) = try human.write {
        let changed = try action(human, try human.conversation(id))
        return (changed, try human.conversation(id))
    }
    if changed { human.audit("conversation_changed", ["conversation_id": .string(id), "command": .string(command)]) }
    return .ok(text: describe(changed, after), data: ["conversation": after.json, "changed": .bool(changed)])
}

let helpdeskOperatorCommands: [OperatorCommand] = [
    inboxCommand, incomingCommand, conversationsCommand, draftsCommand, approveCommand, rejectCommand, showCommand,
    assignCommand, resolveCommand, reopenCommand, pendingCommand, snoozeCommand, labelCommand,
]
