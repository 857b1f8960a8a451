/// The usage and help texts of plugin operator commands: a 1.1 command has its summary; a 1.2 one
/// also its title, description, annotations and the options its input schema gives it.
extension PluginCommandLine {
    static func groupUsage(_ group: String, _ commands: [RegisteredOperatorCommand]) -> String {
        "Usage: " + synopsis(group, commands) + "\n\n" + formatRows(commands.map { ($0.name, $0.summary) })
    }

    /// "toolhost GROUP COMMAND --tenant T [ARGS…] [--json]   (plugin P)", for this usage and `toolhost help`.
    static func synopsis(_ group: String, _ commands: [RegisteredOperatorCommand]) -> String {
        "toolhost \(group) COMMAND --tenant T [ARGS…] [--json]   (plugin \(commands.first?.plugin.name ?? "?"))"
    }

    /// `toolhost GROUP NAME --help`: what the command does and the options it takes.
    static func help(for command: RegisteredOperatorCommand) -> String {
        guard let metadata = command.metadata else {
            let spec = CommandSpec("\(command.group) \(command.name)", operands: "[ARGS…]", summary: command.summary,
                                   options: commandOptions)
            return spec.help + "\n\nPlugin \(command.plugin.name) gets ARGS and every other --name [value] option."
        }
        let line = SchemaCommandLine(schema: metadata.inputSchema)
        var summary = "\(metadata.title): \(command.summary)"
        if let description = metadata.description, !description.isEmpty { summary += "\n\n" + description }
        let notes = notes(metadata)
        if !notes.isEmpty { summary += "\n\n" + notes.joined(separator: "\n") }
        let spec = CommandSpec("\(command.group) \(command.name)", operands: line.operands, summary: summary,
                               options: Array(commandOptions.prefix(1)) + line.optionSpecs + commandOptions.dropFirst())
        var text = spec.help
        let operands = line.properties.filter(\.isPositional)
        if !operands.isEmpty {
            text += "\n\nOperands:\n" + formatRows(operands.map { ($0.label, ($0.description ?? "") + ($0.isRequired ? " (required)" : "")) })
        }
        return text + "\n\nPlugin \(command.plugin.name)."
    }

    /// What an operator should know before running it: effects, gating and role.
    private static func notes(_ metadata: OperatorCommandMetadata) -> [String] {
        var notes: [String] = []
        if metadata.annotations.readOnly == true { notes.append("Read-only: changes nothing.") }
        if metadata.isDestructive { notes.append("Destructive: may delete or overwrite data (a console asks for confirmation).") }
        if let toolset = metadata.toolset { notes.append("Available while the \(toolset) toolset is enabled for the tenant.") }
        notes.append("Requires the \(metadata.requiredRole.rawValue) role.")
        return notes
    }
}
