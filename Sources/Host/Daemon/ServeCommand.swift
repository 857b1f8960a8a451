import Dispatch
import Foundation
import Glibc
import HTTPServer

/// `toolhost serve`: the daemon.
enum ServeCommand {
    static let spec = CommandSpec(
        "serve", summary: "Run the daemon: MCP over HTTP at /{tenant}/mcp and /{tenant}/mcp/{toolset}; SIGTERM or SIGINT stops it gracefully.",
        options: [
            .valued("host", "HOST", "address to listen on (env TOOLHOST_HOST, default 127.0.0.1)"),
            .valued("port", "PORT", "port to listen on, 0 for any free one (env TOOLHOST_PORT, default 8787)"),
            .valued("public-url", "URL", "the origin clients reach this server by, e.g. https://mcp.example.com (env TOOLHOST_PUBLIC_URL)"),
            .flag("no-demo", "do not create the demo tenant and token on a first start (env TOOLHOST_NO_DEMO=1)"),
        ])

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        let arguments = try Arguments(words, for: spec)
        let environment = ProcessInfo.processInfo.environment
        let host = arguments.value("host") ?? environment["TOOLHOST_HOST"] ?? "127.0.0.1"
        let portText = arguments.value("port") ?? environment["TOOLHOST_PORT"] ?? "8787"
        guard let port = Int(portText), (0...65535).contains(port) else { throw Arguments.UsageError("--port must be 0–65535, not \(portText)") }
        let publicURL = arguments.value("public-url") ?? environment["TOOLHOST_PUBLIC_URL"]
        var publicHost: String?
        if let publicURL {
            guard let components = URLComponents(string: publicURL), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
                  let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil,
                  components.path.isEmpty || components.path == "/"
            else { throw Arguments.UsageError("--public-url must be an http(s) origin without a path, such as https://mcp.example.com, not \(publicURL)") }
            publicHost = host.contains(":") ? "[\(host)]" : host
        }
        let skipDemo = arguments.has("no-demo") || environment["TOOLHOST_NO_DEMO"] == "1"

        // Tool calls run on workers so a slow toolset never stalls an event loop; 0 runs them inline.
        // Each toolset gets a share of the workers and its calls a deadline (CallLimits).
        let workerCount = try ServeEnvironment.toolThreads(environment)
        let loopThreads = try ServeEnvironment.loopThreads(environment)
        let trustedProxies = try ServeEnvironment.trustedProxies(environment)

        // Before any thread exists, so every thread inherits the mask and only sigwait() sees them.
        StopSignals.block()
        let runtime = try makeRuntime(arguments, withEvents: true)
        let callLimits: CallLimits
        let mcpSettings: MCPSettings
        let connections: ConnectionSettings
        do {
            callLimits = try CallLimits(workers: workerCount, environment: environment, toolsets: runtime.configuration.toolsets)
            mcpSettings = try runtime.configuration.mcp.overridden(by: environment)
            connections = try runtime.configuration.connections.overridden(by: environment)
        } catch {
            runtime.close()
            throw error
        }
        Log.info("server", "data in \(runtime.settings.dataDirectory), plugins from \(runtime.settings.pluginsDirectory)")
        if runtime.registry.toolsets.isEmpty { Log.warning("server", "no toolsets are loaded; clients will see no tools") }
        for warning in callLimits.warnings(workers: workerCount, loaded: Set(runtime.registry.toolsets.map(\.name))) {
            Log.warning("server", warning)
        }
        let demo = skipDemo ? nil : try FirstStart.createDemoIfEmpty(runtime: runtime)

