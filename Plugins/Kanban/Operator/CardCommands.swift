import JSON
import ToolsetKit

// What humans do to cards: list them (archived ones too, flagged), move, edit, archive. Agents
// can do none of these. Each change is an audit event naming the operator.

/// A card as humans see it: archived ones too, which have no position.
private let operatorCard = Schemas.card
    .setting("position", Schema.integer(description: "1 is the top of the column; null once archived", minimum: 1).orNull)
    .adding("archived", .boolean()).adding("archived_at", Schema.string(format: "date-time").orNull)

/// The operand every card command starts with: `toolhost kanban archive --tenant T CARD_ID`.
private let cardIDOperand = Schema.string(description: "the card's id (card_…)", minLength: 1, maxLength: 64)

let cardsCommand = OperatorCommand(
    group: "kanban", name: "cards", title: "Cards",
    summary: "List cards, archived ones included and flagged: [--project P] [--column C] [--active]",
    description: "In the order they were added; agents see the same cards except the archived ones.",
    input: .object(properties: [
        "project": .string(description: "only this project (id or name)", minLength: 1, maxLength: Limits.projectName),
        "column": .string(description: "only this column (needs --project)", minLength: 1, maxLength: Limits.columnName),
        "active": .boolean(description: "leave archived cards out"),
        "limit": .integer(description: "at most this many cards (default \(Limits.operatorListDefault))", minimum: 1,
                          maximum: Limits.operatorListMax),
    ]),
    output: .object(properties: ["cards": .array(of: operatorCard)], required: ["cards"]),
    view: .table(rows: "/cards", columns: [
        .init("id", "Card"), .init("project", "Project"), .init("column", "Column"), .init("position", "#"), .init("title", "Title"),
        .init("assignee", "Assignee"), .init("due", "Due"), .init("archived", "Archived"),
    ], rowActions: [.init("archive", label: "Archive", args: ["id": "{id}"])]),
    annotations: [.readOnly], toolset: "kanban", role: .viewer
) { ctx, args in
    let store = try HumanCall(ctx).store
    let values = args.values
    var filter = CardFilter()
    filter.includeArchived = !(try values.optionalBool("active") ?? false)
    if let name = try values.optionalString("project") {
        let project = try store.existingProject(name)
        filter.projectID = project.id
        if let column = try values.optionalString("column") { filter.columnID = try store.column(column, in: project).id }
    } else if values.has("column") {
        throw ToolError("--column needs --project too")
    }
    let cards = try store.cards(filter, after: nil, limit: try values.optionalInt("limit") ?? Limits.operatorListDefault)
    let text = cards.isEmpty ? "No cards match." : textTable(
        ["CARD", "PROJECT", "COLUMN", "#", "ADDED BY", "DUE", "TITLE"],
        cards.map { card in
            [card.id, card.projectSlug, card.columnName, card.position.map(String.init) ?? "archived",
             "external tool: \(card.tokenName)", card.due?.text ?? "-", preview(card.title)]
        })
    return .ok(text: text, data: ["cards": .array(cards.map(\.operatorJSON))])
}

private let changeOutput = Schema.object(properties: ["card": operatorCard, "changed": .array(of: .string())],
                                         required: ["card", "changed"])

let moveCommand = OperatorCommand(
    group: "kanban", name: "move", title: "Move card",
    summary: "Move a card to a column of its project: CARD_ID --column C [--position N]",
    description: "Position 1 is the top; without --position the card goes to the end of the column. Cards around it shift.",
    input: Schema.object(properties: [
        "id": cardIDOperand,
        "column": .string(description: "the column to move to", minLength: 1, maxLength: Limits.columnName),
        "position": .integer(description: "place in the column, 1 = top (default: the end)", minimum: 1),
    ], required: ["id", "column"]).positional("id"),
    output: changeOutput, view: .record, annotations: [.notDestructive], toolset: "kanban", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    let store = human.store
    let values = args.values
    let (before, after) = try human.write {
        let card = try store.existingCard(try values.string("id"), includeArchived: true)
        let project = try store.existingProject(card.projectSlug)
        let column = try store.column(try values.string("column"), in: project)
        return (card, try store.move(card, to: column, at: try values.optionalInt("position")))
    }
    human.audit(.cardMoved, [
        "card_id": .string(after.id), "project": .string(after.projectSlug),
        "from": ["column": .string(before.columnName), "position": before.position.map { .int(Int64($0)) } ?? .null],
        "to": ["column": .string(after.columnName), "position": after.position.map { .int(Int64($0)) } ?? .null],
    ])
    return .ok(text: "Moved \(after.id) to \(after.columnName)\(after.position.map { " at position \($0)" } ?? " (archived)").",
               data: ["card": after.operatorJSON, "changed": ["column", "position"]])
}

