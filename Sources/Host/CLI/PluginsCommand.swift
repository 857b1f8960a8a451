import JSON

enum PluginsCommand {
    static let spec = CommandSpec(
        "plugins", summary: "List the loaded plugins with their toolsets, tools and operator commands, and every refused file with the reason.",
        options: [.flag("json", "print JSON instead of text")])

    static func run(_ words: ArraySlice<String>) throws -> Int32 {
        let arguments = try Arguments(words, for: spec)
        let runtime = try makeRuntime(arguments)
        let registry = runtime.registry
        if arguments.has("json") {
            let loaded: [JSONValue] = registry.plugins.map { plugin in
                [
                    "name": .string(plugin.name), "version": .string(plugin.version), "file": .string(plugin.file),
                    "abi": .string("\(PluginLoader.hostABIMajor).\(plugin.abiMinor)"),
                    "toolsets": .array(plugin.toolsets.map { toolset in
                        [
                            "name": .string(toolset.name), "title": .string(toolset.title),
                            "min_plan": toolset.minPlan.map { .string($0) } ?? .null,
                            "tools": .array(toolset.tools.map { .string($0.name) }),
                        ]
                    }),
                    "operator_commands": .array(plugin.operatorCommands.map { .string("\($0.group) \($0.name)") }),
                ]
            }
            let refused: [JSONValue] = registry.refused.map { ["file": .string($0.file), "reason": .string($0.reason)] }
            let report: JSONObject = ["directory": .string(runtime.settings.pluginsDirectory), "plugins": .array(loaded), "refused": .array(refused)]
            print(JSONValue.object(report).jsonString)
            return 0
        }
        print("Plugins directory: \(runtime.settings.pluginsDirectory)")
        if registry.plugins.isEmpty { print("No plugins loaded.") }
        for plugin in registry.plugins {
            print("\n\(plugin.name) \(plugin.version)  (\(plugin.file), ABI \(PluginLoader.hostABIMajor).\(plugin.abiMinor))")
            if !plugin.description.isEmpty { print("  \(plugin.description)") }
            for toolset in plugin.toolsets {
                print("  toolset \(toolset.name) — \(toolset.title)\(toolset.minPlan.map { ", minimum plan \($0)" } ?? "")")
                for tool in toolset.tools {
                    print("    \(tool.name)\(tool.isReadOnly ? " (read-only)" : "")")
                }
            }
            if !plugin.operatorCommands.isEmpty {
                print("  operator commands: " + plugin.operatorCommands.map { "toolhost \($0.group) \($0.name)" }.joined(separator: ", "))
            }
        }
        for refusal in registry.refused {
            print("\nrefused \(refusal.file): \(refusal.reason)")
        }
        return 0
    }
}
