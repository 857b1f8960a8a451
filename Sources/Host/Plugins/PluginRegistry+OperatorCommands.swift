/// Finding the operator commands the loaded plugins registered.
extension PluginRegistry {
    func operatorCommand(group: String, name: String) -> RegisteredOperatorCommand? {
        for plugin in plugins {
            if let command = plugin.operatorCommands.first(where: { $0.group == group && $0.name == name }) { return command }
        }
        return nil
    }

    func operatorCommands(group: String) -> [RegisteredOperatorCommand] {
        plugins.flatMap { $0.operatorCommands.filter { $0.group == group } }
    }
}
