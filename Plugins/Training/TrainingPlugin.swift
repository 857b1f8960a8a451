import Foundation
import CivilDate
import ToolsetKit

// One plugin, one knowledge base per tenant, two toolsets over it:
//   knowledge — read-only search over LIVE items (starter plan);
//   training  — outside tools push drafts into an operator review queue (growth plan).
// Nothing a token can do makes an item live or changes a live item: promotion, hiding live items and
// deletion are operator commands (`toolhost knowledge …`, ABI 1.1).

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { trainingPlugin.export() }

let trainingPlugin = PluginDefinition(
    name: "training",
    version: "1.0.0",
    description: "Knowledge base search plus an operator-reviewed training queue for external tools",
    migrations: KnowledgeStore.migrations,
    toolsets: [
        Toolset(
            name: "knowledge",
            title: "Knowledge",
            description: "Search the workspace's live knowledge base (the answers the assistant uses) and list its categories. Read-only.",
            minPlan: "starter",
            tools: [searchKnowledgeTool, listCategoriesTool]
        ),
        Toolset(
            name: "training",
            title: "Training",
            description: "Suggest knowledge for the assistant. Every item pushed here lands as a DRAFT flagged \"system suggested\" "
                + "in the operator's review queue; it is never used until an operator promotes it to live. Live knowledge "
                + "cannot be edited or archived through this toolset.",
            minPlan: "growth",
            tools: [addTrainingItemTool, updateTrainingItemTool, archiveTrainingItemTool, listTrainingDraftsTool]
        ),
    ],
    operatorCommands: knowledgeOperatorCommands
)

// MARK: - Shared validation

enum Rules {
    static func text(_ value: String, _ field: String, max: Int) throws(ToolError) -> String {
        try TextRules.required(value, field, max: max)
    }

    static func optionalText(_ value: String?, _ field: String, max: Int) throws(ToolError) -> String? {
        try TextRules.optional(value, field, max: max)
    }

    static func category(_ value: String?) throws(ToolError) -> String? {
        try optionalText(value, "category", max: Limits.category).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static func id(_ value: String) throws(ToolError) -> String {
        let id = value.trimmingCharacters(in: .whitespaces)
        guard id.hasPrefix("kn_"), id.count <= 64 else { throw ToolError("\"\(value)\" is not a knowledge item id (they look like kn_0123456789abcdef)") }
        return id
    }
}

func now(_ ms: Int64) -> String { RFC3339.format(epochMilliseconds: ms) }
