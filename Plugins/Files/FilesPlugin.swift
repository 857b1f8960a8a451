import ToolsetKit

// Files: operators upload files into the tenant's file storage and mark each one agent-shareable or
// not; an agent browses the shareable ones and fetches signed, expiring download links to them
// (seed: "Browse files you have marked agent-shareable, fetch their share links").
//
// Metadata lives in the plugin's database, bytes in the (tenant, plugin) files folder under the
// file's id (never a name anyone typed). A file that is not shareable does not exist for agents:
// every tool answers for it exactly as for an unknown id. Downloads are streamed by the host
// (HTTP/DownloadHandler.swift), which re-checks the file on every request. Uploads, sharing and
// deletion belong to humans (`toolhost files …`, Operator/). docs/FILES.md is the user's guide.

@_cdecl("toolhost_plugin_entry")
public func toolhostPluginEntry() -> UnsafeRawPointer { filesPlugin.export() }

let filesPlugin = PluginDefinition(
    name: "files",
    version: "1.0.0",
    description: "Files operators mark agent-shareable, browsed by agents and downloaded through signed, expiring links",
    migrations: FilesSchema.migrations,
    toolsets: [
        Toolset(
            name: "files",
            title: "Files",
            description: "Browse files you have marked agent-shareable, fetch their share links. Only files a person marked "
                + "shareable are visible; links expire and stop working as soon as a file is unshared.",
            minPlan: "growth",
            tools: [listSharedFilesTool, getShareLinkTool]
        ),
    ],
    operatorCommands: filesOperatorCommands,
    httpHandlers: [downloadHandler]
)

/// Every `toolhost files …` command, in the order help lists them.
let filesOperatorCommands: [OperatorCommand] = [
    uploadCommand, listCommand, shareCommand, unshareCommand, linksCommand, revokeLinkCommand, deleteCommand,
]
