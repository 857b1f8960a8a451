import JSON

/// `toolhost plugins [--json]`: what the daemon would load from its plugins folder, and why each
/// refused file is refused; it changes nothing (no data folder is created, no name is remembered)
/// and exits 1 when a file was refused, so a deploy script can stop on it.
/// `toolhost plugins assign …`: the operator's word on which library holds a name (NameAssignments).
enum PluginsCommand {
    static let listSpec = CommandSpec(
        "plugins", summary: "List the plugins the daemon would load, with their toolsets, tools, operator commands and name assignments, and every refused file with the reason (exit code 1 if any). Changes nothing.",
        options: [.flag("json", "print JSON instead of text")])
    static let assignSpec = CommandSpec(
        "plugins assign",
        summary: "Hand a name to a library: a plugin name to a file (--plugin-name N --file F), a toolset or an operator command group to a plugin (--toolset T --plugin P, --command-group G --plugin P). Takes effect when the daemon next starts.",
        options: [
            .valued(NameKind.plugin.option, "N", "the plugin name to assign (its databases are tenants/*/N.db)"),
            .valued("file", "F", "the library file in the plugins folder that gets the plugin name, e.g. libnotes.so"),
            .valued(NameKind.toolset.option, "T", "the toolset name to assign (its URL and grants)"),
            .valued(NameKind.commandGroup.option, "G", "the operator command group to assign (toolhost G …)"),
            .valued("plugin", "P", "the plugin that gets the toolset or command group"),
        ])
    static let forms = [listSpec, assignSpec]

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        if words.first == "assign" { return try assign(try Arguments(words.dropFirst(), for: assignSpec)) }
        let arguments = try Arguments(words, for: listSpec)
        guard arguments.positionals.isEmpty else {
            throw Arguments.UsageError("unknown plugins action \"\(arguments.positionals[0])\" (\(CommandSpec.actions(forms)))")
        }
        let settings = settings(arguments)
        let registry = PluginLoader.preview(settings)
        if arguments.has("json") {
            print(JSONValue.object(report(registry, settings: settings)).jsonString)
        } else {
            printText(registry, settings: settings)
        }
        return registry.refused.isEmpty ? 0 : 1
    }

    // MARK: assign

    private static func assign(_ arguments: Arguments) throws -> Int32 {
        guard arguments.positionals.isEmpty else { throw Arguments.UsageError("usage: \(assignSpec.synopsis)") }
        let given = NameKind.allCases.compactMap { kind in arguments.value(kind.option).map { (kind, $0) } }
        guard given.count == 1, let (kind, name) = given.first else {
            throw Arguments.UsageError("name exactly one of --plugin-name, --toolset or --command-group")
        }
        let unused = kind == .plugin ? "plugin" : "file"
        guard arguments.value(unused) == nil else {
            throw Arguments.UsageError("--\(kind.option) goes with --\(kind.holderOption), not --\(unused)")
        }
        let holder = try arguments.required(kind.holderOption)
        guard PluginLoader.isValidName(name) else { throw CommandError("\(kind.label) \"\(name)\" is not [a-z0-9_-]{1,32}") }
        if kind == .plugin {
            guard holder.hasSuffix(".so"), !holder.contains("/") else {
                throw CommandError("--file takes the name of a library in the plugins folder, like libnotes.so (not a path)")
            }
        } else {
            guard PluginLoader.isValidName(holder) else { throw CommandError("plugin name \"\(holder)\" is not [a-z0-9_-]{1,32}") }
        }
        let runtime = try makeRuntime(arguments)
        let previous = try runtime.withStore { store in
            let previous = try store.pluginAssignments().first { $0.kind == kind && $0.name == name }
            try store.assign(NameAssignment(kind: kind, name: name, holder: holder, assignedMs: Clock.nowMilliseconds(), byOperator: true))
            return previous
        }
        let change = previous.map { $0.holder == holder ? " (it already was)" : " (was \($0.holder))" } ?? ""
        printError("Assigned \(kind.label) \(name) to \(holder)\(change). A running daemon keeps its plugins until it restarts.")
        return 0
    }

    // MARK: report

    private static func report(_ registry: PluginRegistry, settings: Settings) -> JSONObject {
        let loaded: [JSONValue] = registry.plugins.map { plugin in
            [
                "name": .string(plugin.name), "version": .string(plugin.version), "file": .string(plugin.file),
                "abi": .string("\(PluginLoader.hostABIMajor).\(plugin.abiMinor)"),
                "toolsets": .array(plugin.toolsets.map { toolset in
                    [
                        "name": .string(toolset.name), "title": .string(toolset.title),
                        "min_plan": toolset.minPlan.map { .string($0) } ?? .null,
                        "tools": .array(toolset.tools.map { .string($0.name) }),
                        "scopes": .array(toolset.scopes.map { scope in
                            ["name": .string(scope.grant), "title": .string(scope.title), "description": .string(scope.description),
                             "tools": .array(scope.tools.map { .string($0) })]
                        }),
                    ]
                }),
                "operator_commands": .array(plugin.operatorCommands.map { .string("\($0.group) \($0.name)") }),
                "operator_command_details": .array(plugin.operatorCommands.map { .object(details(of: $0)) }),
            ]
        }
        let refused: [JSONValue] = registry.refused.map { ["file": .string($0.file), "reason": .string($0.reason)] }
        let assignments: [JSONValue] = registry.assignments.all.map { assignment in
            [
                "kind": .string(assignment.kind.rawValue), "name": .string(assignment.name), "holder": .string(assignment.holder),
                "assigned": .string(assignmentOrigin(assignment, registry: registry)),
            ]
        }
        return ["directory": .string(settings.pluginsDirectory), "plugins": .array(loaded), "refused": .array(refused),
                "assignments": .array(assignments)]
    }

    /// Everything a console needs to show a command (header section 7a). A 1.1 command has only
    /// its summary: "abi" says which, and the 1.2 members are null or their defaults.
    private static func details(of command: RegisteredOperatorCommand) -> JSONObject {
        var object: JSONObject = ["group": .string(command.group), "name": .string(command.name),
                                  "summary": .string(command.summary), "abi": .string(command.metadata == nil ? "1.1" : "1.2")]
        let metadata = command.metadata ?? OperatorCommandMetadata(
            title: command.name, view: .text, annotations: ToolAnnotations(set: 0, values: 0), requiredRole: command.requiredRole)
        for (key, value) in metadata.json.members { object[key] = value }
        return object
    }

    /// "operator", "first seen <time>", or "on next start" for a name this preview would remember.
    private static func assignmentOrigin(_ assignment: NameAssignment, registry: PluginRegistry) -> String {
        if assignment.byOperator { return "by operator \(formatTime(assignment.assignedMs))" }
        if registry.newAssignments.contains(assignment) { return "only claimant; remembered when the daemon starts" }
        return "first seen \(formatTime(assignment.assignedMs))"
    }

    private static func printText(_ registry: PluginRegistry, settings: Settings) {
        print("Plugins directory: \(settings.pluginsDirectory)")
        if registry.plugins.isEmpty { print("No plugins loaded.") }
        for plugin in registry.plugins {
            print("\n\(plugin.name) \(plugin.version)  (\(plugin.file), ABI \(PluginLoader.hostABIMajor).\(plugin.abiMinor))")
            if !plugin.description.isEmpty { print("  \(plugin.description)") }
            for toolset in plugin.toolsets {
                print("  toolset \(toolset.name) — \(toolset.title)\(toolset.minPlan.map { ", minimum plan \($0)" } ?? "")")
                for tool in toolset.tools {
                    print("    \(tool.name)\(tool.isReadOnly ? " (read-only)" : "")")
                }
                for scope in toolset.scopes {
                    print("    scope \(scope.grant) — \(scope.description) (\(scope.tools.joined(separator: ", ")))")
                }
            }
            if !plugin.operatorCommands.isEmpty {
                print("  operator commands: " + plugin.operatorCommands.map { "toolhost \($0.group) \($0.name)" }.joined(separator: ", "))
            }
        }
        for refusal in registry.refused {
            print("\nrefused \(refusal.file): \(refusal.reason)")
        }
        let assignments = registry.assignments.all
        if !assignments.isEmpty {
            print("\nName assignments (host.db; change with toolhost plugins assign):")
            print(formatRows(assignments.map { ("\($0.kind.label) \($0.name)", "→ \($0.holder)  (\(assignmentOrigin($0, registry: registry)))") }))
        }
    }
}
