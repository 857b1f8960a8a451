import Foundation
import JSON

/// MCP over stdin/stdout for local clients: one compact JSON message per line; nothing but MCP
/// on stdout (logs go to stderr). The token comes from `TOOLHOST_TOKEN`, and every message goes
/// through the same core as HTTP (MCPService: access layers, era selection, dispatch), so a
/// revoked token stops working mid-session. The process is the handshake era's one session.
struct StdioTransport {
    let mcp: MCPService
    let tenant: String
    let toolset: String?
    let token: String

    init(access: AccessControl, tools: ToolMethods, tenant: String, toolset: String?, token: String, settings: MCPSettings) {
        // No sessions by id and no OAuth on stdio: the store stays empty.
        self.mcp = MCPService(access: access, tools: tools, sessions: SessionStore(), oauth: nil, settings: settings)
        self.tenant = tenant
        self.toolset = toolset
        self.token = token
    }

    func run() {
        let session = ProcessSession()
        while let line = readLine(strippingNewline: true) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            let request = MCPRequest(body: Array(line.utf8), tenant: tenant, toolset: toolset, authorization: "Bearer " + token,
                                     client: "stdio", transport: .stdio(session))
            // One message at a time, in order: a tool call runs right here.
            let answer = mcp.handle(request).resolvedInline()
            if !answer.refusesNotification { write(answer.reply) }
        }
    }

    private func write(_ reply: RPCReply) {
        guard let body = reply.body else { return }
        var bytes = body.serialized()
        bytes.append(0x0A)
        FileHandle.standardOutput.write(Data(bytes))
    }
}
