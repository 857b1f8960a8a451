/// The usage `toolhost help` prints (and `toolhost` alone, on stderr): every form of every built-in
/// command from the command table, then the operator commands the loaded plugins registered, so
/// neither list can fall behind what the binary and its plugins actually accept.
enum TopLevelUsage {
    static func text(plugins: PluginRegistry) -> String {
        var sections = ["Toolhost — a self-hosted MCP server host.", "Usage:\n" + builtInLines()]
        if let pluginSection = pluginLines(plugins) { sections.append(pluginSection) }
        sections.append("""
            Every command accepts --data DIR (env TOOLHOST_DATA, default ./var) and --plugins DIR
            (env TOOLHOST_PLUGINS, default: next to the toolhost binary). `toolhost COMMAND --help` shows its options.
            """)
        return sections.joined(separator: "\n\n")
    }

    private static func builtInLines() -> String {
        BuiltInCommands.all.flatMap(\.forms).map { form in
            var line = "  " + form.wrappedSynopsis().replacingOccurrences(of: "\n", with: "\n  ")
            if let note = form.note { line += "   " + note }
            return line
        }.joined(separator: "\n")
    }

    /// One block per operator command group, in plugin load order; nil when no plugin registered any.
    private static func pluginLines(_ registry: PluginRegistry) -> String? {
        var groups: [String] = []
        for command in registry.plugins.flatMap(\.operatorCommands) where !groups.contains(command.group) {
            groups.append(command.group)
        }
        guard !groups.isEmpty else { return nil }
        let blocks = groups.map { group -> String in
            let commands = registry.operatorCommands(group: group)
            return "  " + PluginCommandLine.synopsis(group, commands) + "\n"
                + formatRows(commands.map { ($0.name, $0.summary) }, indent: "    ")
        }
        return "Operator commands of the loaded plugins (`toolhost GROUP COMMAND --help`):\n" + blocks.joined(separator: "\n")
    }
}
