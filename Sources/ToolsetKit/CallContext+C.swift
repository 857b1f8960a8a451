import JSON
import PluginABI

extension CallContext {
    /// Copies the host's borrowed th_call_context; absent fields read as empty (the toolset name
    /// defaults to the called toolset's).
    init(reading pointer: UnsafePointer<th_call_context>?, toolset: String) {
        self.init(
            tenant: loadString(pointer, \.tenant) ?? "",
            toolset: loadString(pointer, \.toolset) ?? toolset,
            tokenID: loadString(pointer, \.token_id) ?? "",
            tokenName: loadString(pointer, \.token_name) ?? "",
            scopes: (loadJSON(pointer, \.scopes_json)?.arrayValue ?? []).compactMap(\.stringValue),
            restrictions: loadJSON(pointer, \.restrictions_json)?.objectValue ?? JSONObject(),
            requestID: loadString(pointer, \.request_id) ?? ""
        )
    }
}
