import Foundation

/// On the first start with an empty data folder: a `demo` tenant with every installed toolset,
/// one token for it, printed once with configuration a person can paste into a client.
enum FirstStart {
    struct Demo {
        let tenant: String
        let token: String
    }

    static func createDemoIfEmpty(runtime: Runtime) throws -> Demo? {
        guard try runtime.withStore({ try $0.isEmpty() }) else { return nil }
        let tenant = "demo"
        // A plan under which every installed toolset and tool works (helpdesk needs enterprise), so the
        // demo shows everything it says it has.
        let requirements = runtime.registry.toolsets.flatMap { toolset in [toolset.minPlan].compactMap { $0 } + toolset.tools.compactMap(\.minPlan) }
        let plan = runtime.configuration.plans.newTenantPlan(preferring: TenantCommands.defaultPlan, satisfying: requirements)
        let trialNotice = try runtime.withStore {
            try TenantCommands.insertTenant(name: tenant, plan: plan, store: $0, plans: runtime.configuration.plans)
        }
        if let trialNotice { Log.info("server", trialNotice) }
        let toolsets = runtime.registry.toolsetNames
        guard !toolsets.isEmpty else {
            Log.warning("server", "created tenant demo, but no toolsets are installed, so no token was cut")
            return nil
        }
        let issued = try TokenCommands.create(tenant: tenant, name: "demo", grants: .init(toolsets: toolsets), expiresMs: nil, runtime: runtime)
        Log.info("server", "first start: created tenant demo and token \(issued.record.publicID) for \(toolsets.joined(separator: ", "))")
        return Demo(tenant: tenant, token: issued.token.text)
    }

    static func printWelcome(_ demo: Demo, host: String, port: Int, runtime: Runtime) {
        let shownHost = (host == "0.0.0.0" || host == "::") ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
        let url = "http://\(shownHost):\(port)/\(demo.tenant)/mcp"
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "toolhost"
        let data = URL(fileURLWithPath: runtime.settings.dataDirectory).standardizedFileURL.path
        let text = """

        ================================================================================
        Toolhost is ready. First start: created tenant "demo" with every installed toolset.

        Its token is shown ONCE — copy it now (only a hash is stored):

            \(demo.token)

        Claude Code:
            claude mcp add --transport http toolhost \(url) --header "Authorization: Bearer \(demo.token)"

        Cursor / any client with remote MCP support (mcpServers entry):
            {"mcpServers": {"toolhost": {"url": "\(url)", "headers": {"Authorization": "Bearer \(demo.token)"}}}}

        Claude Desktop (local, over stdio):
            {"mcpServers": {"toolhost": {"command": "\(binary)", "args": ["stdio", "--tenant", "demo", "--data", "\(data)"], "env": {"TOOLHOST_TOKEN": "\(demo.token)"}}}}

        curl:
            curl -s \(url) -H "Authorization: Bearer \(demo.token)" -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'

        More tokens: toolhost token create --tenant demo --name "my laptop" --toolsets \(runtime.registry.toolsetNames.joined(separator: ",")) --data \(runtime.settings.dataDirectory)
        ================================================================================

        """
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
