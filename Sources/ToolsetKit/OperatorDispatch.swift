import JSON
import PluginABI

/// The `fn` of every exported operator command.
let operatorThunk: th_operator_fn = { data, context, args, length, result in
    OperatorDispatcher.dispatch(data, context, args, length, result)
}

/// Runs one operator command that came across the C boundary (header section 7) and fills the
/// result with {"text", "data", "events"} or {"error"}. No Swift error leaves `dispatch`.
enum OperatorDispatcher {
    static func dispatch(
        _ data: UnsafeMutableRawPointer?, _ contextPointer: UnsafePointer<th_operator_context>?,
        _ args: UnsafePointer<CChar>?, _ length: Int, _ resultPointer: UnsafeMutablePointer<th_call_result>?
    ) -> th_status {
        guard let resultPointer else { return TH_INVALID_ARGUMENT }
        let result = CallResultSlot(pointer: resultPointer)
        guard let data else { return result.fail(TH_INVALID_ARGUMENT, "operator command was given no command_data") }
        let command = Unmanaged<ExportedOperatorCommand>.fromOpaque(data).takeUnretainedValue().command
        guard let arguments = decodeArguments(args, length, validatedObject: command.details != nil) else {
            return result.fail(TH_INVALID_ARGUMENT, "operator arguments are not a JSON object")
        }
        return run(command, arguments, makeContext(contextPointer), into: result)
    }

    /// Runs the handler; a ToolError is the operator's mistake ({"error"}), anything else is ours (TH_ERROR).
    private static func run(_ command: OperatorCommand, _ arguments: OperatorArguments, _ context: OperatorContext,
                            into result: CallResultSlot) -> th_status {
        var object = JSONObject()
        defer { context.endLease() }
        do {
            switch try command.handler(context, arguments) {
            case .ok(let text, let data):
                object["text"] = .string(text)
                object["data"] = data ?? .null
                if !context.events.isEmpty { object["events"] = .array(context.events) }
            case .error(let message):
                object["error"] = .string(message)
            }
        } catch let error as ToolError {
            object["error"] = .string(error.message)
        } catch {
            HostAPI.log("operator command \(command.group) \(command.name) failed: \(error)", level: .error)
            return result.fail(TH_ERROR, "operator command \(command.group) \(command.name) failed: \(error)")
        }
        return result.succeed(with: JSONValue.object(object).serialized())
    }

    /// {"positional": [...], "options": {...}} for a 1.1 command; the arguments object itself for a
    /// 1.2 one (`validatedObject`). No bytes mean no arguments, nil means not a JSON object.
    private static func decodeArguments(_ args: UnsafePointer<CChar>?, _ length: Int, validatedObject: Bool) -> OperatorArguments? {
        guard let args, length > 0 else { return OperatorArguments(positional: [], options: JSONObject()) }
        guard let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(args), count: length)),
              case .object(let object) = parsed else { return nil }
        if validatedObject { return OperatorArguments(positional: [], options: object) }
        return OperatorArguments(positional: (object["positional"]?.arrayValue ?? []).compactMap(\.stringValue),
                                 options: object["options"]?.objectValue ?? JSONObject())
    }

    /// Copies the host's borrowed th_operator_context; absent fields read as empty.
    private static func makeContext(_ pointer: UnsafePointer<th_operator_context>?) -> OperatorContext {
        OperatorContext(tenant: loadString(pointer, \.tenant) ?? "", operatorName: loadString(pointer, \.operator_name) ?? "",
                        requestID: loadString(pointer, \.request_id) ?? "", operatorRole: loadString(pointer, \.operator_role) ?? "",
                        channel: loadString(pointer, \.channel) ?? "",
                        callHandle: pointer.flatMap { loadField($0, \.call_handle) } ?? nil, db: loadDatabaseHandle(pointer, \.db))
    }
}
