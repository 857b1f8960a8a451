import Foundation
import JSON

/// MCP over stdin/stdout for local clients: one compact JSON message per line; nothing but MCP
/// on stdout (logs go to stderr). The token comes from `TOOLHOST_TOKEN`, and every message
/// passes the same access layers as HTTP, so a revoked token stops working mid-session.
struct StdioTransport {
    let access: AccessControl
    let tools: ToolMethods
    let tenant: String
    let toolset: String?
    let token: String

    func run() {
        let legacy = LegacyDispatcher(tools: tools)
        let modern = ModernDispatcher(tools: tools)
        var legacyVersion: String?  // set by initialize; nil until then
        while let line = readLine(strippingNewline: true) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            let body: JSONValue
            do { body = try JSONParser.parse(line) } catch {
                write(RPCReply.error(id: .null, .parse("\(error)")))
                continue
            }
            let caller: Caller
            let calledTool = body["method"]?.stringValue == "tools/call" ? body["params"]?["name"]?.stringValue : nil
            let target = AccessControl.Target(tenant: tenant, toolset: toolset, tool: calledTool, client: "stdio")
            switch access.admit(authorization: "Bearer " + token, target: target) {
            case .failure(let error):
                if body["id"] != nil { write(.error(id: body["id"] ?? .null, error)) }
                continue
            case .success(let admitted): caller = admitted
            }
            // The first message decides the era; an initialize (re)starts the handshake era.
            let isInitialize = body["method"]?.stringValue == "initialize"
            let isModern = !isInitialize && (body["params"]?["_meta"]?[MetaKey.protocolVersion] != nil)
            if isModern {
                write(modern.handle(body, caller: caller, header: nil))
            } else {
                let version = legacyVersion ?? ProtocolVersion.legacyDefault
                let reply = legacy.handle(body, caller: caller, protocolVersion: version) { negotiated in
                    legacyVersion = negotiated
                    return nil
                }
                if isInitialize, case .result(_, let result, _) = reply { legacyVersion = result["protocolVersion"]?.stringValue }
                write(reply)
            }
        }
    }

    private func write(_ reply: RPCReply) {
        guard let body = reply.body else { return }
        var bytes = body.serialized()
        bytes.append(0x0A)
        FileHandle.standardOutput.write(Data(bytes))
    }
}
