import JSON
import ToolsetKit

// list_cards, get_card (read) and add_card, the one write. No tool moves, edits, archives or deletes
// a card: those are the team's (Operator/CardCommands.swift). Archived cards are invisible here.

let listCardsTool = Tool(
    name: "list_cards",
    title: "List cards",
    description: "Cards on the boards, in the order they were added (oldest first; each card's column and position tell its "
        + "place on the board). Filters add up: project, column (needs project), label, assignee (\"none\" for unassigned), "
        + "due_before (a date or an RFC 3339 time; a date means that day's start in UTC; cards without a due date never match) "
        + "and query (words that must all appear in the title or description). Pass next_cursor back as cursor, with the same "
        + "filters, for the next page; it is null on the last page.",
    input: .object(properties: [
        "project": Schemas.projectName,
        "column": Schemas.columnName,
        "label": .string(description: "Only cards with this label (any case)", minLength: 1, maxLength: Limits.label),
        "assignee": .string(description: "Only cards assigned to this person (any case); \"none\" for unassigned", minLength: 1,
                            maxLength: Limits.assignee),
        "due_before": .string(description: "Only cards due before this date (2026-12-24) or time (2026-12-24T17:00:00Z)", maxLength: 40),
        "query": .string(description: "Search words (all must match the title or description)", maxLength: Limits.query),
        "limit": Schemas.limit,
        "cursor": Schemas.cursor,
    ]),
    output: .object(properties: ["cards": .array(of: Schemas.cardSummary), "next_cursor": Schemas.nextCursor],
                    required: ["cards", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let kanban = try KanbanCall(call)
    let args = call.arguments
    let store = kanban.store
    var filter = CardFilter()
    if let name = try args.optionalString("project") {
        let project = try store.existingProject(name)
        filter.projectID = project.id
        if let column = try args.optionalString("column") { filter.columnID = try store.column(column, in: project).id }
    } else if args.has("column") {
        throw ToolError("\"column\" needs \"project\" too: column names belong to a project (list_projects shows them)")
    }
    filter.label = try TextRules.optional(try args.optionalString("label"), "label", max: Limits.label)
    filter.assignee = try TextRules.optional(try args.optionalString("assignee"), "assignee", max: Limits.assignee)
        .map { $0.lowercased() == "none" ? "" : $0 }
    filter.dueBeforeMs = try args.optionalString("due_before").map { text throws(ToolError) in try Rules.due(text, "due_before").ms }
    filter.query = try TextRules.optional(try args.optionalString("query"), "query", max: Limits.query)
    let limit = try kanban.limit()
    let after = try kanban.cursor(.cards, filters: filter.fingerprint)
    let rows = try store.cards(filter, after: after, limit: limit + 1)
    let page = Array(rows.prefix(limit))
    let next = kanban.nextCursor(.cards, filters: filter.fingerprint, position: rows.count > limit ? page.last?.seq : nil)
    let text = page.isEmpty ? "No cards match." : page.map(\.line).joined(separator: "\n")
    return .structured(["cards": .array(page.map { $0.json(withDescription: false) }), "next_cursor": next], text: text)
}

let getCardTool = Tool(
    name: "get_card",
    title: "Read a card",
    description: "One card in full: title, description, column and position, labels, assignee, due date, who added it and when.",
    input: .object(properties: ["card_id": Schemas.cardID], required: ["card_id"]),
    output: Schemas.card,
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let kanban = try KanbanCall(call)
    let card = try kanban.store.existingCard(try call.arguments.string("card_id"), includeArchived: false)
    var text = card.line
    if card.tokenID == kanban.tokenID { text += "\n(\(addedByExternalTool): this token, \(card.tokenName))" }
    else { text += "\n(\(addedByExternalTool): \(card.tokenName), \(card.tokenID))" }
    if let description = card.description { text += "\n\n" + description }
    return .structured(card.json(withDescription: true), text: text)
}

let addCardTool = Tool(
    name: "add_card",
    title: "Add a card",
    description: "Add a card to a column of a project. It goes to the end of the column unless position is given (1 is the top; "
        + "the cards from there on move down one). The card is marked \"\(addedByExternalTool)\" with this token's name and id. "
        + "Limits: title ≤ \(Limits.title) characters, description ≤ \(Limits.description), up to \(Limits.labels) labels of ≤ "
        + "\(Limits.label). Cards cannot be moved, edited or removed through this toolset; the team does that.",
    input: .object(properties: [
        "project": Schemas.projectName,
        "column": Schemas.columnName,
        "title": .string(description: "What the card is about", minLength: 1, maxLength: Limits.title),
        "description": .string(description: "Details", maxLength: Limits.description),
        "labels": .array(of: .string(minLength: 1, maxLength: Limits.label), description: "Labels, e.g. [\"bug\", \"frontend\"]",
                         maxItems: Limits.labels),
        "assignee": .string(description: "Who should do it", maxLength: Limits.assignee),
        "due": .string(description: "Due date (2026-12-24) or time (2026-12-24T17:00:00Z)", maxLength: 40),
        "position": .integer(description: "Place in the column, 1 = top (default: the end)", minimum: 1),
    ], required: ["project", "column", "title"]),
    output: Schemas.card,
    annotations: [.notReadOnly, .notDestructive, .notIdempotent, .closedWorld]
) { call in
    let kanban = try KanbanCall(call)
    let args = call.arguments
    let labels = try Rules.labels(try (args.optionalArray("labels") ?? []).map { value throws(ToolError) in
        guard let text = value.stringValue else { throw ToolError("\"labels\" must be an array of strings") }
        return text
    })
    let draft = CardDraft(
        title: try Rules.text(try args.string("title"), "title", max: Limits.title),
        description: try TextRules.optional(try args.optionalString("description"), "description", max: Limits.description),
        labels: labels,
        assignee: try TextRules.optional(try args.optionalString("assignee"), "assignee", max: Limits.assignee),
        due: try args.optionalString("due").map { text throws(ToolError) in try Rules.due(text, "due") })
    let position = try args.optionalInt("position")
    let store = kanban.store
    let card = try store.write {
        let project = try store.existingProject(try args.string("project"))
        let column = try store.column(try args.string("column"), in: project)
        return try store.insertCard(draft, into: column, of: project, at: position, tokenID: kanban.tokenID, tokenName: kanban.tokenName)
    }
    call.emit(AuditKind.cardAdded.rawValue, ["card_id": .string(card.id), "project": .string(card.projectSlug),
                                             "column": .string(card.columnName), "title": .string(preview(card.title))])
    return .structured(card.json(withDescription: true),
                       text: "Added \(card.id) to \(card.projectSlug) / \(card.columnName) at position \(card.position ?? 0).")
}
