import Foundation

/// `toolhost stdio --tenant T`: serve MCP on stdin/stdout for a local client.
enum StdioCommand {
    static let spec = CommandSpec(
        "stdio", summary: "Serve MCP on stdin/stdout for a local client; the token comes from the environment variable TOOLHOST_TOKEN.",
        options: [
            .valued("tenant", "T", "the tenant to serve", required: true),
            .valued("toolset", "S", "serve only this toolset's tools"),
        ],
        note: "(token in TOOLHOST_TOKEN)")

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        let arguments = try Arguments(words, for: spec)
        let tenant = try arguments.required("tenant")
        guard let token = ProcessInfo.processInfo.environment["TOOLHOST_TOKEN"], !token.isEmpty else {
            throw CommandError("set TOOLHOST_TOKEN to a token of tenant \(tenant) (see `toolhost token create`)")
        }
        let runtime = try makeRuntime(arguments, withEvents: true)
        let settings: MCPSettings
        do { settings = try runtime.configuration.mcp.overridden(by: ProcessInfo.processInfo.environment) } catch {
            runtime.close()
            throw error
        }
        runtime.events?.start()
        StdioTransport(access: runtime.makeAccessControl(), tools: runtime.makeToolMethods(),
                       tenant: tenant, toolset: arguments.value("toolset"), token: token, settings: settings).run()
        runtime.close()  // stdin closed: flush and exit promptly
        return 0
    }
}
