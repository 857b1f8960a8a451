import HTTPServer
import JSON
import Locking

/// Answers one tools/call whose client asked for progress (header section 10): as plain JSON,
/// exactly as without progress, until the plugin reports some; from the first report on as a
/// Server-Sent Events stream (Streamable HTTP, both eras) carrying each notifications/progress as
/// it happens, then the JSON-RPC response, then the end of the stream. So a call that reports no
/// progress looks the same whether or not the client sent a token.
///
/// Each message is one `event: message` with its compact JSON on one `data:` line (JSON text
/// never holds a raw line break). A call the client cancelled gets no response on its stream,
/// as MCP asks; the stream just ends.
final class SSECallAnswer: ProgressOutlet, Sendable {
    /// Opens the streamed response with these headers.
    typealias Opener = @Sendable (HTTPHeaders) -> HTTPStream

    private enum Phase {
        /// No progress yet: the answer, if it comes now, is plain JSON.
        case plain
        case streaming(HTTPStream)
        case answered
    }

    private let phase = Locked(Phase.plain)
    private let open: Opener
    private let respond: @Sendable (HTTPResponse) -> Void

    init(open: @escaping Opener, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        self.open = open
        self.respond = respond
    }

    static let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                      ("X-Accel-Buffering", "no")])

    func send(_ notification: JSONValue) -> Bool {
        let event = SSECallAnswer.event(notification)
        return phase.withLock { phase in
            switch phase {
            case .plain:
                let stream = open(SSECallAnswer.headers)
                phase = .streaming(stream)
                return stream.send(event)
            case .streaming(let stream):
                return stream.send(event)
            case .answered:
                return false
            }
        }
    }

    /// The call's answer: the last event of the stream, or the whole response when none started.
    /// `cancelled`: the client cancelled the call, so a stream ends without it.
    func answer(_ reply: RPCReply, cancelled: Bool) {
        let open = phase.withLock { phase -> HTTPStream?? in
            defer { phase = .answered }
            switch phase {
            case .plain: return .some(nil)
            case .streaming(let stream): return .some(stream)
            case .answered: return nil
            }
        }
        switch open {
        case nil: return   // answered already
        case .some(nil): respond(.reply(reply))
        case .some(let stream?):
            guard !cancelled, let body = reply.body else { return stream.finish() }
            stream.finish(SSECallAnswer.event(body))
        }
    }

    static func event(_ message: JSONValue) -> [UInt8] {
        var bytes = Array("event: message\ndata: ".utf8)
        bytes.append(contentsOf: message.serialized())
        bytes.append(contentsOf: "\n\n".utf8)
        return bytes
    }
}
