import JSON

/// `tools/list` and `tools/call`, shared by both protocol eras and both transports.
struct ToolMethods {
    let registry: PluginRegistry
    let invoker: ToolInvoker
    let events: EventSink?
    let pageSize: Int
    /// Keep redacted arguments in the audit trail (deployer opt-in); otherwise only their digest.
    var recordArguments = false

    // MARK: tools/list

    func list(_ params: JSONObject, caller: Caller) -> Result<JSONObject, RPCError> {
        let tools = ToolCatalog(registry: registry, caller: caller).listedTools()
        var start = 0
        if let cursor = params["cursor"] {
            guard let text = cursor.stringValue, let offset = ToolMethods.decodeCursor(text), offset <= tools.count else {
                return .failure(.invalidParams("Invalid cursor: pass the nextCursor of a previous tools/list result"))
            }
            start = offset
        }
        let end = min(start + pageSize, tools.count)
        var result = JSONObject()
        result["tools"] = .array(tools[start..<end].map { $0.tool.listing(as: $0.name) })
        if end < tools.count { result["nextCursor"] = .string(ToolMethods.encodeCursor(end)) }
        return .success(result)
    }

    /// Cursors are opaque to clients; ours encode an offset with a version tag so that a
    /// malformed or foreign cursor is recognised and refused.
    static func encodeCursor(_ offset: Int) -> String { "tl1." + String(offset, radix: 36) }
    static func decodeCursor(_ cursor: String) -> Int? {
        guard cursor.hasPrefix("tl1."), let offset = Int(cursor.dropFirst(4), radix: 36), offset >= 0 else { return nil }
        return offset
    }

    // MARK: tools/call

    /// - Parameter control: the call's cancellation and progress (header section 10); nil in batches.
    func call(_ params: JSONObject, caller: Caller, protocolVersion: String, control: CallControl? = nil) -> Result<JSONObject, RPCError> {
        guard let name = params["name"]?.stringValue else {
            return .failure(.invalidParams("tools/call requires \"name\" (a string)"))
        }
        let tool: RegisteredTool
        switch ToolCatalog(registry: registry, caller: caller).resolve(name) {
        case .success(let found): tool = found
        case .failure(let failure):
            var layer: Denial.Layer?
            if case .denied(let denial) = failure { layer = denial.layer }
            audit(caller: caller, toolset: registry.toolsetOwning(name), tool: name, outcome: layer == nil ? .invalid : .denied, layer: layer)
            return .failure(failure.rpcError)
        }
        let arguments = params["arguments"] ?? .object(JSONObject())
        guard case .object = arguments else {
            return .failure(.invalidParams("\"arguments\" of tools/call must be an object"))
        }
        let failures = tool.inputValidator.validate(arguments)
        if !failures.isEmpty {
            let detail = failures.map { $0.path.isEmpty ? $0.message : "\($0.path): \($0.message)" }.joined(separator: "; ")
            let text = "Invalid arguments for tool \(name): \(detail)"
            audit(caller: caller, toolset: tool.toolset.name, tool: tool.name, outcome: .invalidArguments, arguments: arguments)
            if ProtocolVersion.reportsValidationAsToolError(protocolVersion) {
                return .success(ToolMethods.errorResult(text))
            }
            return .failure(.invalidParams(text))
        }
        return invoke(tool, arguments: arguments, caller: caller, control: control)
    }

    private func invoke(_ tool: RegisteredTool, arguments: JSONValue, caller: Caller, control: CallControl?) -> Result<JSONObject, RPCError> {
        let requestID = ToolInvoker.nextRequestID()
        let started = Clock.monotonicNanoseconds()
        let argumentBytes = arguments.serialized()
        let record = AuditContext(started: started, requestID: requestID, arguments: arguments, argumentBytes: argumentBytes)
        switch invoker.invoke(tool, arguments: argumentBytes, caller: caller, requestID: requestID, control: control) {
        case .success(let result):
            if let problem = ContentBlocks.problem(in: result["content"]?.arrayValue ?? []) {
                return failed(tool, caller, record, "returned malformed content: \(problem)")
            }
            let isError = result["isError"]?.boolValue == true
            if !isError, let validator = tool.outputValidator {
                guard let structured = result["structuredContent"] else {
                    return failed(tool, caller, record, "returned no structuredContent although \(tool.name) declares an outputSchema")
                }
                let failures = validator.validate(structured)
                if !failures.isEmpty {
                    let detail = failures.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
                    return failed(tool, caller, record, "returned structuredContent that does not match the outputSchema of \(tool.name): \(detail)")
                }
            }
            audit(caller: caller, toolset: tool.toolset.name, tool: tool.name, outcome: isError ? .toolError : .ok, context: record)
            return .success(result)
        case .failure(.plugin(let detail)), .failure(.host(let detail)):
            return failed(tool, caller, record, detail)
        }
    }

    /// The client learns that the toolset failed and which request to quote; the details (which
    /// may include SQL or paths) go to the operator's log only.
    private func failed(_ tool: RegisteredTool, _ caller: Caller, _ context: AuditContext, _ detail: String) -> Result<JSONObject, RPCError> {
        Log.error("tools", "\(context.requestID) tenant \(caller.tenant.name) \(tool.toolset.name)/\(tool.name): \(detail)")
        audit(caller: caller, toolset: tool.toolset.name, tool: tool.name, outcome: .error, context: context)
        return .failure(.internalError("the \(tool.toolset.name) toolset failed while running \(tool.name) (request \(context.requestID); details are in the server log)"))
    }

    static func errorResult(_ text: String) -> JSONObject {
        let result: JSONObject = ["content": [["type": "text", "text": .string(text)]], "isError": true]
        return result
    }

    private struct AuditContext {
        let started: UInt64
        let requestID: String
        let arguments: JSONValue
        let argumentBytes: [UInt8]
    }

    private func audit(caller: Caller, toolset: String?, tool: String, outcome: AuditOutcome, layer: Denial.Layer? = nil,
                       arguments: JSONValue? = nil, context: AuditContext? = nil) {
        #if TOOLHOST_BENCH_WITHOUT_LAYERS
        return
        #endif
        guard let events else { return }
        let duration = context.map { Int64((Clock.monotonicNanoseconds() - $0.started) / 1000) }
        let argumentBytes = context?.argumentBytes ?? arguments?.serialized()
        let recorded = recordArguments ? (context?.arguments ?? arguments).map { Redaction.redact($0).jsonString } : nil
        events.record(AuditEvent(
            timeMs: Clock.nowMilliseconds(), kind: .toolCall, tenant: caller.tenant.name, tokenID: caller.principal.token.publicID,
            tokenName: caller.principal.token.name, toolset: toolset, tool: tool, outcome: outcome, layer: layer,
            requestID: context?.requestID, client: caller.clientAddress, durationMicros: duration, details: .null, plugin: nil,
            argumentsDigest: argumentBytes.map { Crypto.hex(Crypto.sha256($0)) }, arguments: recorded))
    }
}
