import Foundation
import ToolsetKit

// `toolhost knowledge …`: the operator's review workflow, as console-ready operator commands (ABI 1.2,
// header section 7a): each declares its arguments as a schema (the host builds the command line from it
// and validates it), and `list` is a table whose rows offer promote, hide and delete. These are the only
// ways an item becomes live, leaves the live set, or disappears. Every visibility change is written to
// knowledge_item_history and reported to the host as a `knowledge.visibility_changed` audit event.
// They belong to the knowledge toolset: while it is disabled for a tenant the host refuses them there.

/// The input of the commands that act on one item: `toolhost knowledge promote --tenant T ID`.
private let oneItem = Schema.object(properties: ["id": .string(description: "the item's id (kn_…)", minLength: 1)],
                                    required: ["id"]).positional("id")

/// What `list` returns per item, as far as a console's table relies on it.
private let itemSummary = Schema.object(properties: [
    "id": .string(), "title": .string(), "visibility": .string(enum: ["draft", "live", "hidden"]),
    "source": .string(enum: ["external", "manual"]), "category": .string().orNull, "updated_at": .string(),
], required: ["id", "title", "visibility", "source"], additionalProperties: true)

/// What promote and hide return.
private let visibilityChange = Schema.object(properties: [
    "id": .string(), "visibility": .string(enum: ["draft", "live", "hidden"]), "changed": .boolean(),
    "from": .string(enum: ["draft", "live", "hidden"]),
], required: ["id", "visibility", "changed"])

let knowledgeOperatorCommands: [OperatorCommand] = [
    OperatorCommand(group: "knowledge", name: "list", title: "Knowledge items",
                    summary: "List items, optionally only those of one visibility or source",
                    description: "The review queue: drafts pushed by external tools wait here until an operator promotes them.",
                    input: .object(properties: [
                        "visibility": .string(description: "only items with this visibility", enum: ["draft", "live", "hidden"]),
                        "source": .string(description: "only items from this source", enum: ["external", "manual"]),
                        "limit": .integer(description: "at most this many items (default 1000)", minimum: 1),
                    ]),
                    output: .array(of: itemSummary),
                    view: .table(rows: "", columns: [
                        .init("id", "ID"), .init("visibility", "Visibility"), .init("source_label", "Source"),
                        .init("category", "Category"), .init("updated_at", "Updated"), .init("title", "Title"),
                    ], rowActions: [
                        .init("promote", label: "Promote", args: ["id": "{id}"]),
                        .init("hide", label: "Hide", args: ["id": "{id}"]),
                        .init("delete", label: "Delete", args: ["id": "{id}"]),
                    ]),
                    annotations: [.readOnly], toolset: "knowledge", role: .viewer) { ctx, args in
        let visibility = try args.values.optionalString("visibility").flatMap(Visibility.init(rawValue:))
        let source = try args.values.optionalString("source").flatMap(Source.init(rawValue:))
        let limit = try args.values.optionalInt("limit") ?? 1000
        let items = try KnowledgeStore(try ctx.database).list(visibility: visibility, source: source, limit: limit)
        return .ok(text: table(items), data: .array(items.map(\.summaryJSON)))
    },
    OperatorCommand(group: "knowledge", name: "show", title: "Knowledge item",
                    summary: "Show one item in full, with its visibility history: ID", input: oneItem,
                    output: .object(properties: ["id": .string(), "history": .array(of: .object(additionalProperties: true))],
                                    required: ["id", "history"], additionalProperties: true),
                    view: .record, annotations: [.readOnly], toolset: "knowledge", role: .viewer) { ctx, args in
        let store = KnowledgeStore(try ctx.database)
        let item = try existing(store, try args.values.string("id"))
        let history = try store.history(item.id)
        var lines = [
            "\(item.id)  \(item.title)",
            "visibility: \(item.visibility.rawValue)",
            "source:     \(item.source.label)\(item.source == .external ? "  ⚠ EXTERNAL TOOL — review carefully before promoting to live" : "")",
        ]
        if item.systemSuggested { lines.append("flag:       system suggested") }
        if let name = item.pushedByTokenName ?? item.pushedByTokenID {
            lines.append("pushed by:  token \(name)\(item.pushedByTokenID.map { item.pushedByTokenName != nil ? " (\($0))" : "" } ?? "")")
        }
        lines.append("category:   \(item.category ?? "-")")
        lines.append("created:    \(item.createdAt)   updated: \(item.updatedAt)")
        if let summary = item.summary { lines.append("\nSummary:\n\(summary)") }
        lines.append("\nContent:\n\(item.content)")
        lines.append("\nHistory:")
        for entry in history { lines.append("  \(entry.at)  \(entry.from ?? "(new)") → \(entry.to)  by \(entry.actor)") }
        guard case .object(var json) = item.json else { return .ok(text: lines.joined(separator: "\n")) }
        json["history"] = .array(history.map(\.json))
        return .ok(text: lines.joined(separator: "\n"), data: .object(json))
    },
    OperatorCommand(group: "knowledge", name: "promote", title: "Promote item", summary: "Make a draft (or hidden item) live: ID",
                    description: "Live items are what search_knowledge finds. Review an external tool's draft before promoting it.",
                    input: oneItem, output: visibilityChange, view: .record, annotations: [.idempotent, .notDestructive],
                    toolset: "knowledge", role: .admin) { ctx, args in
        try change(ctx, args, to: .live, verb: "Promoted", allowedFrom: [.draft, .hidden])
    },
    OperatorCommand(group: "knowledge", name: "hide", title: "Hide item", summary: "Take an item out of rotation, keeping it and its history: ID",
                    input: oneItem, output: visibilityChange, view: .record, annotations: [.idempotent, .notDestructive],
                    toolset: "knowledge", role: .admin) { ctx, args in
        try change(ctx, args, to: .hidden, verb: "Hid", allowedFrom: [.draft, .live])
    },
    OperatorCommand(group: "knowledge", name: "delete", title: "Delete item", summary: "Remove an item entirely (its history stays): ID",
                    input: oneItem,
                    output: .object(properties: ["id": .string(), "deleted": .boolean(), "was": .string()], required: ["id", "deleted"]),
                    view: .record, annotations: [.destructive], toolset: "knowledge", role: .admin) { ctx, args in
        let store = KnowledgeStore(try ctx.database)
        let id = try args.values.string("id")
        let item = try store.database.transaction {
            let item = try existing(store, id)
            try store.delete(item, actor: ctx.operatorName, now: now(ctx.nowMilliseconds), requestID: ctx.requestID)
            return item
        }
        ctx.emit("knowledge.visibility_changed", ["id": .string(item.id), "from": .string(item.visibility.rawValue), "to": "deleted",
                                                  "by": .string(ctx.operatorName)])
        return .ok(text: "Deleted \(item.id) \"\(item.title)\" (was \(item.visibility.rawValue)).",
                   data: ["id": .string(item.id), "deleted": true, "was": .string(item.visibility.rawValue)])
    },
    OperatorCommand(group: "knowledge", name: "add", title: "Add item",
                    summary: "Add a live item by hand",
                    input: .object(properties: [
                        "title": .string(description: "what the item is about"),
                        "content": .string(description: "the text search_knowledge returns"),
                        "summary": .string(description: "a short summary"),
                        "category": .string(description: "a category such as Billing"),
                    ], required: ["title", "content"]),
                    output: .object(properties: ["id": .string(), "visibility": .string()], required: ["id"], additionalProperties: true),
                    view: .record, annotations: [.notReadOnly, .notDestructive], toolset: "knowledge", role: .admin) { ctx, args in
        let title = try Rules.text(try args.values.string("title"), "title", max: Limits.title)
        let content = try Rules.text(try args.values.string("content"), "content", max: Limits.content)
        let summary = try Rules.optionalText(try args.values.optionalString("summary"), "summary", max: Limits.summary)
        let category = try Rules.category(try args.values.optionalString("category"))
        let store = KnowledgeStore(try ctx.database)
        let item = try store.database.transaction {
            try store.insert(title: title, content: content, summary: summary, category: category, visibility: .live, source: .manual,
                             systemSuggested: false, tokenID: nil, tokenName: nil, actor: ctx.operatorName,
                             now: now(ctx.nowMilliseconds), requestID: ctx.requestID)
        }
        ctx.emit("knowledge.visibility_changed", ["id": .string(item.id), "from": .null, "to": "live", "source": "manual",
                                                  "by": .string(ctx.operatorName)])
        return .ok(text: "Added live item \(item.id) \"\(item.title)\".", data: item.json)
    },
]

