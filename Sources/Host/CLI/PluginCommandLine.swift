import Foundation
import Glibc
import JSON

/// `toolhost <group> <name> --tenant T [args…] [--json]`: an operator command a plugin registered
/// (header sections 7 and 7a), e.g. `toolhost knowledge promote --tenant acme kn_…`.
/// A 1.1 command gets the words as {"positional","options"}; a 1.2 command's words are read against
/// its input schema and validated before it runs (a mistake exits 2 and the plugin never runs).
/// The host leases the tenant's plugin database (migrating it first), calls the command, prints its
/// `text` (or its `data` as JSON with --json) on stdout, and an `error` on stderr with exit code 1.
/// Every run is recorded in the audit trail (`operator.command`), with any events the command reports.
enum PluginCommandLine {
    /// Options the host consumes itself (with the shared --data and --plugins); every other
    /// `--name [value]` is the command's.
    static let commandOptions: [OptionSpec] = [
        .valued("tenant", "T", "the tenant the command acts on", required: true),
        .flag("json", "print the command's data as JSON instead of its text"),
    ]
    static let hostOptions = commandOptions + OptionSpec.common

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
        // Read and checked before anything is opened: a usage mistake has no side effects.
        let request: Request
        do { request = try arguments(for: chosen, positional: positional, invocation: invocation) } catch let mistake as Arguments.UsageError {
            printError("toolhost \(group) \(name): \(mistake.description)\n(toolhost \(group) \(name) --help lists its options)")
            return 2
        }
        return try execute(group: group, name: name, tenant: tenant, request: request, invocation: invocation)
    }

    /// What the plugin gets, and what the audit trail records of it.
    struct Request {
        let args: JSONValue
        /// The operands (1.1) or the values of the x-positional properties (1.2): ids, never option values.
        let audited: [JSONValue]
    }

    private static func arguments(for command: RegisteredOperatorCommand, positional: [String], invocation: Invocation) throws -> Request {
        guard let metadata = command.metadata else {
            return Request(args: ["positional": .array(positional.map { .string($0) }), "options": .object(invocation.options)],
                           audited: positional.map { .string($0) })
        }
        let line = SchemaCommandLine(schema: metadata.inputSchema)
        let object = try line.parse(invocation.commandWords[...])
        if let validator = metadata.inputValidator {
            let failures = validator.validate(.object(object))
            guard failures.isEmpty else { throw Arguments.UsageError(failures.map(line.describe).joined(separator: "\n")) }
        }
        let audited = line.properties.filter(\.isPositional).compactMap { object[$0.name] }
        return Request(args: .object(object), audited: audited)
    }

    /// Why `command` may not run for this tenant and operator, or nil: its toolset is disabled for the
    /// tenant, or the operator's role ranks below the one it requires.
    static func refusal(of command: RegisteredOperatorCommand, tenant: TenantRecord, role: OperatorRole) -> String? {
        if let toolset = command.metadata?.toolset, !tenant.isEnabled(toolset) {
            return "the \(toolset) toolset is disabled for tenant \(tenant.name) (toolhost tenant enable \(tenant.name) \(toolset))"
        }
        guard role.satisfies(command.requiredRole) else {
            return "requires the \(command.requiredRole.rawValue) role; this operator is \(role.rawValue)"
        }
        return nil
    }

    /// The real run: events on, so the operator action lands in the audit trail (flushed by close()).
    private static func execute(group: String, name: String, tenant: String, request: Request, invocation: Invocation) throws -> Int32 {
        let runtime = try Runtime(settings: invocation.settings, withEvents: true)
        defer { runtime.close() }
        guard let tenantRecord = try runtime.withStore({ try $0.tenant(named: tenant) }) else { throw CommandError("no tenant named \"\(tenant)\"") }
        guard let command = runtime.registry.operatorCommand(group: group, name: name) else {
            throw CommandError("\(group) \(name) is no longer provided by the loaded plugins")
        }
        let who = RegisteredOperatorCommand.Operator(name: "cli:" + currentUser(), role: .commandLine, channel: .cli)
        let requestID = "op_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let started = Clock.nowMilliseconds()

        func audit(_ kind: AuditKind, outcome: AuditOutcome, details: JSONValue) {
            runtime.events?.record(AuditEvent(
                timeMs: Clock.nowMilliseconds(), kind: kind, tenant: tenant, tokenID: nil, tokenName: who.name,
                toolset: command.metadata?.toolset, tool: "\(group) \(name)", outcome: outcome, requestID: String(requestID), client: who.channel.rawValue,
                durationMicros: (Clock.nowMilliseconds() - started) * 1000, details: details, plugin: command.plugin.name))
        }
        let summary: JSONObject = ["command": .string("\(group) \(name)"), "positional": .array(request.audited),
                                   "operator": .string(who.name), "role": .string(who.role.rawValue), "channel": .string(who.channel.rawValue)]
        if let refusal = refusal(of: command, tenant: tenantRecord, role: who.role) {
            audit(.operatorCommand, outcome: .refused, details: .object(merge(summary, ["message": .string(refusal)])))
            printError("toolhost \(group) \(name): \(refusal)")
            return 1
        }
        let outcome: RegisteredOperatorCommand.Outcome
        do {
            outcome = try runtime.toolsetDatabases.withDatabase(tenant: tenant, plugin: command.plugin,
                                                                purpose: "operator command \(group) \(name)") { database in
                command.invoke(tenant: tenant, operator: who, requestID: String(requestID), database: database.handle, args: request.args)
            }
        } catch let openTransaction as OpenTransactionError {
            outcome = .failed(openTransaction.description)  // audited like any other failure of the command
        }
        switch outcome {
        case .ok(let text, let data, let events):
            for event in events { audit(.toolsetEvent(event.kind), outcome: .ok, details: event.details) }
            audit(.operatorCommand, outcome: .ok, details: .object(summary))
            if invocation.json {
                print((data ?? .null).jsonString)
            } else if !text.isEmpty {
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            }
            return 0
        case .refused(let message):
            audit(.operatorCommand, outcome: .refused, details: .object(merge(summary, ["message": .string(message)])))
            printError("toolhost \(group) \(name): \(message)")
            return 1
        case .failed(let message):
            Log.error("plugins", "operator command \(group) \(name): \(message)")
            audit(.operatorCommand, outcome: .error, details: .object(merge(summary, ["message": .string(message)])))
            printError("toolhost \(group) \(name): \(message)")
            return 1
        }
    }

    private static func merge(_ base: JSONObject, _ extra: JSONObject) -> JSONObject {
        var object = base
        for (key, value) in extra.members { object[key] = value }
        return object
    }

    private static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid\(geteuid())"
    }
}
