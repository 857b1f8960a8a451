import JSON
import PluginABI

/// The one way the host calls into a plugin function that fills a `th_call_result` — a tool
/// call or an operator command (header sections 3 and 7):
///   1. hand it a zeroed result whose struct_size is the host's,
///   2. copy out what it returned (message, JSON) while the bytes are still the plugin's,
///   3. hand the result back to the plugin's release function exactly once, if it holds anything
///      (whoever allocates, frees),
///   4. parse the copied JSON (duplicate member names refused, like any JSON from outside).
/// What the reply means is the caller's business (ToolInvoker, RegisteredOperatorCommand).
struct PluginReply {
    let status: th_status
    /// `result->message`: why a non-OK status failed, if the plugin said.
    let message: String?
    /// The result JSON; nil when the plugin returned none.
    let json: Result<JSONValue, JSONParseError>?
}

enum PluginCall {
    /// - Parameters:
    ///   - arguments: the UTF-8 JSON passed as `args`/`args_len`.
    ///   - release: the plugin's release function, bound to its data pointer.
    ///   - invoke: calls the plugin function with `args`, `args_len` and the result to fill.
    static func run(arguments: [UInt8], release: (UnsafeMutablePointer<th_call_result>) -> Void,
                    _ invoke: (UnsafePointer<CChar>?, Int, UnsafeMutablePointer<th_call_result>) -> th_status) -> PluginReply {
        var result = th_call_result()
        result.struct_size = UInt32(MemoryLayout<th_call_result>.size)
        let status = arguments.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in invoke(chars.baseAddress, chars.count, &result) }
        }
        // Copy out before releasing: until then the bytes belong to the plugin.
        let message = result.message.map { String(cString: $0) }
        let json = result.json.map { pointer in
            Result { () throws(JSONParseError) in
                try JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: result.json_len))
            }
        }
        if result.json != nil || result.release_data != nil { release(&result) }
        return PluginReply(status: status, message: message, json: json)
    }
}
