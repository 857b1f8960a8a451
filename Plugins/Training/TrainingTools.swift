import Foundation
import ToolsetKit

// The `training` toolset: outside tools suggest knowledge; an operator decides. Every item pushed here
// is a DRAFT (source "external", flagged "system suggested"); only such drafts can be edited or archived
// here. Live items are refused whatever the token: a token must never change what the assistant says.

private let itemSchema = Schema.object(
    description: "A knowledge item",
    properties: [
        "id": .string(description: "Knowledge item id"),
        "title": .string(),
        "content": .string(),
        "summary": Schema.string().orNull,
        "category": Schema.string().orNull,
        "visibility": .string(description: "draft (awaiting review), live (used by the assistant) or hidden (archived)",
                              enum: Visibility.allCases.map(\.rawValue)),
        "source": .string(enum: Source.allCases.map(\.rawValue)),
        "source_label": .string(),
        "system_suggested": .boolean(),
        "pushed_by_token_id": Schema.string().orNull,
        "pushed_by_token_name": Schema.string().orNull,
        "created_at": .string(format: "date-time"),
        "updated_at": .string(format: "date-time"),
    ],
    required: ["id", "title", "content", "summary", "category", "visibility", "source", "source_label", "system_suggested",
               "pushed_by_token_id", "pushed_by_token_name", "created_at", "updated_at"]
)

private func itemSchema(adding flag: String, _ description: String) -> Schema {
    guard case .object(var root) = itemSchema.json, case .object(var properties)? = root["properties"] else { return itemSchema }
    properties[flag] = Schema.boolean(description: description).json
    root["properties"] = .object(properties)
    if case .array(let required)? = root["required"] { root["required"] = .array(required + [.string(flag)]) }
    return Schema(.object(root))
}

private let idInput = Schema.string(description: "A knowledge item id, e.g. \"kn_0123456789abcdef\"", minLength: 1, maxLength: 64)

func tokenActor(_ context: CallContext) -> String {
    let name = context.tokenName.isEmpty ? "?" : context.tokenName
    return context.tokenID.isEmpty ? "token:\(name)" : "token:\(name) (\(context.tokenID))"
}

func maxPendingDrafts(_ configuration: JSONObject) -> Int {
    if let value = configuration["max_pending_drafts"]?.intValue, value > 0, let int = Int(exactly: value) { return int }
    return Limits.defaultMaxPendingDrafts
}

/// The reason a token may not touch `item`, or nil when it may (an external draft).
private func refusal(_ item: KnowledgeItem, action: String) -> String? {
    if item.visibility == .live {
        return "Item \(item.id) is live knowledge: it cannot be \(action) through the Training integration. Only an operator can change or "
            + "withdraw live knowledge (toolhost knowledge hide/delete); push a new draft instead."
    }
    if item.source != .external {
        return "Item \(item.id) was added by an operator, not pushed through the Training integration; it cannot be \(action) here."
    }
    return nil
}

let addTrainingItemTool = Tool(
    name: "add_training_item",
    title: "Suggest a knowledge item",
    description: "Push a new knowledge item. It ALWAYS lands as a draft flagged \"system suggested\" (source: pushed by an external tool) "
        + "in the operator's review queue; the assistant does not use it until an operator promotes it to live. "
        + "Limits: title ≤ \(Limits.title) characters, content ≤ \(Limits.content), summary ≤ \(Limits.summary), category ≤ \(Limits.category); "
        + "the queue of pending external drafts is capped per workspace (default \(Limits.defaultMaxPendingDrafts)).",
    input: .object(
        properties: [
            "title": .string(description: "Short title", minLength: 1, maxLength: Limits.title),
            "content": .string(description: "The knowledge itself", minLength: 1, maxLength: Limits.content),
            "summary": .string(description: "Optional one-paragraph summary", maxLength: Limits.summary),
            "category": .string(description: "Optional category, e.g. \"Billing\"", maxLength: Limits.category),
        ],
        required: ["title", "content"]
    ),
    output: itemSchema,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let args = call.arguments
    let title = try Rules.text(try args.string("title"), "title", max: Limits.title)
    let content = try Rules.text(try args.string("content"), "content", max: Limits.content)
    let summary = try Rules.optionalText(try args.optionalString("summary"), "summary", max: Limits.summary)
    let category = try Rules.category(try args.optionalString("category"))
    let cap = maxPendingDrafts(call.configuration)
    let store = KnowledgeStore(try call.database)
    let context = call.context
    let item = try store.database.transaction {
        let pending = try store.pendingExternalDrafts()
        guard pending < cap else {
            throw ToolError("The review queue already holds \(pending) drafts pushed by external tools, the limit for this workspace "
                + "(\(cap)). Nothing was added. Ask an operator to review the queue (promote, hide or delete drafts) before pushing more.")
        }
        return try store.insert(title: title, content: content, summary: summary, category: category, visibility: .draft,
                                source: .external, systemSuggested: true,
                                tokenID: context.tokenID.isEmpty ? nil : context.tokenID,
                                tokenName: context.tokenName.isEmpty ? nil : context.tokenName,
                                actor: tokenActor(context), now: now(call.nowMilliseconds), requestID: context.requestID)
    }
    call.emit("knowledge.visibility_changed", ["id": .string(item.id), "from": .null, "to": "draft", "source": "external",
                                               "by": .string(tokenActor(context))])
    return .structured(item.json, text: "Added draft \(item.id) \"\(item.title)\" to the review queue. It is not used by the assistant "
        + "until an operator promotes it to live.")
}

