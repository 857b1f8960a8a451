import Foundation
import Glibc
import JSON

/// `toolhost <group> <name> --tenant T [args…] [--json]`: an operator command a plugin registered
/// through ABI 1.1 (header section 7), e.g. `toolhost knowledge promote --tenant acme kn_…`.
/// The host leases the tenant's plugin database (migrating it first), calls the command, prints its
/// `text` (or its `data` as JSON with --json) on stdout, and an `error` on stderr with exit code 1.
/// Every run is recorded in the audit trail (`operator.command`), with any events the command reports.
enum PluginCommandLine {
    /// Options the host consumes itself (with the shared --data and --plugins); every other
    /// `--name [value]` is passed to the command.
    static let commandOptions: [OptionSpec] = [
        .valued("tenant", "T", "the tenant the command acts on", required: true),
        .flag("json", "print the command's data as JSON instead of its text"),
    ]
    static let hostOptions = commandOptions + OptionSpec.common

    /// What the operator typed after the group word, split into what the host and the command get.
    struct Invocation {
        let group: String
        var host: [String: String] = [:]
        var hostFlags: Set<String> = []
        var wantsHelp = false
        var positional: [String] = []
        var options = JSONObject()

        var settings: Settings { Settings(data: host["data"], plugins: host["plugins"]) }
        var json: Bool { hostFlags.contains("json") }

        /// `--name=value`, `--name value`, or `--name` alone (true when the next word is another option or absent).
        init(group: String, _ words: ArraySlice<String>) throws {
            self.group = group
            var remaining = words
            while let word = remaining.popFirst() {
                if HelpFlag.matches(word) {
                    wantsHelp = true
                    continue
                }
                guard let (name, value) = Arguments.option(word) else {
                    positional.append(word)
                    continue
                }
                if let option = PluginCommandLine.hostOptions.first(where: { $0.name == name }) {
                    try take(option, value: value, from: &remaining)
                } else if let value {
                    options[name] = .string(value)
                } else if let next = remaining.first, !next.hasPrefix("--") {
                    options[name] = .string(next)
                    remaining.removeFirst()
                } else {
                    options[name] = .bool(true)
                }
            }
        }

        private mutating func take(_ option: OptionSpec, value: String?, from remaining: inout ArraySlice<String>) throws {
            if let given = try Arguments.value(of: option, inline: value, from: &remaining) {
                host[option.name] = given
            } else {
                hostFlags.insert(option.name)
            }
        }
    }

    /// The plugins as they load from `settings`, without touching the data folder or the audit
    /// trail, so a mistyped command or a help request has no side effects.
    static func probe(_ settings: Settings) -> PluginRegistry { PluginLoader.preview(settings) }

    /// Runs `invocation` against `registry`, which must hold at least one command of its group.
    static func run(_ invocation: Invocation, registry: PluginRegistry) throws -> Int32 {
        let group = invocation.group
        let commands = registry.operatorCommands(group: group)
        var positional = invocation.positional
        guard let name = positional.first else {
            if invocation.wantsHelp { throw HelpRequested(text: groupUsage(group, commands)) }
            printError(groupUsage(group, commands))
            return 2
        }
        if name == "help" { print(groupUsage(group, commands)); return 0 }
        positional.removeFirst()
        guard let chosen = commands.first(where: { $0.name == name }) else {
            throw Arguments.UsageError("unknown \(group) command \"\(name)\"\n\n\(groupUsage(group, commands))")
        }
        if invocation.wantsHelp { throw HelpRequested(text: help(for: chosen)) }
        guard let tenant = invocation.host["tenant"], !tenant.isEmpty else { throw Arguments.UsageError("--tenant is required") }
        return try execute(group: group, name: name, tenant: tenant, positional: positional, invocation: invocation)
    }

    /// The real run: events on, so the operator action lands in the audit trail (flushed by close()).
    private static func execute(group: String, name: String, tenant: String, positional: [String], invocation: Invocation) throws -> Int32 {
        let runtime = try Runtime(settings: invocation.settings, withEvents: true)
        defer { runtime.close() }
        guard try runtime.withStore({ try $0.tenant(named: tenant) }) != nil else { throw CommandError("no tenant named \"\(tenant)\"") }
        guard let command = runtime.registry.operatorCommand(group: group, name: name) else {
            throw CommandError("\(group) \(name) is no longer provided by the loaded plugins")
        }
        let operatorName = "cli:" + currentUser()
        let requestID = "op_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let started = Clock.nowMilliseconds()
        let outcome: RegisteredOperatorCommand.Outcome
        do {
            outcome = try runtime.toolsetDatabases.withDatabase(tenant: tenant, plugin: command.plugin,
                                                                purpose: "operator command \(group) \(name)") { database in
                command.invoke(tenant: tenant, operatorName: operatorName, requestID: String(requestID), database: database.handle,
                               positional: positional, options: invocation.options)
            }
        } catch let openTransaction as OpenTransactionError {
            outcome = .failed(openTransaction.description)  // audited like any other failure of the command
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
            if invocation.json {
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

    static func groupUsage(_ group: String, _ commands: [RegisteredOperatorCommand]) -> String {
        "Usage: " + synopsis(group, commands) + "\n\n" + formatRows(commands.map { ($0.name, $0.summary) })
    }

    /// "toolhost GROUP COMMAND --tenant T [ARGS…] [--json]   (plugin P)", for this usage and `toolhost help`.
    static func synopsis(_ group: String, _ commands: [RegisteredOperatorCommand]) -> String {
        "toolhost \(group) COMMAND --tenant T [ARGS…] [--json]   (plugin \(commands.first?.plugin.name ?? "?"))"
    }

    /// `toolhost GROUP NAME --help`: the command's summary and the options the host takes for it.
    static func help(for command: RegisteredOperatorCommand) -> String {
        let spec = CommandSpec("\(command.group) \(command.name)", operands: "[ARGS…]", summary: command.summary,
                               options: commandOptions)
        return spec.help + "\n\nPlugin \(command.plugin.name) gets ARGS and every other --name [value] option."
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