private func existing(_ store: KnowledgeStore, _ id: String) throws -> KnowledgeItem {
    guard let item = try store.find(id) else { throw ToolError("no knowledge item \(id)") }
    return item
}

private func change(_ ctx: OperatorContext, _ args: OperatorArguments, to target: Visibility, verb: String,
                    allowedFrom: Set<Visibility>) throws -> OperatorResult {
    let store = KnowledgeStore(try ctx.database)
    let id = try args.values.string("id")
    let (item, from) = try store.database.transaction {
        let item = try existing(store, id)
        if item.visibility == target { return (item, nil as Visibility?) }
        guard allowedFrom.contains(item.visibility) else {
            throw ToolError("\(id) is \(item.visibility.rawValue); it cannot become \(target.rawValue) this way")
        }
        try store.setVisibility(id, from: item.visibility, to: target, actor: ctx.operatorName, now: now(ctx.nowMilliseconds),
                                requestID: ctx.requestID)
        return (try store.find(id) ?? item, item.visibility)
    }
    guard let from else {
        return .ok(text: "\(id) is already \(target.rawValue); nothing changed.", data: ["id": .string(id), "visibility": .string(target.rawValue), "changed": false])
    }
    ctx.emit("knowledge.visibility_changed", ["id": .string(id), "from": .string(from.rawValue), "to": .string(target.rawValue),
                                              "source": .string(item.source.rawValue), "by": .string(ctx.operatorName)])
    return .ok(text: "\(verb) \(id) \"\(item.title)\": \(from.rawValue) → \(target.rawValue).",
               data: ["id": .string(id), "from": .string(from.rawValue), "visibility": .string(target.rawValue), "changed": true])
}

private func table(_ items: [KnowledgeItem]) -> String {
    guard !items.isEmpty else { return "No knowledge items match." }
    let header = ["ID", "VISIBILITY", "SOURCE", "CATEGORY", "UPDATED", "TITLE"]
    let rows = items.map { item in
        [item.id, item.visibility.rawValue, item.source == .external ? "external tool ⚠" : "manual", item.category ?? "-",
         item.updatedAt, item.title.count > 60 ? String(item.title.prefix(59)) + "…" : item.title]
    }
    return textTable(header, rows)
}
