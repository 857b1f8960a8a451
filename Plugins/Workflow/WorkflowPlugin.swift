import ToolsetKit

// Workflow (seed 000): agents browse automation ideas, submit requests for new workflows (a queue
// humans accept or decline: nothing an agent submits becomes active by itself), trigger the
// recipes operators defined, and read run history. A recipe run is a background job whose steps
// call other toolsets' tools AS THE TOKEN THAT TRIGGERED IT (host call_tool, header section 12:
// every access layer applies, so a recipe never does more than that token) or send HTTP requests
// to URLs the operator wrote into the recipe. docs/WORKFLOW.md is the user's guide.

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { workflowPlugin.export() }

let workflowPlugin = PluginDefinition(
    name: "workflow",
    version: "1.0.0",
    description: "Workflow ideas, requests humans review, and operator-defined recipes agents can trigger",
    migrations: WorkflowSchema.migrations,
    toolsets: [
        Toolset(
            name: "workflow",
            title: "Workflow",
            description: "Browse workflow ideas, submit requests for new workflows (a human reviews each), trigger the workflow "
                + "recipes your operators defined, and read their run history.",
            minPlan: "starter",
            tools: [listWorkflowIdeasTool, submitWorkflowRequestTool, listRecipesTool, triggerRecipeTool, listWorkflowRunsTool,
                    getWorkflowRunTool]
        ),
    ],
    operatorCommands: workflowOperatorCommands,
    jobs: [recipeRunJob]
)