let updateTrainingItemTool = Tool(
    name: "update_training_item",
    title: "Edit a suggested draft",
    description: "Edit a draft that was pushed through this Training integration (source external) while it awaits review. "
        + "Give the id and any of title, content, summary, category (an empty summary/category clears it). "
        + "Live items and archived (hidden) items are refused: live knowledge is changed only by an operator.",
    input: .object(
        properties: [
            "id": idInput,
            "title": .string(description: "New title", minLength: 1, maxLength: Limits.title),
            "content": .string(description: "New content", minLength: 1, maxLength: Limits.content),
            "summary": .string(description: "New summary (empty string clears it)", maxLength: Limits.summary),
            "category": .string(description: "New category (empty string clears it)", maxLength: Limits.category),
        ],
        required: ["id"]
    ),
    output: itemSchema,
    annotations: [.notReadOnly, .destructive, .idempotent, .closedWorld]
) { call in
    let args = call.arguments
    let id = try Rules.id(try args.string("id"))
    let title = try args.optionalString("title").map { value throws(ToolError) in try Rules.text(value, "title", max: Limits.title) }
    let content = try args.optionalString("content").map { value throws(ToolError) in try Rules.text(value, "content", max: Limits.content) }
    let summaryGiven = args.has("summary")
    let summary = try Rules.optionalText(try args.optionalString("summary"), "summary", max: Limits.summary)
    let categoryGiven = args.has("category")
    let category = try Rules.category(try args.optionalString("category"))
    guard title != nil || content != nil || summaryGiven || categoryGiven else {
        throw ToolError("Nothing to change: give at least one of title, content, summary, category")
    }
    let store = KnowledgeStore(try call.database)
    let item = try store.database.transaction {
        guard var item = try store.find(id) else { throw ToolError("No knowledge item \(id)") }
        if let reason = refusal(item, action: "edited") { throw ToolError(reason) }
        if item.visibility == .hidden {
            throw ToolError("Item \(id) is archived (hidden); archived drafts cannot be edited. Push a new draft instead.")
        }
        if let title { item.title = title }
        if let content { item.content = content }
        if summaryGiven { item.summary = summary }
        if categoryGiven { item.category = category }
        try store.updateContent(item, now: now(call.nowMilliseconds))
        return try store.find(id) ?? item
    }
    call.emit("training.item_updated", ["id": .string(item.id), "by": .string(tokenActor(call.context))])
    return .structured(item.json, text: "Updated draft \(item.id) \"\(item.title)\" (still a draft awaiting review).")
}

