import JSON
import PluginABI

/// What a tool call made from a job came to (header section 12).
public enum ToolCallOutcome: Sendable {
    /// The tool ran; its CallToolResult, which may be an `isError` result.
    case result(JSONObject)
    /// Something refused it before or while it ran: exactly the JSON-RPC error a client would
    /// have got (an access layer's denial with `data.layer`, invalid arguments, a failed toolset).
    case refused(code: Int64, message: String, data: JSONValue?)
}

extension JobRun {
    /// Calls `tool` ("toolset.tool") of another plugin as the token that started this job,
    /// through every access layer. Throws only when the host cannot make the call at all (not a
    /// 1.2 host, this plugin's own tool, not from a job); refusals come back as `.refused`.
    public func callTool(_ tool: String, arguments: JSONValue = .object(JSONObject())) throws(JobServiceError) -> ToolCallOutcome {
        let table = try services.hostTable()
        guard let call = table.call_tool, let free = table.free_tool_result else {
            throw JobServiceError(status: TH_UNSUPPORTED, message: "this host cannot call tools from jobs (call_tool)")
        }
        let bytes = arguments.serialized()
        var answer: UnsafeMutablePointer<CChar>?
        var length = 0
        let status = tool.withCString { name in
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { call(table.host, services.handle, name, $0.baseAddress, $0.count, &answer, &length) }
            }
        }
        guard status == TH_OK, let answer else {
            throw JobServiceError(status: status, message: "the host refused to call \(tool) (status \(status.rawValue)); see its log")
        }
        defer { free(table.host, answer) }
        let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(start: answer, count: length))
        if let result = parsed?["result"]?.objectValue { return .result(result) }
        let error = parsed?["error"]?.objectValue
        return .refused(code: error?["code"]?.intValue ?? -32603, message: error?["message"]?.stringValue ?? "the host gave no answer",
                        data: error?["data"])
    }
}
