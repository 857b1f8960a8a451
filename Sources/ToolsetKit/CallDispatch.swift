import JSON
import PluginABI

/// The `call` of every exported toolset.
let callThunk: th_call_fn = { data, context, tool, args, length, result in
    CallDispatcher.dispatch(data, context, tool, args, length, result)
}

/// Runs one tool call that came across the C boundary: finds the tool, decodes its arguments,
/// runs the handler and fills the result. No Swift error leaves `dispatch`.
enum CallDispatcher {
    static func dispatch(
        _ data: UnsafeMutableRawPointer?, _ contextPointer: UnsafePointer<th_call_context>?,
        _ toolPointer: UnsafePointer<CChar>?, _ args: UnsafePointer<CChar>?, _ length: Int,
        _ resultPointer: UnsafeMutablePointer<th_call_result>?
    ) -> th_status {
        guard let resultPointer else { return TH_INVALID_ARGUMENT }
        let result = CallResultSlot(pointer: resultPointer)
        guard let data else { return result.fail(TH_INVALID_ARGUMENT, "call() was given no toolset_data") }
        let toolset = Unmanaged<ExportedToolset>.fromOpaque(data).takeUnretainedValue()
        guard let toolPointer else { return result.fail(TH_INVALID_ARGUMENT, "call() was given no tool name") }
        let toolName = String(cString: toolPointer)
        guard let tool = toolset.tools[toolName] else {
            return result.fail(TH_NOT_FOUND, "toolset \(toolset.name) has no tool named \(toolName)")
        }
        let arguments: JSONObject
        switch decodeArguments(args, length, toolName: toolName) {
        case .success(let object): arguments = object
        case .failure(let malformed): return result.fail(TH_INVALID_ARGUMENT, malformed.message)
        }
        let call = ToolCall(tool: toolName, arguments: ToolArguments(arguments),
                            context: CallContext(reading: contextPointer, toolset: toolset.name),
                            rawContext: contextPointer, db: loadDatabaseHandle(contextPointer, \.db))
        return run(tool, call, into: result)
    }

    /// Runs the handler; a ToolError is the caller's to fix (an isError result), anything else is ours (TH_ERROR).
    private static func run(_ tool: Tool, _ call: ToolCall, into result: CallResultSlot) -> th_status {
        defer { call.endLease() }
        let outcome: ToolResult
        do {
            outcome = try tool.handler(call)
        } catch let error as ToolError {
            outcome = .error(error.message)
        } catch {
            HostAPI.log("tool \(call.tool) failed: \(error)", level: .error)
            return result.fail(TH_ERROR, "tool \(call.tool) failed: \(error)")
        }
        return result.succeed(with: outcome.callToolResultBytes)
    }

    /// No bytes mean no arguments (an empty object); otherwise they must be a JSON object.
    private static func decodeArguments(_ args: UnsafePointer<CChar>?, _ length: Int, toolName: String) -> Result<JSONObject, MalformedArguments> {
        guard let args, length > 0 else { return .success(JSONObject()) }
        do {
            let parsed = try JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(args), count: length))
            guard case .object(let object) = parsed else {
                return .failure(MalformedArguments("the arguments of \(toolName) must be a JSON object, got \(parsed.typeName)"))
            }
            return .success(object)
        } catch {
            return .failure(MalformedArguments("the arguments of \(toolName) are not valid JSON: \(error)"))
        }
    }

}

/// Arguments the host should never have passed (it validates them against the input schema first).
struct MalformedArguments: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
