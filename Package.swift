// swift-tools-version:6.0
// Toolhost: a self-hosted MCP server host. No package dependencies by design:
// Foundation, Dispatch, Glibc and Debian's libsqlite3 / libcrypto only.
import PackageDescription

let package = Package(
    name: "Toolhost",
    products: [
        .executable(name: "toolhost", targets: ["Host"]),
        // For toolsets built outside this repository (see examples/ and README "Writing a toolset").
        // A Swift toolset links ToolsetKit statically into its own .so; `import ToolsetKit` alone is enough.
        .library(name: "ToolsetKit", targets: ["ToolsetKit"]),
        // The C contract (toolhost_plugin.h) and the header-only JSON helper for C toolsets (toolhost_json.h).
        .library(name: "ToolhostPluginABI", targets: ["PluginABI"]),
        // Toolsets are separately built shared libraries the host dlopen()s at start-up.
        .library(name: "ToolhostScheduling", type: .dynamic, targets: ["Scheduling"]),
        .library(name: "ToolhostClock", type: .dynamic, targets: ["Clock"]),
        .library(name: "ToolhostTraining", type: .dynamic, targets: ["Training"]),
        .library(name: "ToolhostHelpdesk", type: .dynamic, targets: ["Helpdesk"]),
        .library(name: "ToolhostWorkflow", type: .dynamic, targets: ["Workflow"]),
        .library(name: "ToolhostKanban", type: .dynamic, targets: ["Kanban"]),
        .library(name: "ToolhostFiles", type: .dynamic, targets: ["Files"]),
        .library(name: "ToolhostPipelines", type: .dynamic, targets: ["Pipelines"]),
    ],
    targets: [
        // The public plugin contract: a C header, nothing else.
        .target(name: "PluginABI", path: "Sources/PluginABI"),
        // Glibc gaps (epoll, eventfd, accept4 with flags, RTLD_NODELETE, dlsym) filled by a tiny C shim.
        .target(name: "CShims", path: "Sources/CShims"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        // PostgreSQL's C client (Debian's libpq-dev). Only the pipelines engine links it, never the host.
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres"),
        // A thin SQLite wrapper shared by the host and Swift toolsets.
        .target(name: "SQLite", dependencies: ["CSQLite"], path: "Sources/SQLite"),
        // Calendar arithmetic shared by the host, JSON Schema formats and Swift toolsets.
        .target(name: "CivilDate", path: "Sources/CivilDate"),
        // Strict, fast JSON parser and writer for the hot path.
        .target(name: "JSON", path: "Sources/JSON", linkerSettings: [.linkedLibrary("m")]),
        // JSON Schema (2020-12 and draft-07; every keyword enforced or refused, docs/JSON-SCHEMA.md) compiled once, validated per call.
        .target(name: "JSONSchema", dependencies: ["JSON", "CivilDate"], path: "Sources/JSONSchema"),
        // The non-spinning lock for hot, shared locks (see BlockingLock.swift for why).
        .target(name: "Locking", path: "Sources/Locking"),
        // Event-driven (epoll) HTTP/1.1 server.
        .target(name: "HTTPServer", dependencies: ["CShims", "Locking"], path: "Sources/HTTPServer"),
        // What a Swift toolset links statically: typed tools, argument decoding, results.
        .target(name: "ToolsetKit", dependencies: ["PluginABI", "JSON", "SQLite", "Locking", "CivilDate"], path: "Sources/ToolsetKit"),
        // The data-pipeline engine behind the pipelines toolset: values, delimited files, expressions,
        // database connectors (SQLite, PostgreSQL), components and the streaming runner.
        .target(name: "PipelineEngine", dependencies: ["JSON", "SQLite", "CSQLite", "CPostgres"], path: "Sources/PipelineEngine"),
        .executableTarget(
            name: "Host",
            dependencies: ["PluginABI", "CShims", "CSQLite", "SQLite", "CCrypto", "JSON", "JSONSchema", "HTTPServer", "CivilDate", "Locking"],
            path: "Sources/Host"
        ),
        // Toolsets. Each is its own dynamic library product.
        .target(name: "Scheduling", dependencies: ["ToolsetKit", "CivilDate"], path: "Plugins/Scheduling"),
        .target(name: "Clock", dependencies: ["PluginABI"], path: "Plugins/Clock"),
        .target(name: "Training", dependencies: ["ToolsetKit", "CivilDate"], path: "Plugins/Training"),
        // Cursors are sealed with AES (libcrypto) so they reveal nothing across inbox limits.
        .target(name: "Helpdesk", dependencies: ["ToolsetKit", "CivilDate", "CCrypto"], path: "Plugins/Helpdesk"),
        // Recipe inputs are checked with the host's JSON Schema library; http steps use FoundationNetworking.
        .target(name: "Workflow", dependencies: ["ToolsetKit", "CivilDate", "JSONSchema"], path: "Plugins/Workflow"),
        .target(name: "Kanban", dependencies: ["ToolsetKit", "CivilDate"], path: "Plugins/Kanban"),
        // Uploads are hashed (SHA-256, libcrypto) while they are copied in.
        .target(name: "Files", dependencies: ["ToolsetKit", "PluginABI", "CivilDate", "CCrypto"], path: "Plugins/Files"),
        // Connection passwords are sealed with AES-256-GCM (libcrypto) under a key the host's data folder keeps.
        .target(name: "Pipelines", dependencies: ["ToolsetKit", "PluginABI", "PipelineEngine", "CivilDate", "CCrypto"], path: "Plugins/Pipelines"),
        .testTarget(name: "PipelineEngineTests", dependencies: ["PipelineEngine"], path: "Tests/PipelineEngineTests"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "JSONSchema"], path: "Tests/JSONTests"),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"], path: "Tests/HTTPServerTests"),
        .testTarget(name: "ToolsetKitTests", dependencies: ["ToolsetKit", "JSONSchema"], path: "Tests/ToolsetKitTests"),
        .testTarget(name: "HostTests", dependencies: ["Host"], path: "Tests/HostTests"),
    ]
)
