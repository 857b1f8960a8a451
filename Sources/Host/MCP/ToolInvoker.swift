import JSON
import PluginABI
import Synchronization

/// Crosses the C boundary for one tools/call: leases the tenant's database for the plugin,
/// builds the call context, calls the toolset, copies the result out and hands it back to the
/// plugin's release function (whoever allocates, frees).
struct ToolInvoker {
    let databases: ToolsetDatabases

    private static let requestCounter = Atomic<UInt64>(0)
    private static let processTag = Crypto.hex(Crypto.randomBytes(4))

    static func nextRequestID() -> String {
        let number = requestCounter.add(1, ordering: .relaxed).newValue
        return "req_\(processTag)_\(number)"
    }

    enum Failure: Error {
        /// The plugin reported that it failed (non-OK status) or broke the result contract.
        case plugin(String)
        /// The host could not prepare the call (e.g. the tenant database would not open).
        case host(String)
    }

    func invoke(_ tool: RegisteredTool, arguments: [UInt8], caller: Caller, requestID: String,
                control: CallControl? = nil) -> Result<JSONObject, Failure> {
        let toolset = tool.toolset
        let token = caller.principal.token
        let strings = CStringBlock([caller.tenant.name, toolset.name, token.publicID, token.name, token.grants.effectiveScopesJSON, token.restrictionsJSON, requestID])
        do {
            return try databases.withDatabase(tenant: caller.tenant.name, plugin: toolset.plugin,
                                              purpose: "toolset \(toolset.name), tool \(tool.name)") { database in
                strings.withPointers { p in
                    var context = th_call_context()
                    context.struct_size = UInt32(MemoryLayout<th_call_context>.size)
                    context.tenant = p[0]
                    context.toolset = p[1]
                    context.token_id = p[2]
                    context.token_name = p[3]
                    context.scopes_json = p[4]
                    context.restrictions_json = p[5]
                    context.request_id = p[6]
                    context.db = UnsafeMutableRawPointer(database.handle)
                    // ABI 1.2: what enqueue_job and friends act for; alive until callPlugin returns.
                    let handle = CallHandle(tenant: caller.tenant.name, plugin: toolset.plugin, origin: token.publicID, requestID: requestID,
                                            control: control)
                    context.call_handle = handle.opaque
                    return withExtendedLifetime(handle) { callPlugin(tool, context: &context, arguments: arguments) }
                }
            }
        } catch {
            return .failure(.host("\(error)"))
        }
    }

    private func callPlugin(_ tool: RegisteredTool, context: inout th_call_context, arguments: [UInt8]) -> Result<JSONObject, Failure> {
        let toolset = tool.toolset
        let reply = PluginCall.run(arguments: arguments, release: { toolset.release(toolset.toolsetData, $0) }) { args, count, result in
            tool.cName.withUnsafeBufferPointer { name in toolset.call(toolset.toolsetData, &context, name.baseAddress, args, count, result) }
        }
        guard reply.status == TH_OK else {
            return .failure(.plugin("toolset \(toolset.name) failed in \(tool.name) (status \(reply.status.rawValue)): \(reply.message ?? "no message")"))
        }
        switch reply.json {
        case nil: return .failure(.plugin("toolset \(toolset.name) returned no result from \(tool.name)"))
        case .failure(let error): return .failure(.plugin("toolset \(toolset.name) returned malformed JSON from \(tool.name): \(error)"))
        case .success(let value):
            guard case .object(let object) = value, object["content"]?.arrayValue != nil else {
                return .failure(.plugin("toolset \(toolset.name) returned a result without a content array from \(tool.name)"))
            }
            return .success(object)
        }
    }
}

/// Several C strings in one allocation, so building a call context costs one malloc, not seven.
struct CStringBlock {
    private var storage: [CChar] = []
    private var offsets: [Int] = []

    init(_ strings: [String]) {
        for string in strings {
            offsets.append(storage.count)
            storage.append(contentsOf: string.utf8CString)
        }
    }

    func withPointers<T>(_ body: ([UnsafePointer<CChar>]) -> T) -> T {
        storage.withUnsafeBufferPointer { buffer in
            body(offsets.map { buffer.baseAddress! + $0 })
        }
    }
}
