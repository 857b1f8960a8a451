import JSON
import PluginABI

extension CallContext {
    /// Copies the host's borrowed th_call_context; absent fields read as empty (the toolset name
    /// defaults to the called toolset's).
    init(reading pointer: UnsafePointer<th_call_context>?, toolset: String) {
        func string(_ field: KeyPath<th_call_context, UnsafePointer<CChar>?>) -> String? {
            guard let pointer, let value = loadField(pointer, field), let value else { return nil }
            return String(cString: value)
        }
        var scopes: [String] = []
        if let text = string(\.scopes_json), case .array(let values)? = try? JSONParser.parse(text) {
            scopes = values.compactMap(\.stringValue)
        }
        var restrictions = JSONObject()
        if let text = string(\.restrictions_json), case .object(let object)? = try? JSONParser.parse(text) {
            restrictions = object
        }
        self.init(
            tenant: string(\.tenant) ?? "",
            toolset: string(\.toolset) ?? toolset,
            tokenID: string(\.token_id) ?? "",
            tokenName: string(\.token_name) ?? "",
            scopes: scopes,
            restrictions: restrictions,
            requestID: string(\.request_id) ?? ""
        )
    }
}
