import JSON

/// The handshake era (2025-03-26, 2025-06-18, 2025-11-25): initialize, ping, tools.
struct LegacyDispatcher {
    let tools: ToolMethods

    /// - Parameter startSession: mints a session for a successful initialize and returns the
    ///   header to send (HTTP), or nil where sessions do not apply (stdio).
    func handle(_ body: JSONValue, caller: Caller, protocolVersion: String,
                startSession: (String) -> (String, String)?, control: CallControl? = nil) -> RPCReply {
        if case .array = body {
            // A batch where batches are allowed never gets here (MCPService+Batches).
            return .error(id: .null, .invalidRequest("batches are only supported in protocol version 2025-03-26 (this request uses \(protocolVersion))"))
        }
        return handleOne(body, caller: caller, protocolVersion: protocolVersion, startSession: startSession, control: control)
    }

    /// The messages of a 2025-03-26 batch, in order, one reply each (none for notifications).
    /// Once the replies so far reach `maxResponseBytes`, the remaining messages are not run: each
    /// request gets an error saying so, which keeps the response (and the memory it takes)
    /// bounded whatever the batch asks for. The reply that crosses the bound is kept whole: it
    /// may come from a tool that already did its work.
    func handleBatch(_ messages: [JSONValue], caller: Caller, protocolVersion: String, maxResponseBytes: Int) -> [RPCReply] {
        var replies: [RPCReply] = []
        replies.reserveCapacity(messages.count)
        var bytes = 0
        for message in messages {
            guard bytes < maxResponseBytes else {
                replies.append(LegacyDispatcher.notRun(message, maxResponseBytes: maxResponseBytes))
                continue
            }
            let reply = handleOne(message, caller: caller, protocolVersion: protocolVersion, startSession: { _ in nil })
            bytes += reply.body?.serialized().count ?? 0
            replies.append(reply)
        }
        return replies
    }

    private static func notRun(_ message: JSONValue, maxResponseBytes: Int) -> RPCReply {
        switch RPCMessage.from(message) {
        case .failure(let reply): return reply
        case .success(let parsed):
            guard let id = parsed.id, parsed.method != nil else { return .accepted }
            return .error(id: id, RPCError(
                code: RPCCode.batchResponseTooLarge,
                message: "Not run: the replies to this batch already reached \(maxResponseBytes) bytes (max_batch_response_bytes). Nothing was done; send this request again on its own or in a smaller batch",
                data: ["max_batch_response_bytes": .int(Int64(maxResponseBytes))]))
        }
    }

    private func handleOne(_ body: JSONValue, caller: Caller, protocolVersion: String,
                           startSession: (String) -> (String, String)?, control: CallControl? = nil) -> RPCReply {
        let message: RPCMessage
        switch RPCMessage.from(body) {
        case .success(let parsed): message = parsed
        case .failure(let reply): return reply
        }
        // Responses from the client and notifications (initialized, cancelled, …) need no answer.
        guard let method = message.method, let id = message.id else { return .accepted }
        switch MCPMethod(rawValue: method) {
        case .initialize:
            return initialize(id: id, params: message.params, caller: caller, startSession: startSession)
        case .ping:
            return .result(id: id, result: JSONObject())
        case .toolsList:
            return reply(id, tools.list(message.params, caller: caller))
        case .toolsCall:
            return reply(id, tools.call(message.params, caller: caller, protocolVersion: protocolVersion, control: control))
        case .serverDiscover, nil:
            return .error(id: id, .methodNotFound(method))
        }
    }

    private func initialize(id: JSONValue, params: JSONObject, caller: Caller, startSession: (String) -> (String, String)?) -> RPCReply {
        guard let requested = params["protocolVersion"]?.stringValue else {
            return .error(id: id, .invalidParams("initialize requires \"protocolVersion\""))
        }
        // Negotiation: echo a version we support, otherwise offer our latest handshake version.
        let negotiated = ProtocolVersion.isLegacy(requested) ? requested : ProtocolVersion.latestLegacy
        let result: JSONObject = [
            "protocolVersion": .string(negotiated),
            "capabilities": ["tools": ["listChanged": false]],
            "serverInfo": ["name": .string(ServerIdentity.name), "title": .string(ServerIdentity.title), "version": .string(ServerIdentity.version)],
            "instructions": .string(ServerInstructions.text(for: caller, registry: tools.registry)),
        ]
        var headers: [(String, String)] = []
        if let header = startSession(negotiated) { headers.append(header) }
        return .result(id: id, result: result, headers: headers)
    }

    private func reply(_ id: JSONValue, _ outcome: Result<JSONObject, RPCError>) -> RPCReply {
        switch outcome {
        case .success(let result): return .result(id: id, result: result)
        case .failure(let error): return .error(id: id, error)
        }
    }
}

/// The `instructions` a client may show its model: what this endpoint offers.
enum ServerInstructions {
    static func text(for caller: Caller, registry: PluginRegistry) -> String {
        let toolsets = ToolCatalog(registry: registry, caller: caller).visibleToolsets
        guard !toolsets.isEmpty else { return "Toolhost workspace \(caller.tenant.name). This token currently grants no enabled toolset." }
        let lines = toolsets.map { "- \($0.title) (\($0.name)): \($0.description)" }
        return "Toolhost workspace \(caller.tenant.name). Toolsets available to this token:\n" + lines.joined(separator: "\n")
    }
}
