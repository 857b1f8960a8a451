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
            // One message at a time, in order: a tool call runs right here. So a
            // notifications/cancelled is only read once the call it names has finished: on stdio
            // cancellation never reaches a running call (header section 10).
            let outcome = mcp.handle(request)
            let progress = outcome.deferredCall?.control?.progress
            progress?.bind(StdioProgress())
            let answer = outcome.resolvedInline()
            progress?.end()
            if !answer.refusesNotification { StdioTransport.write(answer.reply.body) }
        }
    }

    static func write(_ message: JSONValue?) {
        guard let message else { return }
        var bytes = message.serialized()
        bytes.append(0x0A)
        FileHandle.standardOutput.write(Data(bytes))
    }
}

/// Progress on stdio: each notification is a line of its own, before the call's result (which
/// the same thread writes after the call returns, so lines never interleave).
struct StdioProgress: ProgressOutlet {
    func send(_ notification: JSONValue) -> Bool {
        StdioTransport.write(notification)
        return true
    }
}
