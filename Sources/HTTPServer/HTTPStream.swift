// A streamed response: the head now, then body pieces written from any thread as they come
// (Server-Sent Events), then the end. For HTTP/1.1 the body is chunked (RFC 9112 §7.1), so the
// connection stays usable afterwards; for HTTP/1.0 it is delimited by closing the connection.
//
// Pieces travel like whole responses do: through the owning loop's inbox (EventLoop.deliver).
// Memory per connection is bounded twice, and only for *droppable* pieces (`send`): at most
// `maxQueuedBytes` may wait in the inbox, and a piece that finds more than the connection's
// output high-water mark unsent (a client that stopped reading) is dropped on the loop. The last
// piece (`finish`) is never dropped: like any whole response it is bounded by its producer.
import Synchronization

public final class HTTPStream: Sendable {
    /// Droppable bytes that may wait in the loop's inbox for this stream.
    public static let maxQueuedBytes = 64 << 10

    let loop: EventLoop
    let fd: Int32
    let connectionID: UInt64
    let sequence: UInt64
    private let onClose: (@Sendable () -> Void)?
    private let queuedBytes = Atomic<Int>(0)
    private let gone = Atomic<Bool>(false)

    init(responder: HTTPResponder, onClose: (@Sendable () -> Void)?) {
        loop = responder.loop
        fd = responder.fd
        connectionID = responder.connectionID
        sequence = responder.sequence
        self.onClose = onClose
    }

    /// True once the connection closed or the client stopped sending (its side is shut): nothing
    /// sent from now on will be read.
    public var isClosed: Bool { gone.load(ordering: .relaxed) }

    /// Queues one piece of the body; false (and nothing queued) when the stream is closed or too
    /// much is already waiting. Callers send whole messages (one SSE event), so dropping one never
    /// cuts a message in two.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        guard !isClosed, !bytes.isEmpty else { return false }
        let after = queuedBytes.add(bytes.count, ordering: .relaxed).newValue
        guard after <= HTTPStream.maxQueuedBytes else {
            queuedBytes.subtract(bytes.count, ordering: .relaxed)
            return false
        }
        loop.deliver(stream: self, .piece(bytes))
        return true
    }

    /// Queues the last piece (never dropped) and ends the response. Later calls do nothing.
    public func finish(_ last: [UInt8] = []) {
        loop.deliver(stream: self, .end(last))
    }

    /// The loop wrote (or dropped) a queued piece.
    func dequeued(_ count: Int) { queuedBytes.subtract(count, ordering: .relaxed) }

    /// The connection went away, or its peer shut its side: tells the owner once.
    func connectionGone() {
        guard gone.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        onClose?()
    }
}

/// What a stream asks of its loop.
enum StreamPart {
    case start(HTTPResponse)
    case piece([UInt8])
    case end([UInt8])
}

/// How the body of a streamed response is delimited.
struct StreamFraming: Equatable {
    /// Chunked transfer coding (HTTP/1.1); otherwise the end is the connection's close.
    let chunked: Bool
    let close: Bool
    let omitBody: Bool
}

extension HTTPResponder {
    /// Runs `handler` once (on the loop thread) if the client closes the connection, or shuts its
    /// sending side, before this request's response (or stream) was completely queued: e.g. a
    /// 2026-07-28 MCP client that cancels a call by dropping its POST. Nothing happens once the
    /// response is out. Cheapest when called inside the handler (no queueing).
    public func onClientGone(_ handler: @escaping @Sendable () -> Void) {
        loop.watchClient(fd: fd, connectionID: connectionID, sequence: sequence, handler)
    }

    /// Starts a streamed response instead of `send`: the head goes out now (no Content-Length;
    /// chunked, or close-delimited for HTTP/1.0), the body as the stream's `send`/`finish` calls
    /// deliver it. `onClose` runs once (on the loop thread) if the connection closes, or the peer
    /// shuts its side, before `finish`. Like `send`, only the first response for a request counts.
    public func stream(status: Int, headers: HTTPHeaders, onClose: (@Sendable () -> Void)? = nil) -> HTTPStream {
        let stream = HTTPStream(responder: self, onClose: onClose)
        loop.deliver(stream: stream, .start(HTTPResponse(status: status, headers: headers)))
        return stream
    }
}

/// The wire form of a streamed response's head and pieces.
enum StreamEncoding {
    static func appendHead(_ head: HTTPResponse, framing: StreamFraming, date: [UInt8], to output: inout [UInt8]) {
        output.append(contentsOf: "HTTP/1.1 \(head.status) \(reasonPhrase(head.status))\r\n".utf8)
        for (name, value) in head.headers.pairs where !isFramingHeader(name) && !hasLineBreak(name) && !hasLineBreak(value) {
            output.append(contentsOf: "\(name): \(value)\r\n".utf8)
        }
        output.append(contentsOf: date)
        if framing.chunked { output.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8) }
        output.append(contentsOf: framing.close ? "Connection: close\r\n\r\n".utf8 : "\r\n".utf8)
    }

    static func appendPiece(_ bytes: [UInt8], framing: StreamFraming, to output: inout [UInt8]) {
        guard !bytes.isEmpty, !framing.omitBody else { return }
        if framing.chunked { output.append(contentsOf: (String(bytes.count, radix: 16) + "\r\n").utf8) }
        output.append(contentsOf: bytes)
        if framing.chunked { output.append(contentsOf: "\r\n".utf8) }
    }

    static func appendEnd(framing: StreamFraming, to output: inout [UInt8]) {
        if framing.chunked && !framing.omitBody { output.append(contentsOf: "0\r\n\r\n".utf8) }
    }

    /// We own framing and connection management (as for whole responses); CR/LF would split.
    private static func isFramingHeader(_ name: String) -> Bool {
        asciiCaseInsensitiveEquals(name, "Content-Length") || asciiCaseInsensitiveEquals(name, "Transfer-Encoding")
            || asciiCaseInsensitiveEquals(name, "Connection") || asciiCaseInsensitiveEquals(name, "Date")
    }

    private static func hasLineBreak(_ s: String) -> Bool { s.utf8.contains { $0 == 13 || $0 == 10 } }
}
