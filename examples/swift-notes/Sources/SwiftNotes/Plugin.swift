import ToolsetKit

// The one symbol the host resolves (toolhost_plugin.h, section 1). It must only hand back the plugin's
// static description; ToolsetKit registers the toolset and migrations later, inside the host's init().
@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { swiftNotesPlugin.export() }

let swiftNotesPlugin = PluginDefinition(
    name: "swift_notes",  // also names the per-tenant database file
    version: "1.0.0",
    description: "Example toolset in Swift: short notes kept per tenant",
    // Migration N is applied once per tenant database, in order; never edit one that was released, append.
    migrations: [
        """
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        )
        """,
        // 2: what the background word count found (WordCount.swift).
        "CREATE TABLE word_counts (job_id TEXT PRIMARY KEY, notes INTEGER NOT NULL, words INTEGER NOT NULL, counted_ms INTEGER NOT NULL)",
    ],
    toolsets: [
        Toolset(
            name: "swift_notes",
            title: "Notes (Swift example)",
            description: "Write short notes and read them back. Each workspace has its own notes.",
            tools: [addNoteTool, getNoteTool, listNotesTool, countWordsTool, wordCountTool, shareNoteTool]
        ),
    ],
    jobs: [wordCountJob],  // ABI 1.2: run by the host's job threads, never inside a tool call
    httpHandlers: [exportHandler]  // ABI 1.2: reached only through links the host signed
)
