import Foundation
import Glibc
import JSON

/// `toolhost <group> <name> --tenant T [args…] [--json]`: an operator command a plugin registered
/// through ABI 1.1 (header section 7), e.g. `toolhost knowledge promote --tenant acme kn_…`.
/// The host leases the tenant's plugin database (migrating it first), calls the command, prints its
/// `text` (or its `data` as JSON with --json) on stdout, and an `error` on stderr with exit code 1.
/// Every run is recorded in the audit trail (`operator.command`), with any events the command reports.
enum OperatorCommand {
    /// Words the CLI's own switch handles; a plugin may not register a group named like one of them.
    static let builtInCommands: Set<String> = ["serve", "stdio", "tenant", "token", "plugins", "audit", "version", "help"]

    /// Options the host consumes itself; every other `--name [value]` is passed to the command.
    static let hostValued: Set<String> = ["data", "plugins", "tenant"]
    static let hostFlags: Set<String> = ["json"]

    /// nil when no loaded plugin registered `group` (the caller then reports an unknown command).
    static func run(_ group: String, _ words: ArraySlice<String>) throws -> Int32? {
        let parsed = try parse(words)
        // Probe the plugins without touching the data folder, so a mistyped command has no side effects.
        let settings = Settings(data: parsed.host["data"], plugins: parsed.host["plugins"])
        let quiet = HostServices(events: nil, configurationFile: nil)
        let probe = PluginLoader.loadAll(from: settings.pluginsDirectory, namePrefix: settings.pluginNamePrefix, services: quiet)
        let commands = probe.operatorCommands(group: group)
        guard !commands.isEmpty else { return nil }
        var positional = parsed.positional
        guard let name = positional.first else {
            printError(groupUsage(group, commands))
            return 2
        }
        if name == "help" { print(groupUsage(group, commands)); return 0 }
        positional.removeFirst()
        guard commands.contains(where: { $0.name == name }) else {
            throw Arguments.UsageError("unknown \(group) command \"\(name)\"\n\n\(groupUsage(group, commands))")
        }
        guard let tenant = parsed.host["tenant"], !tenant.isEmpty else { throw Arguments.UsageError("--tenant is required") }

        // The real run: events on, so the operator action lands in the audit trail (flushed by close()).
        let runtime = try Runtime(settings: settings, withEvents: true)
        defer { runtime.close() }
        guard try runtime.withStore({ try $0.tenant(named: tenant) }) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
        guard let command = runtime.registry.operatorCommand(group: group, name: name) else {
            throw CommandError("\(group) \(name) is no longer provided by the loaded plugins")
        }
        let operatorName = "cli:" + currentUser()
        let requestID = "op_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let started = Clock.nowMilliseconds()
        let outcome = try runtime.toolsetDatabases.withDatabase(tenant: tenant, plugin: command.plugin) { database in
            command.invoke(tenant: tenant, operatorName: operatorName, requestID: String(requestID), database: database.handle,
                           positional: positional, options: parsed.options)
        }

        func audit(_ kind: AuditKind, outcome: AuditOutcome, details: JSONValue) {
            runtime.events?.record(AuditEvent(
                timeMs: Clock.nowMilliseconds(), kind: kind, tenant: tenant, tokenID: nil, tokenName: operatorName,
                toolset: nil, tool: "\(group) \(name)", outcome: outcome, requestID: String(requestID), client: "cli",
                durationMicros: (Clock.nowMilliseconds() - started) * 1000, details: details, plugin: command.plugin.name))
        }
        let summary: JSONValue = ["command": .string("\(group) \(name)"), "positional": .array(positional.map { .string($0) }),
                                  "operator": .string(operatorName)]
        switch outcome {
        case .ok(let text, let data, let events):
            for event in events { audit(.toolsetEvent(event.kind), outcome: .ok, details: event.details) }
            audit(.operatorCommand, outcome: .ok, details: summary)
            if parsed.json {
                print((data ?? .null).jsonString)
            } else if !text.isEmpty {
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
            return 0
        case .refused(let message):
            audit(.operatorCommand, outcome: .refused, details: merge(summary, ["message": .string(message)]))
            printError("toolhost \(group) \(name): \(message)")
            return 1
        case .failed(let message):
            audit(.operatorCommand, outcome: .error, details: merge(summary, ["message": .string(message)]))
            printError("toolhost \(group) \(name): \(message)")
            return 1
        }
    }

    struct Parsed {
        var host: [String: String] = [:]
        var json = false
        var positional: [String] = []
        var options = JSONObject()
    }

    /// `--name=value`, `--name value`, or `--name` alone (true when the next word is another option or absent).
    static func parse(_ words: ArraySlice<String>) throws -> Parsed {
        var parsed = Parsed()
        var remaining = words
        while let word = remaining.popFirst() {
            guard word.hasPrefix("--"), word.count > 2 else {
                parsed.positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if hostFlags.contains(name) {
                guard value == nil else { throw Arguments.UsageError("--\(name) takes no value") }
                parsed.json = true
            } else if hostValued.contains(name) {
                guard let given = value ?? remaining.popFirst() else { throw Arguments.UsageError("--\(name) needs a value") }
                parsed.host[name] = given
            } else if let value {
                parsed.options[name] = .string(value)
            } else if let next = remaining.first, !next.hasPrefix("--") {
                parsed.options[name] = .string(next)
                remaining.removeFirst()
            } else {
                parsed.options[name] = .bool(true)
            }
        }
        return parsed
    }

    static func groupUsage(_ group: String, _ commands: [RegisteredOperatorCommand]) -> String {
        var lines = ["Usage: toolhost \(group) COMMAND --tenant T [ARGS…] [--json]   (plugin \(commands.first?.plugin.name ?? "?"))", ""]
        let width = commands.map(\.name.count).max() ?? 0
        for command in commands {
            lines.append("  \(command.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(command.summary)")
        }
        return lines.joined(separator: "\n")
    }

    private static func merge(_ base: JSONValue, _ extra: JSONObject) -> JSONValue {
        guard case .object(var object) = base else { return base }
        for (key, value) in extra.members { object[key] = value }
        return .object(object)
    }

    private static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid\(geteuid())"
    }
}
