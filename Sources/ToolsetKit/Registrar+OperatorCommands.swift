import Foundation
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
            let status: th_status
            if let details = command.details {
                status = try addConsoleReady(command, details, data: data)
            } else {
                status = add(host, command.group, command.name, command.summary, operatorThunk, releaseResultThunk, data)
            }
            if status != TH_OK {
                throw RegistrationRefusal(status, "the host refused operator command \"\(command.group) \(command.name)\"")
            }
        }
    }

    /// ABI 1.2 (header section 7a). A host without add_operator_command_ex would hand the handler the
    /// 1.1 argument shape it does not expect, so the plugin refuses to load rather than misbehave.
    private func addConsoleReady(_ command: OperatorCommand, _ details: OperatorCommandDetails,
                                 data: UnsafeMutableRawPointer) throws(RegistrationRefusal) -> th_status {
        guard hasField(pointer, \th_registrar.add_operator_command_ex), let add = pointer.pointee.add_operator_command_ex else {
            throw RegistrationRefusal(TH_UNSUPPORTED, "this host lacks add_operator_command_ex (ABI 1.2) for \"\(command.group) \(command.name)\"")
        }
        var def = th_operator_command_def()
        def.struct_size = UInt32(MemoryLayout<th_operator_command_def>.stride)
        // The host copies every string before add returns; these are freed with the definition.
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ text: String?) -> UnsafePointer<CChar>? {
            guard let text, let copy = strdup(text) else { return nil }
            strings.append(copy)
            return UnsafePointer(copy)
        }
        def.group = c(command.group)
        def.name = c(command.name)
        def.title = c(details.title)
        def.summary = c(command.summary)
        def.description = c(details.description)
        def.input_schema = c(details.input?.json.jsonString)
        def.output_schema = c(details.output?.json.jsonString)
        def.view_json = c(details.view.json.jsonString)
        (def.annotations_set, def.annotations) = annotationBits(details.annotations)
        def.toolset = c(details.toolset)
        def.required_role = c(details.role.rawValue)
        def.run = operatorThunk
        def.release = releaseResultThunk
        def.command_data = data
        return withUnsafePointer(to: &def) { add(host, $0) }
    }
}
