import JSON
import ToolsetKit

let listProjectsTool = Tool(
    name: "list_projects",
    title: "List projects",
    description: "The team's projects, oldest first, each with its columns (left to right) and how many cards each holds. "
        + "A project's `id` is what list_cards and add_card take as `project`. Pass next_cursor back as cursor for more.",
    input: .object(properties: ["limit": Schemas.limit, "cursor": Schemas.cursor]),
    output: .object(properties: ["projects": .array(of: Schemas.project), "next_cursor": Schemas.nextCursor],
                    required: ["projects", "next_cursor"]),
    annotations: [.readOnly, .idempotent, .closedWorld]
) { call in
    let kanban = try KanbanCall(call)
    let limit = try kanban.limit()
    let after = try kanban.cursor(.projects)
    let store = kanban.store
    let boards = try store.database.readSnapshot {
        try store.projects(after: after, limit: limit + 1).map { try store.board($0) }
    }
    let page = Array(boards.prefix(limit))
    let next = kanban.nextCursor(.projects, position: boards.count > limit ? page.last?.project.id : nil)
    let text = page.isEmpty ? "No projects yet." : page.map { board in
        "\(board.project.slug)  \(board.project.name)  (\(board.columns.map { "\($0.name): \($0.cardCount)" }.joined(separator: ", ")))"
    }.joined(separator: "\n")
    return .structured(["projects": .array(page.map(\.json)), "next_cursor": next], text: text)
}