        let scheduler = workerCount > 0 ? ToolCallScheduler(workers: workerCount, limits: callLimits) : nil
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let access = runtime.makeAccessControl()
        let oauth = AuthorizationServer(stores: runtime.stores, registry: runtime.registry, settings: runtime.configuration.oauth,
                                        publicURL: publicURL ?? "http://\(shownHost):\(port)", abuse: access.abuse)
        // Unauthenticated work (OAuth pages, scrypt, metadata fetches) on threads of its own, apart from the tool workers.
        let preAuth = PreAuthWork(limits: runtime.configuration.preAuth, oauth: oauth)
        // Requests through signed links (plugins' downloads) on workers of their own, apart from tool calls.
        let links = runtime.makeLinkEndpoint(threads: environment["TOOLHOST_LINK_THREADS"].flatMap(Int.init) ?? 2,
                                             queue: environment["TOOLHOST_LINK_QUEUE"].flatMap(Int.init) ?? 64)
        let tools = runtime.makeToolMethods()
        runtime.enableCallsOnBehalf(access: access, tools: tools)
        let endpoint = HTTPEndpoint(
            access: access, tools: tools, sessions: SessionStore(quotas: mcpSettings.sessions),
            guardrails: RequestGuardrails(bindHost: host, allowedHosts: list(environment["TOOLHOST_ALLOWED_HOSTS"]),
                                          allowedOrigins: list(environment["TOOLHOST_ALLOWED_ORIGINS"]), publicHost: publicHost),
            oauth: oauth, scheduler: scheduler, preAuth: preAuth,
            clientAddress: ClientAddress(trustedProxies: trustedProxies), settings: mcpSettings,
            links: links)
        var configuration = HTTPServer.Configuration()
        configuration.host = host
        configuration.port = port
        if let loopThreads { configuration.loopThreads = loopThreads }
        connections.apply(to: &configuration)
        configuration.maxConnections = DescriptorLimit.fit(connections: connections.maxConnections)
        Log.info("server", "connections: at most \(configuration.maxConnections), \(configuration.maxConnectionsPerAddress) per address, "
                 + "first byte within \(connections.firstByteTimeoutSeconds) s")
        let server = HTTPServer(configuration: configuration) { request, responder in
            endpoint.handle(request, responder: responder)
        }
        signal(SIGPIPE, SIG_IGN)
        let jobRunner = runtime.makeJobRunner(settings: try JobRunner.Settings(environment: environment))
        // Known before the first request when given; else the listener's address, once bound (below).
        if let publicURL { runtime.publicBaseURL.set(publicURL) }
        do {
            try server.start()
        } catch {
            Log.error("server", "\(error)")
            runtime.close()
            return 1
        }
        runtime.events?.start()
        jobRunner?.start()
        if publicURL == nil { oauth.issuer = "http://\(shownHost):\(server.boundPort)" }
        if publicURL == nil { runtime.publicBaseURL.set("http://\(shownHost):\(server.boundPort)") }
        Log.info("server", "OAuth issuer \(oauth.issuer)\(publicURL == nil ? " (set --public-url when clients reach this server by another URL)" : "")")
        // The welcome (with the one-time token) goes out before the "listening on" line: that line
        // is the readiness signal scripts and tests wait for, so everything printed at start-up
        // must already be there when it appears.
        if let demo { FirstStart.printWelcome(demo, host: host, port: server.boundPort, runtime: runtime) }
        Log.info("server", "listening on http://\(shownHost):\(server.boundPort) (endpoints /{tenant}/mcp and /{tenant}/mcp/{toolset}, health /healthz)")

        let received = StopSignals.wait()
        Log.info("server", "\(received): shutting down: no new connections, finishing requests in flight")
        server.shutdown(graceSeconds: 10)  // waits for in-flight responses, including those of workers
        jobRunner?.stop()  // drains running jobs up to TOOLHOST_JOB_DRAIN_SECONDS, then asks them to stop
        scheduler?.stop()
        preAuth.stop()
        links.stop()
        runtime.close()
        Log.info("server", "stopped cleanly")
        return 0
    }

    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// SIGTERM and SIGINT, taken synchronously: blocked in every thread and collected with
/// sigwait() on the main thread, so shutdown runs in ordinary code rather than in a signal
/// handler (and no library thread can swallow them).
enum StopSignals {
    private static var set: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }

    static func block() {
        var mask = set
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    /// Blocks until SIGTERM or SIGINT arrives; returns its name.
    static func wait() -> String {
        var mask = set
        var number: Int32 = 0
        while sigwait(&mask, &number) != 0 {}
        return number == SIGTERM ? "SIGTERM" : "SIGINT"
    }
}
