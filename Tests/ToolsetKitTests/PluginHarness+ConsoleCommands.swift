import JSON
import JSONSchema
import PluginABI

/// The test host's side of ABI 1.2 console-ready operator commands (header section 7a): it keeps
/// what a command declares and, like the real host, builds and validates the arguments object
/// before the command runs and checks its data against the output schema afterwards.
extension TestHost {
    struct ConsoleInfo {
        let title: String?
        let input: JSONValue?
        let inputValidator: CompiledSchema?
        let outputValidator: CompiledSchema?
        let view: JSONValue?
        let annotationsSet: UInt32
        let annotations: UInt32
        let toolset: String?
        let role: String?

        struct Refusal: Error { let message: String }

        /// Operands fill the x-positional properties in order; options are taken as given.
        func arguments(positional: [String], options: JSONObject) -> Result<JSONObject, Refusal> {
            var object = options
            let names = (input?["x-positional"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard positional.count <= names.count else { return .failure(Refusal(message: "unexpected word \"\(positional[names.count])\"")) }
            for (name, word) in zip(names, positional) { object[name] = .string(word) }
            guard let inputValidator else {
                return object.isEmpty ? .success(object) : .failure(Refusal(message: "this command takes no arguments"))
            }
            let failures = inputValidator.validate(.object(object))
            return failures.isEmpty ? .success(object) : .failure(Refusal(message: failures.map(\.description).joined(separator: "; ")))
        }

        func outputProblem(_ result: JSONValue?) -> String? {
            guard let outputValidator, let result, result["error"] == nil else { return nil }
            let failures = outputValidator.validate(result["data"] ?? .null)
            return failures.isEmpty ? nil : "data breaks the output schema: " + failures.map(\.description).joined(separator: "; ")
        }
    }

    func addConsoleCommand(_ def: th_operator_command_def) -> th_status {
        guard let group = def.group, let name = def.name, let run = def.run, let release = def.release else { return TH_INVALID_ARGUMENT }
        func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        func json(_ pointer: UnsafePointer<CChar>?) -> JSONValue? { text(pointer).flatMap { try? JSONParser.parse($0) } }
        let input = json(def.input_schema), output = json(def.output_schema)
        do {
            let console = ConsoleInfo(
                title: text(def.title), input: input, inputValidator: try input.map(CompiledSchema.compile),
                outputValidator: try output.map(CompiledSchema.compile), view: json(def.view_json),
                annotationsSet: def.annotations_set, annotations: def.annotations, toolset: text(def.toolset), role: text(def.required_role))
            operatorCommands.append(OperatorCommandInfo(
                group: String(cString: group), name: String(cString: name), summary: text(def.summary) ?? "",
                run: run, release: release, data: def.command_data, console: console))
            return TH_OK
        } catch {
            return TH_INVALID_ARGUMENT
        }
    }
}