let archiveTrainingItemTool = Tool(
    name: "archive_training_item",
    title: "Withdraw a suggested draft",
    description: "Pull a draft pushed through this Training integration out of the review queue: it becomes hidden (archived), "
        + "which keeps an audit trail; an operator can still restore it. Archiving an already archived draft changes nothing. "
        + "LIVE items are refused: taking live knowledge out of rotation changes what the assistant says, and that is an "
        + "operator decision (toolhost knowledge hide).",
    input: .object(properties: ["id": idInput], required: ["id"]),
    output: itemSchema(adding: "already_archived", "True when the item was already hidden (nothing changed)"),
    annotations: [.notReadOnly, .notDestructive, .idempotent, .closedWorld]
) { call in
    let id = try Rules.id(try call.arguments.string("id"))
    let store = KnowledgeStore(try call.database)
    let actor = tokenActor(call.context)
    let (item, already) = try store.database.transaction {
        guard let item = try store.find(id) else { throw ToolError("No knowledge item \(id)") }
        if let reason = refusal(item, action: "archived") { throw ToolError(reason) }
        if item.visibility == .hidden { return (item, true) }
        try store.setVisibility(id, from: item.visibility, to: .hidden, actor: actor, now: now(call.nowMilliseconds),
                                requestID: call.context.requestID)
        return (try store.find(id) ?? item, false)
    }
    if !already {
        call.emit("knowledge.visibility_changed", ["id": .string(id), "from": "draft", "to": "hidden", "by": .string(actor)])
    }
    guard case .object(var json) = item.json else { return .structured(item.json) }
    json["already_archived"] = .bool(already)
    return .structured(.object(json), text: already ? "Draft \(id) was already archived." : "Archived draft \(id); it left the review queue.")
}

let listTrainingDraftsTool = Tool(
    name: "list_training_drafts",
    title: "List the review queue",
    description: "The drafts pushed by external tools that await operator review, oldest first (content shortened to a preview). "
        + "Pass next_cursor back as cursor for more.",
    input: .object(
        properties: [
            "limit": .integer(description: "Items per page, 1–50 (default 20)", minimum: 1, maximum: 50),
            "cursor": .string(description: "next_cursor of the previous page", maxLength: 200),
        ]
    ),
    output: .object(
        properties: [
            "drafts": .array(of: .object(
                properties: [
                    "id": .string(), "title": .string(), "content_preview": .string(), "summary": Schema.string().orNull,
                    "category": Schema.string().orNull, "visibility": .string(), "source": .string(), "source_label": .string(),
                    "system_suggested": .boolean(), "pushed_by_token_id": Schema.string().orNull,
                    "pushed_by_token_name": Schema.string().orNull, "created_at": .string(), "updated_at": .string(),
                ],
                required: ["id", "title", "content_preview", "visibility", "source", "system_suggested", "created_at"],
                additionalProperties: false)),
            "pending": .integer(description: "Drafts pushed by external tools awaiting review", minimum: 0),
            "max_pending": .integer(description: "The cap on pending external drafts for this workspace", minimum: 1),
            "next_cursor": Schema.string().orNull,
        ],
        required: ["drafts", "pending", "max_pending", "next_cursor"]
    ),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let args = call.arguments
    let limit = try args.optionalInt("limit") ?? 20
    guard (1...50).contains(limit) else { throw ToolError("\"limit\" must be between 1 and 50") }
    var after: Int64 = 0
    if let cursor = try args.optionalString("cursor") {
        guard let text = PageCursor.decode(cursor), text.hasPrefix("d1:"), let seq = Int64(text.dropFirst(3)), seq >= 0 else {
            throw ToolError("\"cursor\" is not a cursor of this list; pass next_cursor from the previous page unchanged")
        }
        after = seq
    }
    let store = KnowledgeStore(try call.database)
    let items = try store.list(visibility: .draft, source: .external, afterSeq: after, limit: limit + 1)
    let page = items.prefix(limit)
    let next: JSONValue = items.count > limit ? .string(PageCursor.encode("d1:\(page.last!.seq)")) : .null
    let pending = try store.pendingExternalDrafts()
    let json: JSONValue = [
        "drafts": .array(page.map(\.summaryJSON)),
        "pending": .int(Int64(pending)),
        "max_pending": .int(Int64(maxPendingDrafts(call.configuration))),
        "next_cursor": next,
    ]
    let text = page.isEmpty ? "The review queue is empty (\(pending) pending)."
        : page.map { "\($0.id)  \($0.title)\($0.category.map { "  (\($0))" } ?? "")" }.joined(separator: "\n") + "\n\(pending) pending review."
    return .structured(json, text: text)
}
