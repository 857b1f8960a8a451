import PluginABI

/// Registration of ABI 1.1 operator commands during a plugin's init: the checks a group and name
/// must pass before `toolhost <group> <name>` can reach them.
extension LoadedPlugin {
    /// Validates one add_operator_command call during init (nil = accepted).
    func registerOperatorCommand(
        group: UnsafePointer<CChar>?, name: UnsafePointer<CChar>?, summary: UnsafePointer<CChar>?,
        run: th_operator_fn?, release: th_release_fn?, data: UnsafeMutableRawPointer?
    ) -> String? {
        let group = group.map { String(cString: $0) } ?? ""
        let name = name.map { String(cString: $0) } ?? ""
        guard PluginLoader.isValidName(group), PluginLoader.isValidName(name) else {
            return "operator command \"\(group) \(name)\": group and name must match [a-z0-9_-]{1,32}"
        }
        // The CLI's dispatch table answers these words first: such a group could never be reached.
        guard !BuiltInCommands.reservedNames.contains(group) else {
            return "operator command group \"\(group)\" collides with the built-in toolhost command of that name"
        }
        guard let run, let release else { return "operator command \"\(group) \(name)\" lacks its function or release function" }
        // Whether another plugin holds the group is decided after every init (NameAssignments).
        if operatorCommands.contains(where: { $0.group == group && $0.name == name }) {
            return "operator command \"\(group) \(name)\" registered twice"
        }
        operatorCommands.append(RegisteredOperatorCommand(
            group: group, name: name, summary: summary.map { String(cString: $0) } ?? "",
            run: run, release: release, commandData: data, plugin: self))
        return nil
    }
}
