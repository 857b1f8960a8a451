import JSON
import ToolsetKit

// `toolhost kanban project create|list` and `toolhost kanban column add|rename|remove`: setting up
// boards. Agents only read what these make.

private let defaultColumns = ["To do", "Doing", "Done"]

private let boardsOutput = Schema.object(properties: [
    "projects": .array(of: Schemas.project), "created": Schemas.project,
], required: ["projects"])

let projectCommand = OperatorCommand(
    group: "kanban", name: "project", title: "Projects",
    summary: "create NAME [--columns \"To do,Doing,Done\"] | list; create prints the project's id",
    description: "A project's id is made from its name (\"Website relaunch\" → website-relaunch); tools take it as `project`. "
        + "Columns default to \(defaultColumns.joined(separator: ", ")).",
    input: .object(properties: [
        "action": .string(description: "create or list", enum: ProjectAction.names),
        "name": .string(description: "the project's name (create)", minLength: 1, maxLength: Limits.projectName),
        "columns": .string(description: "comma-separated column names, left to right (create; default \"\(defaultColumns.joined(separator: ","))\")",
                           maxLength: Limits.columnsPerProject * (Limits.columnName + 1)),
    ], required: ["action"]).positional("action", "name"),
    output: boardsOutput,
    view: .table(rows: "/projects", columns: [
        .init("id", "Project"), .init("name", "Name"), .init("card_count", "Cards"), .init("created_at", "Created"),
    ], rowActions: [.init("cards", label: "Cards", args: ["project": "{id}"])]),
    annotations: [.notDestructive], toolset: "kanban", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    let store = human.store
    switch ProjectAction(rawValue: try args.values.string("action")) ?? .list {
    case .create:
        guard let given = try args.values.optionalString("name") else { throw ToolError("project create needs a NAME, e.g. \"Website relaunch\"") }
        let name = try Rules.text(given, "name", max: Limits.projectName)
        let slug = try Rules.slug(fromName: name)
        let columns = try columnList(try args.values.optionalString("columns"))
        let board = try human.write {
            if let existing = try store.project(named: slug), existing.slug == slug { throw ToolError("project \"\(slug)\" already exists") }
            return try store.board(try store.createProject(slug: slug, name: name, columns: columns))
        }
        human.audit(.projectCreated, ["project": .string(slug), "name": .string(name), "columns": .array(columns.map(JSONValue.string))])
        // The id alone on stdout, so scripts can write PROJECT=$(toolhost kanban project create …).
        return .ok(text: slug, data: ["created": board.json, "projects": [board.json]])
    case .list:
        let boards = try store.database.readSnapshot { try store.projects().map { try store.board($0) } }
        let text = boards.isEmpty ? "No projects yet; create one with toolhost kanban project create --tenant T NAME"
            : textTable(["PROJECT", "CARDS", "NAME", "COLUMNS"], boards.map { board in
                [board.project.slug, String(board.cardCount), board.project.name,
                 board.columns.map { "\($0.name) (\($0.cardCount))" }.joined(separator: ", ")]
            })
        return .ok(text: text, data: ["projects": .array(boards.map(\.json))])
    }
}

/// `--columns "To do,Doing,Done"`: trimmed names, none blank or repeated (any case), 1–20 of them.
private func columnList(_ value: String?) throws(ToolError) -> [String] {
    guard let value else { return defaultColumns }
    let names = try value.split(separator: ",", omittingEmptySubsequences: false).map { part throws(ToolError) in
        try Rules.columnName(String(part))
    }
    guard names.count <= Limits.columnsPerProject else { throw ToolError("\(names.count) columns given; the limit is \(Limits.columnsPerProject)") }
    var seen = Set<String>()
    for name in names where !seen.insert(name.lowercased()).inserted { throw ToolError("column \"\(name)\" is given twice") }
    return names
}

let columnCommand = OperatorCommand(
    group: "kanban", name: "column", title: "Columns",
    summary: "add NAME --project P [--position N] | rename NAME --project P --to NEW | remove NAME --project P",
    description: "Positions count from 1 at the left. A column that holds cards (archived ones too) cannot be removed: move them first.",
    input: .object(properties: [
        "action": .string(description: "add, rename or remove", enum: ColumnAction.names),
        "name": .string(description: "the column's name", minLength: 1, maxLength: Limits.columnName),
        "project": .string(description: "the project's id or name", minLength: 1, maxLength: Limits.projectName),
        "to": .string(description: "the new name (rename)", minLength: 1, maxLength: Limits.columnName),
        "position": .integer(description: "where to insert it, 1 = leftmost (add; default: rightmost)", minimum: 1),
    ], required: ["action", "name", "project"]).positional("action", "name"),
    output: .object(properties: ["project": Schemas.project], required: ["project"]),
    view: .table(rows: "/project/columns", columns: [.init("position", "#"), .init("name", "Column"), .init("card_count", "Cards")]),
    annotations: [.notDestructive], toolset: "kanban", role: .admin
) { ctx, args in
    let human = try HumanCall(ctx)
    let store = human.store
    let values = args.values
    let action = ColumnAction(rawValue: try values.string("action")) ?? .add
    let name = try Rules.columnName(try values.string("name"))
    let newName = try values.optionalString("to").map { text throws(ToolError) in try Rules.columnName(text) }
    guard (action == .rename) == (newName != nil) else {
        throw ToolError(action == .rename ? "column rename needs --to NEW" : "--to is for column rename only")
    }
    guard action == .add || !values.has("position") else { throw ToolError("--position is for column add only") }
    let position = try values.optionalInt("position")
    let (board, details): (Board, JSONObject) = try human.write {
        let project = try store.existingProject(try values.string("project"))
        var details: JSONObject = ["project": .string(project.slug), "column": .string(name)]
        switch action {
        case .add:
            let column = try store.addColumn(name, to: project, at: position)
            details["position"] = .int(Int64(column.position))
        case .rename:
            let column = try store.column(name, in: project)
            try store.renameColumn(column, in: project, to: newName ?? name)
            details["column"] = .string(column.name)
            details["to"] = .string(newName ?? name)
        case .remove:
            let column = try store.column(name, in: project)
            try store.removeColumn(column, in: project)
            details["column"] = .string(column.name)
        }
        return (try store.board(project), details)
    }
    let kind: AuditKind = switch action {
    case .add: .columnAdded
    case .rename: .columnRenamed
    case .remove: .columnRemoved
    }
    human.audit(kind, details)
    let columns = board.columns.map(\.name).joined(separator: ", ")
    let verb = switch action {
    case .add: "Added column \(name)"
    case .rename: "Renamed column \(details["column"]?.stringValue ?? name) to \(newName ?? name)"
    case .remove: "Removed column \(details["column"]?.stringValue ?? name)"
    }
    return .ok(text: "\(verb) in \(board.project.slug); columns: \(columns).", data: ["project": board.json])
}
