import ToolsetKit

// Kanban: an outside AI agent reads a team's boards and adds cards to them through a token; it
// never moves, edits, archives or deletes a card. Projects, columns and everything done to
// existing cards belong to humans (`toolhost kanban …`, Operator/). One database per tenant.
// Every card an agent adds carries the token's name and id and reads "added by an external tool",
// so the team can tell it from their own work. docs/KANBAN.md is the user's guide.

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { kanbanPlugin.export() }

let kanbanPlugin = PluginDefinition(
    name: "kanban",
    version: "1.0.0",
    description: "Kanban boards: an AI agent lists projects and cards and adds new cards; humans move, edit and archive them",
    migrations: KanbanSchema.migrations,
    toolsets: [
        Toolset(
            name: "kanban",
            title: "Kanban",
            description: "List projects, list cards, add new cards. Cards you add are marked as added by an external tool "
                + "(this token's name and id). Moving, editing, archiving and deleting cards are for the team, not this toolset.",
            minPlan: "growth",
            tools: kanbanTools
        ),
    ],
    operatorCommands: kanbanOperatorCommands
)

/// Every tool, in the order tools/list shows them. The names are a contract.
let kanbanTools: [Tool] = [listProjectsTool, listCardsTool, getCardTool, addCardTool]
