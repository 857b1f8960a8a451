import Foundation
import HTTPServer
import JSON

/// The stateless era (2026-07-28): every request carries its own `_meta` envelope; no
/// handshake, no sessions; `server/discover` describes the server.
struct ModernDispatcher {
    let tools: ToolMethods

    /// - Parameter headers: the HTTP request headers; nil on stdio, where the Mcp-* header
    ///   checks do not apply.
    func handle(_ body: JSONValue, caller: Caller, headers: HTTPHeaders?, control: CallControl? = nil) -> RPCReply {
        if case .array = body {
            return .error(id: .null, .invalidRequest("batches are not supported in protocol version 2026-07-28"))
        }
        let message: RPCMessage
        switch RPCMessage.from(body) {
        case .success(let parsed): message = parsed
        case .failure(let reply): return reply
        }
        guard let method = message.method, let id = message.id else { return .accepted }
        if let error = checkEnvelope(message, method: method, headers: headers) { return .error(id: id, error) }
        switch MCPMethod(rawValue: method) {
        case .serverDiscover:
            return complete(id, .success(discover(caller)))
        case .toolsList:
            return complete(id, tools.list(message.params, caller: caller).map { result in
                var result = result
                result["ttlMs"] = 30_000
                result["cacheScope"] = "private"  // the list depends on the caller's token
                return result
            })
        case .toolsCall:
            return complete(id, tools.call(message.params, caller: caller, protocolVersion: ProtocolVersion.modern[0], control: control))
        case .initialize, .ping, nil:
            // Includes the methods this era removed: initialize, ping, logging/setLevel, …
            return .error(id: id, .methodNotFound(method, httpStatus: 404))
        }
    }

    /// `_meta` (400/-32602), version (400/-32022), then the Mcp-* headers (400/-32020).
    private func checkEnvelope(_ message: RPCMessage, method: String, headers: HTTPHeaders?) -> RPCError? {
        let meta = message.params["_meta"]?.objectValue
        guard let version = meta?[MetaKey.protocolVersion]?.stringValue else {
            return .invalidParams("Missing params._meta[\"\(MetaKey.protocolVersion)\"]", httpStatus: 400)
        }
        guard case .object = meta?[MetaKey.clientCapabilities] else {
            return .invalidParams("Missing params._meta[\"\(MetaKey.clientCapabilities)\"] (an object, may be empty)", httpStatus: 400)
        }
        guard ProtocolVersion.isModern(version) else {
            return ModernDispatcher.unsupportedVersion(version)
        }
        guard let headers else { return nil }
        if headers["MCP-Protocol-Version"] != version {
            return headerMismatch("MCP-Protocol-Version header must equal params._meta protocolVersion \"\(version)\"")
        }
        if decodeHeaderValue(headers["Mcp-Method"]) != method {
            return headerMismatch("Mcp-Method header must equal the request method \"\(method)\"")
        }
        if method == MCPMethod.toolsCall.rawValue {
            let name = message.params["name"]?.stringValue
            if decodeHeaderValue(headers["Mcp-Name"]) != name {
                return headerMismatch("Mcp-Name header must equal params.name \"\(name ?? "")\"")
            }
        }
        return nil
    }

    static func unsupportedVersion(_ requested: String) -> RPCError {
        RPCError(code: RPCCode.unsupportedProtocolVersion, message: "Unsupported protocol version: \(requested)",
                 data: ["supported": .array(ProtocolVersion.all.map { .string($0) }), "requested": .string(requested)],
                 httpStatus: 400)
    }

    private func headerMismatch(_ detail: String) -> RPCError {
        RPCError(code: RPCCode.headerMismatch, message: "Header mismatch: \(detail)", httpStatus: 400)
    }

    /// Header values may be sent as `=?base64?<base64 of UTF-8>?=` for non-ASCII names.
    private func decodeHeaderValue(_ value: String?) -> String? {
        guard let value, value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.count >= 11 else { return value }
        let encoded = String(value.dropFirst(9).dropLast(2))
        guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8) else { return nil }
        return decoded
    }

    private func discover(_ caller: Caller) -> JSONObject {
        let result: JSONObject = [
            "supportedVersions": .array(ProtocolVersion.all.map { .string($0) }),
            "capabilities": ["tools": ["listChanged": false]],
            "instructions": .string(ServerInstructions.text(for: caller, registry: tools.registry)),
            "ttlMs": 300_000,
            "cacheScope": "private",
        ]
        return result
    }

    /// Every modern result carries `resultType` and the server's identity in `_meta`.
    private func complete(_ id: JSONValue, _ outcome: Result<JSONObject, RPCError>) -> RPCReply {
        switch outcome {
        case .failure(let error): return .error(id: id, error)
        case .success(let result): return ModernDispatcher.completed(id: id, result: result)
        }
    }

    /// A complete result: also what a tools/call gets when its deadline passes (CallPlan).
    static func completed(id: JSONValue, result: JSONObject) -> RPCReply {
        var result = result
        result["resultType"] = "complete"
        var meta = result["_meta"]?.objectValue ?? JSONObject()
        meta[MetaKey.serverInfo] = ["name": .string(ServerIdentity.name), "version": .string(ServerIdentity.version)]
        result["_meta"] = .object(meta)
        return .result(id: id, result: result)
    }
}
