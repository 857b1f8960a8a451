import ToolsetKit

// Pipelines (seed 002): the 32 tools of a data-pipeline platform's MCP server over a real local
// engine (Sources/PipelineEngine). Operators set up workspaces, connections (SQLite files,
// PostgreSQL servers, folders of CSV/JSON Lines files), clusters and schedules; agents build and
// edit packages (data_flow_json graphs), validate, run, watch and repair them. Runs are host jobs
// on named clusters; every package change is a version kept in history. docs/PIPELINES.md is the
// user's guide.

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { pipelinesPlugin.export() }

/// The 32 tools, in the seed's order. The 19 read-only ones declare readOnlyHint.
let pipelinesTools: [Tool] = [
    // Account inventory
    listWorkspacesTool, listPackagesTool, getPackageTool, listConnectionsTool, getConnectionTool, listClustersTool, searchAllTool,
    listComponentTypesTool, describeComponentTypeTool,
    // Run inspection
    listRunsTool, getRunTool, explainJobFailureTool,
    // Schedule inspection
    listSchedulesTool, getScheduleTool,
    // Diagnostics
    validatePackageTool, discoverSchemaTool, discoverFileSchemaTool, previewDataTool, testConnectionTool,
    // Package mutations
    createPackageTool, clonePackageTool, addPackageComponentsTool, updatePackageComponentsTool, updatePackageEdgesTool,
    removePackageComponentsTool, renamePackageTool, managePackageVariablesTool, deletePackageTool,
    // Schedule mutations
    toggleScheduleTool,
    // Execution and recovery
    runPackageTool, cancelJobTool, retryJobTool,
]

let pipelinesPlugin = PluginDefinition(
    name: "pipelines",
    version: "1.0.0",
    description: "Data pipelines: packages over SQLite, PostgreSQL and CSV/JSON Lines, run on clusters, scheduled, versioned",
    migrations: PipelinesSchema.migrations,
    toolsets: [
        Toolset(
            name: "pipelines",
            title: "Data pipelines",
            description: "Build, validate, run and repair data pipelines (packages) over your SQLite, PostgreSQL and file connections; "
                + "watch runs, explain failures, toggle schedules. Connections, clusters and schedules are set up by your operators.",
            minPlan: "growth",
            tools: pipelinesTools
        ),
    ],
    operatorCommands: [workspaceCommand, connectionCommand, clusterCommand, scheduleCommand, historyCommand, showVersionCommand, revertCommand,
                       runsCommand],
    jobs: [runJob, scheduledRunJob]
)
