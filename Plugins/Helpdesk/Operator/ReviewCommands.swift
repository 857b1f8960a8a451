import JSON
import ToolsetKit

// The humans' side of drafts: `toolhost helpdesk drafts` (the pending queue), `approve` (sends it,
// as the approving human, recording the bot that drafted it) and `reject`.

let draftsCommand = OperatorCommand(
    group: "helpdesk", name: "drafts", title: "Draft replies",
    summary: "The drafts bots wrote, pending first in arrival order [--status pending|approved|rejected] [--inbox NAME]",
    input: .object(properties: [
        "status": .string(description: "only drafts with this status (default pending)", enum: DraftStatus.names),
        "inbox": .string(description: "only drafts in this inbox", maxLength: 40),
        "limit": .integer(description: "at most this many (default 200)", minimum: 1, maximum: 1000),
    ]),
    output: .object(properties: ["drafts": .array(of: Schemas.draft)], required: ["drafts"]),
    view: .table(rows: "/drafts", columns: [
        .init("id", "Draft"), .init("conversation_id", "Conversation"), .init("inbox", "Inbox"),
        .init("created_at", "Drafted"), .init("content", "Text"),
    ], rowActions: [
        .init("approve", label: "Approve and send", args: ["id": "{id}"]),
        .init("reject", label: "Reject", args: ["id": "{id}"]),
    ]),
    annotations: [.readOnly], toolset: "helpdesk", role: .viewer
) { ctx, args in
    let human = try HumanCall(ctx)
    let status = try args.values.optionalString("status").flatMap(DraftStatus.init(rawValue:)) ?? .pending
    let limit = try args.values.optionalInt("limit") ?? 200
    var scope = InboxScope.everything
    if let slug = try args.values.optionalString("inbox") { scope = InboxScope(inboxIDs: [try human.inbox(slug).id], tokenID: nil) }
    let drafts = try human.store.drafts(status: status, botTokenID: nil, scope: scope, after: nil, limit: limit)
    let text = drafts.isEmpty ? "No \(status.rawValue) drafts."
        : textTable(["DRAFT", "CONVERSATION", "INBOX", "BOT", "DRAFTED", "TEXT"], drafts.map {
            [$0.id, $0.conversationID, $0.inboxSlug, $0.bot.name ?? "bot", JSONValue.time($0.createdMs).stringValue ?? "", preview($0.content)]
        })
    return .ok(text: text, data: ["drafts": .array(drafts.map(\.json))])
}

let approveCommand = OperatorCommand(
    group: "helpdesk", name: "approve", title: "Approve and send a draft",
    summary: "Send a pending draft to the customer as you: DRAFT_ID [--edit TEXT]",
    description: "The message is attributed to you and records the bot that drafted it. --edit sends your text instead.",
    input: Schema.object(properties: [
        "id": .string(description: "the draft's id (dr_…)", minLength: 1, maxLength: 64),
        "edit": .string(description: "send this text instead of the draft's", minLength: 1, maxLength: Limits.content),
    ], required: ["id"]).positional("id"),
    output: .object(properties: ["draft": Schemas.draft, "message": Schemas.message], required: ["draft", "message"]),
    view: .record, annotations: [.notDestructive, .openWorld], toolset: "helpdesk", role: .admin
) { ctx, args in
    let edit = try args.values.optionalString("edit").map { text throws(ToolError) in try TextRules.required(text, "edit", max: Limits.content) }
    let (draft, message) = try decide(ctx, try args.values.string("id"), approve: true, edit: edit, reason: nil)
    return .ok(text: "Sent \(draft.id) to \(draft.conversationID) as \(message?.id ?? "?")\(edit == nil ? "" : " (edited)"); drafted by \(draft.bot.name ?? "bot").",
               data: ["draft": draft.json, "message": message?.json ?? .null])
}

let rejectCommand = OperatorCommand(
    group: "helpdesk", name: "reject", title: "Reject a draft",
    summary: "Reject a pending draft; nothing is sent: DRAFT_ID [--reason TEXT]",
    input: Schema.object(properties: [
        "id": .string(description: "the draft's id (dr_…)", minLength: 1, maxLength: 64),
        "reason": .string(description: "why, for the bot (it sees it in list_my_drafts and the event)", maxLength: 1000),
    ], required: ["id"]).positional("id"),
    output: .object(properties: ["draft": Schemas.draft], required: ["draft"]),
    view: .record, annotations: [.notDestructive], toolset: "helpdesk", role: .admin
) { ctx, args in
    let reason = try TextRules.optional(try args.values.optionalString("reason"), "reason", max: 1000)
    let (draft, _) = try decide(ctx, try args.values.string("id"), approve: false, edit: nil, reason: reason)
    return .ok(text: "Rejected \(draft.id); nothing was sent.", data: ["draft": draft.json])
}

private func decide(_ ctx: OperatorContext, _ id: String, approve: Bool, edit: String?, reason: String?) throws -> (Draft, Message?) {
    let human = try HumanCall(ctx)
    let outcome = try human.write {
        guard let draft = try human.store.draft(id: id) else { throw ToolError("no draft \(id)") }
        guard draft.status == .pending else {
            throw ToolError("draft \(id) was already \(draft.status.rawValue) by \(draft.decidedBy ?? "?") at \(JSONValue.time(draft.decidedMs).stringValue ?? "?")")
        }
        return try human.store.decide(draft, approve: approve, editedContent: edit, reason: reason, by: human.human, settings: human.settings)
    }
    human.audit(approve ? "draft_approved" : "draft_rejected", [
        "draft_id": .string(id), "conversation_id": .string(outcome.draft.conversationID), "drafted_by": outcome.draft.bot.json,
        "edited": .bool(edit != nil), "message_id": JSONValue.nullable(outcome.message?.id),
    ])
    return outcome
}