let editCommand = OperatorCommand(
    group: "kanban", name: "edit", title: "Edit card",
    summary: "Change a card: CARD_ID [--title T] [--description D] [--assignee A] [--due DATE] [--labels a,b]",
    description: "An empty value clears description, assignee, due date or labels. The card keeps who added it.",
    input: Schema.object(properties: [
        "id": cardIDOperand,
        "title": .string(description: "the new title", minLength: 1, maxLength: Limits.title),
        "description": .string(description: "the new description (\"\" clears)", maxLength: Limits.description),
        "assignee": .string(description: "who should do it (\"\" clears)", maxLength: Limits.assignee),
        "due": .string(description: "due date 2026-12-24 or time 2026-12-24T17:00:00Z (\"\" clears)", maxLength: 40),
        "labels": .string(description: "comma-separated labels, replacing the card's (\"\" clears)",
                          maxLength: Limits.labels * (Limits.label + 1)),
    ], required: ["id"]).positional("id"),
    output: changeOutput, view: .record, annotations: [.notDestructive, .idempotent], toolset: "kanban", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    let store = human.store
    let values = args.values
    guard CardField.allCases.contains(where: { values.has($0.rawValue) }) else {
        throw ToolError("nothing to change: give at least one of \(CardField.names.map { "--\($0)" }.joined(separator: ", "))")
    }
    let title = try values.optionalString("title").map { text throws(ToolError) in try Rules.text(text, "title", max: Limits.title) }
    let description = try TextRules.optional(try values.optionalString("description"), "description", max: Limits.description)
    let assignee = try TextRules.optional(try values.optionalString("assignee"), "assignee", max: Limits.assignee)
    let due = try TextRules.optional(try values.optionalString("due"), "due", max: 40).map { text throws(ToolError) in try Rules.due(text, "due") }
    let labels = try values.optionalString("labels").map { text throws(ToolError) in try Rules.labelList(text) }
    let (card, changed) = try human.write {
        let card = try store.existingCard(try values.string("id"), includeArchived: true)
        let draft = CardDraft(title: title ?? card.title,
                              description: values.has("description") ? description : card.description,
                              labels: labels ?? card.labels,
                              assignee: values.has("assignee") ? assignee : card.assignee,
                              due: values.has("due") ? due : card.due)
        let changed = try store.edit(card, to: draft)
        return (try store.existingCard(card.id, includeArchived: true), changed)
    }
    if !changed.isEmpty {
        human.audit(.cardEdited, ["card_id": .string(card.id), "project": .string(card.projectSlug),
                                  "fields": .array(changed.map { .string($0.rawValue) })])
    }
    return .ok(text: changed.isEmpty ? "Nothing changed for \(card.id)." : "Edited \(card.id): \(changed.map(\.rawValue).joined(separator: ", ")).",
               data: ["card": card.operatorJSON, "changed": .array(changed.map { .string($0.rawValue) })])
}

let archiveCommand = OperatorCommand(
    group: "kanban", name: "archive", title: "Archive card",
    summary: "Take a card off the board (agents stop seeing it; kanban cards still lists it): CARD_ID",
    input: Schema.object(properties: ["id": cardIDOperand], required: ["id"]).positional("id"), output: changeOutput, view: .record, annotations: [.notDestructive, .idempotent], toolset: "kanban", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    let store = human.store
    let (before, after) = try human.write {
        let card = try store.existingCard(try args.values.string("id"), includeArchived: true)
        try store.archive(card)
        return (card, try store.existingCard(card.id, includeArchived: true))
    }
    guard !before.isArchived else {
        return .ok(text: "\(after.id) was already archived; nothing changed.", data: ["card": after.operatorJSON, "changed": []])
    }
    human.audit(.cardArchived, ["card_id": .string(after.id), "project": .string(after.projectSlug), "column": .string(after.columnName),
                                "title": .string(preview(after.title))])
    return .ok(text: "Archived \(after.id) \"\(preview(after.title))\".", data: ["card": after.operatorJSON, "changed": ["archived"]])
}

let kanbanOperatorCommands: [OperatorCommand] = [
    projectCommand, columnCommand, cardsCommand, moveCommand, editCommand, archiveCommand,
]
