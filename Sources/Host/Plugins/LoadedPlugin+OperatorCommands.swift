import JSON
import JSONSchema
import PluginABI

/// Registration of operator commands during a plugin's init: the checks a group and name must pass
/// before `toolhost <group> <name>` can reach them (ABI 1.1), and for a console-ready command
/// (ABI 1.2, header section 7a) its schemas, view, role and toolset.
extension LoadedPlugin {
    /// Validates one add_operator_command call during init (nil = accepted).
    func registerOperatorCommand(
        group: UnsafePointer<CChar>?, name: UnsafePointer<CChar>?, summary: UnsafePointer<CChar>?,
        run: th_operator_fn?, release: th_release_fn?, data: UnsafeMutableRawPointer?
    ) -> String? {
        registerOperatorCommand(group: cString(group), name: cString(name), summary: cString(summary),
                                run: run, release: release, data: data, metadata: nil)
    }

    /// Validates one add_operator_command_ex call during init (nil = accepted). What depends on the
    /// rest of the registration (the toolset, the row actions' commands) is checked after init by
    /// `operatorCommandProblem(toolsets:)`, so registration order never matters.
    func registerOperatorCommand(_ definition: th_operator_command_def) -> String? {
        let group = cString(definition.group), name = cString(definition.name)
        let label = "operator command \"\(group) \(name)\""
        let summary = cString(definition.summary)
        guard !summary.isEmpty else { return "\(label) has no summary" }
        let metadata: OperatorCommandMetadata
        switch makeMetadata(definition, name: name) {
        case .success(let made): metadata = made
        case .failure(let refusal): return "\(label): \(refusal.description)"
        }
        return registerOperatorCommand(group: group, name: name, summary: summary, run: definition.run,
                                       release: definition.release, data: definition.command_data, metadata: metadata)
    }

    /// What must hold once init has registered everything: each gating toolset is one of this
    /// plugin's, and each row action names a command of the same group.
    func operatorCommandProblem(toolsets: [RegisteredToolset]) -> String? {
        for command in operatorCommands {
            guard let metadata = command.metadata else { continue }
            let label = "operator command \"\(command.group) \(command.name)\""
            if let toolset = metadata.toolset, !toolsets.contains(where: { $0.name == toolset }) {
                return "\(label) names toolset \"\(toolset)\", which this plugin does not register"
            }
            let siblings = Set(operatorCommands.filter { $0.group == command.group }.map(\.name))
            if let problem = metadata.view.unknownAction(groupCommands: siblings) { return "\(label): view: \(problem)" }
        }
        return nil
    }

    private func registerOperatorCommand(group: String, name: String, summary: String, run: th_operator_fn?,
                                         release: th_release_fn?, data: UnsafeMutableRawPointer?,
                                         metadata: OperatorCommandMetadata?) -> String? {
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
            group: group, name: name, summary: summary, run: run, release: release, commandData: data,
            metadata: metadata, plugin: self))
        return nil
    }

    private func makeMetadata(_ definition: th_operator_command_def, name: String) -> Result<OperatorCommandMetadata, DefinitionProblem> {
        let role = definition.required_role.map { String(cString: $0) }
        guard let requiredRole = role.map(OperatorRole.init(rawValue:)) ?? .defaultRequired else {
            return .failure("required_role \"\(role ?? "")\" is not viewer, admin or owner")
        }
        let input: (JSONValue, CompiledSchema)?
        let output: (JSONValue, CompiledSchema)?
        do {
            input = try schema(definition.input_schema, "input_schema", objectRoot: true)
            output = try schema(definition.output_schema, "output_schema", objectRoot: false)
        } catch { return .failure(error) }
        if let input, let problem = SchemaCommandLine.problem(in: input.0) { return .failure(DefinitionProblem("input_schema: \(problem)")) }
        var view = OperatorView.text
        if let text = definition.view_json {
            guard let parsed = try? JSONParser.parse(String(cString: text)) else { return .failure("view_json is not valid JSON") }
            switch OperatorView.parse(parsed) {
            case .success(let parsedView): view = parsedView
            case .failure(let problem): return .failure(DefinitionProblem("view: \(problem.description)"))
            }
        }
        let toolset = definition.toolset.map { String(cString: $0) }
        return .success(OperatorCommandMetadata(
            title: definition.title.map { String(cString: $0) } ?? name, description: definition.description.map { String(cString: $0) },
            inputSchema: input?.0, inputValidator: input?.1, outputSchema: output?.0, outputValidator: output?.1, view: view,
            annotations: ToolAnnotations(set: definition.annotations_set, values: definition.annotations),
            toolset: toolset, requiredRole: requiredRole))
    }

    /// Parses and compiles one schema member; nil when the plugin gave none.
    private func schema(_ text: UnsafePointer<CChar>?, _ member: String, objectRoot: Bool) throws(DefinitionProblem) -> (JSONValue, CompiledSchema)? {
        guard let text else { return nil }
        guard let parsed = try? JSONParser.parse(String(cString: text)) else { throw DefinitionProblem("\(member) is not valid JSON") }
        if objectRoot, parsed["type"]?.stringValue != "object" { throw DefinitionProblem("\(member) root must have \"type\": \"object\"") }
        do { return (parsed, try CompiledSchema.compile(parsed)) } catch { throw DefinitionProblem("\(member): \(error.message)") }
    }

    private func cString(_ pointer: UnsafePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
}
