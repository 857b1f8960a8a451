import HTTPServer
import JSON
import Synchronization

/// One MCP message as a transport hands it to the core (MCPService): the raw bytes, where it was
/// sent, who presents which credentials, and what only this transport knows.
struct MCPRequest: Sendable {
    /// The JSON-RPC message (or 2025-03-26 batch) exactly as received.
    let body: [UInt8]
    let tenant: String
    /// The toolset of a per-toolset endpoint; nil for the combined endpoint.
    let toolset: String?
    /// An `Authorization` header value ("Bearer …"); nil when none was sent.
    let authorization: String?
    /// The client's address, for the abuse guard and the audit trail.
    let client: String
    let transport: Transport
    /// The transport can carry notifications/progress for this message (HTTP: the client's Accept
    /// allows text/event-stream; stdio: always). Computed, and asked only of calls that carry a
    /// progressToken, so other requests never parse their Accept header.
    var acceptsProgress: Bool {
        switch transport {
        case .http(let headers): return AcceptHeader.allowsEventStream(headers["Accept"])
        case .stdio: return true
        }
    }

    enum Transport: Sendable {
        /// Streamable HTTP: its headers (version, Mcp-* checks, Mcp-Session-Id) take part in era
        /// selection; OAuth access tokens are bound to its endpoint URLs.
        case http(HTTPHeaders)
        /// stdio: no headers; the process is the one session; OAuth's resource binding does not apply.
        case stdio(ProcessSession)
    }

    /// The HTTP headers; nil on stdio, where the checks that only exist with headers (the
    /// stateless era's Mcp-* headers) are skipped rather than failed.
    var httpHeaders: HTTPHeaders? {
        if case .http(let headers) = transport { return headers }
        return nil
    }

    /// `{tenant}` or `{tenant}/{toolset}`: sessions are only honoured on the endpoint that made them.
    var endpointKey: String { toolset.map { tenant + "/" + $0 } ?? tenant }
}

/// The handshake-era session of a stdio process: the version `initialize` negotiated, if any.
final class ProcessSession: Sendable {
    private let negotiated = Mutex<String?>(nil)

    var protocolVersion: String? { negotiated.withLock { $0 } }
    func start(_ version: String) { negotiated.withLock { $0 = version } }
}

/// What the core answers: a reply now, or — for tool calls, which may take as long as the toolset
/// likes — the rest of the work, for the transport to run where slow work belongs (HTTP: the
/// ToolCallScheduler, with per-toolset caps and deadlines; stdio: in line, one message at a time,
/// without a deadline).
enum MCPOutcome {
    case answered(MCPAnswer)
    case deferred(DeferredCall)

    var deferredCall: DeferredCall? {
        if case .deferred(let call) = self { return call }
        return nil
    }

    /// Runs deferred work on the calling thread, to completion.
    func resolvedInline() -> MCPAnswer {
        switch self {
        case .answered(let answer): return answer
        case .deferred(let call): return call.run()
        }
    }
}

struct MCPAnswer {
    let reply: RPCReply
    /// The message was a notification the access layers refused. HTTP still answers it (401/403
    /// carry the challenge); stdio writes nothing, since JSON-RPC never answers a notification.
    var refusesNotification = false
}
