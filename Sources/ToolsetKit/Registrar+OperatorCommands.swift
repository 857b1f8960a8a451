import PluginABI

/// One exported operator command: what the host hands back to the command as command_data.
final class ExportedOperatorCommand: Sendable {
    let command: OperatorCommand
    init(_ command: OperatorCommand) { self.command = command }
}

extension Registrar {
    /// Registers the definition's operator commands. A 1.0 host never gets here (it refuses a 1.1
    /// plugin before init); the member check below is the header's rule of never reading past
    /// struct_size, and only a host that declares 1.1 yet omits the member reaches the warning.
    func addOperatorCommands(of definition: PluginDefinition) throws(RegistrationRefusal) {
        guard !definition.operatorCommands.isEmpty else { return }
        guard hasField(pointer, \th_registrar.add_operator_command), let add = pointer.pointee.add_operator_command else {
            HostAPI.log("this host predates ABI 1.1 operator commands; \(definition.operatorCommands.count) command(s) not offered", level: .warning)
            return
        }
        for command in definition.operatorCommands {
            let data = Unmanaged.passRetained(ExportedOperatorCommand(command)).toOpaque()
            let status = add(host, command.group, command.name, command.summary, operatorThunk, releaseResultThunk, data)
            if status != TH_OK {
                throw RegistrationRefusal(status, "the host refused operator command \"\(command.group) \(command.name)\"")
            }
        }
    }
}
