import Foundation
import ToolsetKit

// `toolhost knowledge …`: the operator's review workflow (ABI 1.1 operator commands). These are the only
// ways an item becomes live, leaves the live set, or disappears. Every visibility change is written to
// knowledge_item_history and reported to the host as a `knowledge.visibility_changed` audit event.

let knowledgeOperatorCommands: [OperatorCommand] = [
    OperatorCommand(group: "knowledge", name: "list",
                    summary: "List items [--visibility draft|live|hidden] [--source external|manual] [--json]") { ctx, args in
        try args.allowOnly(["visibility", "source", "limit"])
        var visibility: Visibility?
        if let given = try args.option("visibility") {
            guard let value = Visibility(rawValue: given) else { throw ToolError("--visibility must be draft, live or hidden") }
            visibility = value
        }
        var source: Source?
        if let given = try args.option("source") {
            guard let value = Source(rawValue: given) else { throw ToolError("--source must be external or manual") }
            source = value
        }
        var limit = 1000
        if let given = try args.option("limit") {
            guard let value = Int(given), value > 0 else { throw ToolError("--limit must be a positive number") }
            limit = value
        }
        let items = try KnowledgeStore(try ctx.database).list(visibility: visibility, source: source, limit: limit)
        return .ok(text: table(items), data: .array(items.map(\.summaryJSON)))
    },
    OperatorCommand(group: "knowledge", name: "show", summary: "Show one item in full, with its visibility history: ID") { ctx, args in
        try args.allowOnly([])
        let store = KnowledgeStore(try ctx.database)
        let item = try existing(store, try args.positional(0, "ID"))
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
    OperatorCommand(group: "knowledge", name: "promote", summary: "Make a draft (or hidden item) live: ID") { ctx, args in
        try change(ctx, args, to: .live, verb: "Promoted", allowedFrom: [.draft, .hidden])
    },
    OperatorCommand(group: "knowledge", name: "hide", summary: "Take an item out of rotation, keeping it and its history: ID") { ctx, args in
        try change(ctx, args, to: .hidden, verb: "Hid", allowedFrom: [.draft, .live])
    },
    OperatorCommand(group: "knowledge", name: "delete", summary: "Remove an item entirely (its history stays): ID") { ctx, args in
        try args.allowOnly([])
        let store = KnowledgeStore(try ctx.database)
        let id = try args.positional(0, "ID")
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
    OperatorCommand(group: "knowledge", name: "add",
                    summary: "Add a live item by hand: --title … --content … [--summary …] [--category …]") { ctx, args in
        try args.allowOnly(["title", "content", "summary", "category"])
        func required(_ name: String) throws(ToolError) -> String {
            guard let value = try args.option(name) else { throw ToolError("--\(name) is required") }
            return value
        }
        let title = try Rules.text(try required("title"), "title", max: Limits.title)
        let content = try Rules.text(try required("content"), "content", max: Limits.content)
        let summary = try Rules.optionalText(try args.option("summary"), "summary", max: Limits.summary)
        let category = try Rules.category(try args.option("category"))
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
    try args.allowOnly([])
    let store = KnowledgeStore(try ctx.database)
    let id = try args.positional(0, "ID")
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
    var widths = header.map(\.count)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}
