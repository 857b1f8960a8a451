import Glibc
import JSON
import PluginABI

/// call_tool and free_tool_result of th_host_api (header section 12): a job calling another
/// plugin's tool for the token that started it.
extension HostServices {
    func installToolCallFunctions(_ api: UnsafeMutablePointer<th_host_api>) {
        api.pointee.call_tool = { host, handle, tool, args, argsLength, result, resultLength in
            PluginHostContext.from(host).callTool(handle, tool, args, argsLength, result, resultLength)
        }
        api.pointee.free_tool_result = { _, result in free(result) }
    }
}

extension PluginHostContext {
    func callTool(_ pointer: UnsafeMutableRawPointer?, _ toolPointer: UnsafePointer<CChar>?, _ args: UnsafePointer<CChar>?, _ argsLength: Int,
                  _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ resultLength: UnsafeMutablePointer<Int>?) -> th_status {
        let component = "plugin:\(plugin.name)"
        func refuse(_ why: String) -> th_status {
            Log.warning(component, "call_tool: \(why)")
            return TH_INVALID_ARGUMENT
        }
        guard let handle = CallHandle.from(pointer), handle.plugin === plugin else { return refuse("call_handle is NULL or not one of this plugin's calls") }
        guard let job = handle.job else { return refuse("only a job may call other toolsets (header section 12)") }
        guard let toolPointer, let result, let resultLength else { return refuse("tool, result_json and result_len are required") }
        let tool = String(cString: toolPointer)
        if let owner = plugin.toolsets.first(where: { tool.hasPrefix($0.name + ".") || $0.toolsByName[tool] != nil }) {
            return refuse("\(tool) belongs to this plugin's toolset \(owner.name): call your own code directly")
        }
        var arguments = JSONValue.object(JSONObject())
        if let args, argsLength > 0 {
            guard let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(start: args, count: argsLength)), case .object = parsed else {
                return refuse("arguments are not a JSON object")
            }
            arguments = parsed
        }
        guard let calls = services.callsOnBehalf.withLock({ $0 }) else { return refuse("this process runs no jobs, so it makes no calls for them") }
        let answer = Array(JSONValue.object(calls.call(tool, arguments: arguments, job: job, tenant: handle.tenant)).serialized())
        guard let copy = malloc(answer.count + 1)?.assumingMemoryBound(to: CChar.self) else { return TH_ERROR }
        answer.withUnsafeBytes { bytes in memcpy(copy, bytes.baseAddress!, answer.count) }
        copy[answer.count] = 0
        result.pointee = copy
        resultLength.pointee = answer.count
        return TH_OK
    }
}
