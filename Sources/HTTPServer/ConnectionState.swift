// The request/response life cycle of one connection as an explicit state machine (in the style
// of SwiftNIO's HTTPServerPipelineHandler). Pure value type: no sockets, no clock, no buffers —
// `Connection` does the I/O and asks this type what is allowed next.
//
// Rule for illegal moves: a transition that is not allowed from the current phase throws
// `IllegalTransition` and leaves the state untouched. The type itself never traps so its tests
// can check the refusal; `Connection.transition(_:)` turns the error into `assertionFailure`
// (debug builds trap, so tests catch it) and, in release builds, closes the connection rather
// than carry on in a state nobody designed.
//
// Legal moves:
//   awaitingFirstByte ── headBytesBuffered ──▶ readingHead
//   idle              ── headBytesBuffered ──▶ readingHead
//   readingHead       ── headParsed ─────────▶ readingBody, or awaitingResponse when there is no body
//   readingBody       ── bodyComplete ───────▶ awaitingResponse
//   awaitingResponse  ── responseQueued ─────▶ idle (keep-alive) or closingAfterFlush
//   awaitingResponse  ── streamStarted ──────▶ streaming
//   streaming         ── streamEnded ────────▶ idle (keep-alive) or closingAfterFlush
//   readingHead, readingBody ── protocolErrorQueued ──▶ closingAfterFlush
//   closingAfterFlush ── startLingering ─────▶ lingering
//   any phase         ── close ──────────────▶ closed
// peerClosedInput only records the EOF (`inputEnded`), which is orthogonal to the phase.

/// A transition the current phase does not allow; always a bug in the caller.
struct IllegalTransition: Error, CustomStringConvertible {
    let event: String
    let phase: String
    var description: String { "illegal connection transition '\(event)' in phase \(phase)" }
}

/// A parsed head whose body is still arriving; exists only while reading the body.
struct IncomingRequest {
    let head: ParsedHead
    /// When the first byte of this request was seen; the header timeout covers head and body.
    let startedAt: Double
    var body: [UInt8] = []
    var chunkDecoder = ChunkedDecoder()
}

/// A complete request, ready for the handler.
struct CompleteRequest {
    let head: ParsedHead
    let body: [UInt8]
    /// Number the responder must quote; any other number is a stale responder.
    let sequence: UInt64
}

/// What the response to the request with the handler must look like; exists only while
/// the handler has the request.
struct RequestInFlight: Equatable {
    let sequence: UInt64
    let keepAlive: Bool
    let isHTTP10: Bool
    let isHEAD: Bool
}

/// How to frame a response on the wire.
struct ResponseFraming: Equatable {
    /// Send "Connection: close" and close once written.
    let close: Bool
    /// An HTTP/1.0 client staying alive must be told so ("Connection: keep-alive").
    let announceKeepAlive: Bool
    /// HEAD: headers (including Content-Length) but no body bytes.
    let omitBody: Bool

    /// Our own error answers (400, 408, 413, 431, 503): always close, always with a body.
    static let protocolError = ResponseFraming(close: true, announceKeepAlive: false, omitBody: false)
}

enum HeadParsedAction {
    /// A body follows; keep feeding input to the body reader.
    case readBody
    /// No body: hand this request to the handler now.
    case dispatch(CompleteRequest)
}

enum ResponseDecision: Equatable {
    /// From a responder whose request is over (second send, or the connection moved on).
    case ignoreStale
    case write(ResponseFraming)
}

struct ConnectionState {
    enum Phase {
        /// A new connection that has sent nothing yet: the (short) first-byte deadline runs from
        /// `since`. Separate from `idle` because a silent new socket has proven nothing, while a
        /// keep-alive connection between requests legitimately waits longer.
        case awaitingFirstByte(since: Double)
        /// Between requests, nothing buffered: the idle timeout runs from `since`.
        case idle(since: Double)
        /// Part of a request head is buffered; the header timeout runs from `startedAt`.
        case readingHead(startedAt: Double)
        /// Head parsed, reading a Content-Length or chunked body.
        case readingBody(IncomingRequest)
        /// The handler has the request; further pipelined input stays buffered until it responds.
        case awaitingResponse(RequestInFlight)
        /// A streamed response (HTTPStream) is being written: like awaitingResponse, further
        /// input stays buffered until it ends; `close` is decided when it starts.
        case streaming(close: Bool)
        /// A final response is queued ("Connection: close" or an error): parse nothing more,
        /// wait for the output to drain.
        case closingAfterFlush
        /// Last response flushed and our side shut down; draining input until the peer closes,
        /// so unread request bytes don't turn our close into a RST that destroys the response.
        case lingering(deadline: Double)
        case closed
        /// Only inside `modifyIncomingRequest`: lets the body buffer be mutated in place
        /// instead of copied. Never observable from outside this type.
        case modifying
    }

    private(set) var phase: Phase
    /// The peer's FIN was read. Orthogonal to `phase`: a client may half-close in any phase
    /// (e.g. right after sending its request) and still expects its response.
    private(set) var inputEnded = false
    /// Number of the latest request dispatched; responders quoting an older one are stale.
    private var lastSequence: UInt64 = 0

    init(now: Double) {
        phase = .awaitingFirstByte(since: now)
    }

    // MARK: - Queries

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// Lingering: input is read only to be thrown away, and never pauses.
    var discardsInput: Bool {
        if case .lingering = phase { return true }
        return false
    }

    var isClosingAfterFlush: Bool {
        if case .closingAfterFlush = phase { return true }
        return false
    }

    /// New, idle or part-way through a head: the next thing to parse is a request head.
    var awaitsRequestHead: Bool {
        switch phase {
        case .awaitingFirstByte, .idle, .readingHead: return true
        default: return false
        }
    }

    /// What buffered input is for in this phase. A payload-free answer on purpose: switching
    /// over `phase` itself would copy a `readingBody` payload and force the body being received
    /// to be copied on its next append.
    var inputConsumer: InputConsumer {
        switch phase {
        case .awaitingFirstByte, .idle, .readingHead: return .requestHead
        case .readingBody: return .requestBody
        case .awaitingResponse, .streaming, .closingAfterFlush, .lingering, .closed, .modifying: return .nothing
        }
    }

    enum InputConsumer {
        case requestHead
        case requestBody
        /// The handler has a request, a final response is queued, or we are lingering/closed.
        case nothing
    }

    /// Request `sequence` is still unanswered, or its streamed response still running.
    func awaitsResponse(sequence: UInt64) -> Bool {
        switch phase {
        case .awaitingResponse(let request): return request.sequence == sequence
        case .streaming: return sequence == lastSequence
        default: return false
        }
    }

    /// When the request being received started (header timeout); nil when none is.
    var requestStartedAt: Double? {
        switch phase {
        case .readingHead(let startedAt): return startedAt
        case .readingBody(let incoming): return incoming.startedAt
        default: return nil
        }
    }

    /// Once input has ended, whether nothing more can happen on this connection.
    func isFinishedAfterInputEnded(outputPending: Bool) -> Bool {
        guard inputEnded else { return false }
        switch phase {
        case .lingering: return true
        case .awaitingFirstByte, .idle, .readingHead, .readingBody, .closingAfterFlush: return !outputPending
        case .awaitingResponse, .streaming, .closed, .modifying: return false
        }
    }

    // MARK: - Request side

    /// Bytes of a request head are buffered; starts the header timeout on the first of them.
    mutating func headBytesBuffered(now: Double) throws(IllegalTransition) {
        switch phase {
        case .awaitingFirstByte, .idle: phase = .readingHead(startedAt: now)
        case .readingHead: break   // the timer already runs from the first byte
        default: throw illegal("headBytesBuffered")
        }
    }

    mutating func headParsed(_ head: ParsedHead) throws(IllegalTransition) -> HeadParsedAction {
        guard case .readingHead(let startedAt) = phase else { throw illegal("headParsed") }
        guard head.chunked || head.contentLength > 0 else {
            return .dispatch(startHandling(head, body: []))
        }
        var incoming = IncomingRequest(head: head, startedAt: startedAt)
        if !head.chunked { incoming.body.reserveCapacity(head.contentLength) }
        phase = .readingBody(incoming)
        return .readBody
    }

    /// Gives in-place access to the body being received (no copy of what arrived so far).
    mutating func modifyIncomingRequest<R>(_ work: (inout IncomingRequest) -> R) throws(IllegalTransition) -> R {
        guard case .readingBody(var incoming) = phase else { throw illegal("modifyIncomingRequest") }
        phase = .modifying   // drop the enum's reference so `incoming.body` is uniquely owned
        defer { phase = .readingBody(incoming) }
        return work(&incoming)
    }

    mutating func bodyComplete() throws(IllegalTransition) -> CompleteRequest {
        guard case .readingBody(let incoming) = phase else { throw illegal("bodyComplete") }
        phase = .modifying   // as above: hand the body over without copying it
        return startHandling(incoming.head, body: incoming.body)
    }

    private mutating func startHandling(_ head: ParsedHead, body: [UInt8]) -> CompleteRequest {
        lastSequence &+= 1
        phase = .awaitingResponse(RequestInFlight(sequence: lastSequence, keepAlive: head.keepAlive,
                                                  isHTTP10: head.version == "HTTP/1.0", isHEAD: head.isHEAD))
        return CompleteRequest(head: head, body: body, sequence: lastSequence)
    }

    // MARK: - Response side

    /// A responder delivered a response. `forceClose`: the server is shutting down or the
    /// handler asked for "Connection: close". Not throwing: responders run user code, so a
    /// late or repeated one is expected and simply ignored.
    mutating func responseQueued(sequence: UInt64, forceClose: Bool, now: Double) -> ResponseDecision {
        guard case .awaitingResponse(let request) = phase, request.sequence == sequence else { return .ignoreStale }
        let close = !request.keepAlive || forceClose
        phase = close ? .closingAfterFlush : .idle(since: now)
        return .write(ResponseFraming(close: close, announceKeepAlive: request.isHTTP10, omitBody: request.isHEAD))
    }

    /// A responder started a streamed response instead. HTTP/1.0 has no chunked coding, so its
    /// stream ends by closing. Stale like `responseQueued` when the request is not the current one.
    mutating func streamStarted(sequence: UInt64, forceClose: Bool) -> StreamFraming? {
        guard case .awaitingResponse(let request) = phase, request.sequence == sequence else { return nil }
        let close = !request.keepAlive || forceClose || request.isHTTP10
        phase = .streaming(close: close)
        return StreamFraming(chunked: !request.isHTTP10, close: close, omitBody: request.isHEAD)
    }

    /// The streamed response's last piece is queued.
    mutating func streamEnded(now: Double) throws(IllegalTransition) {
        guard case .streaming(let close) = phase else { throw illegal("streamEnded") }
        phase = close ? .closingAfterFlush : .idle(since: now)
    }

    /// We answer a malformed, oversized or slow request ourselves, then close. Only once bytes
    /// of a request arrived: a connection that sent nothing is closed silently, and one over a
    /// cap never gets a state at all (ConnectionRefusal.swift).
    mutating func protocolErrorQueued() throws(IllegalTransition) -> ResponseFraming {
        switch phase {
        case .readingHead, .readingBody:
            phase = .closingAfterFlush
            return .protocolError
        default:
            throw illegal("protocolErrorQueued")
        }
    }

    /// The final response is fully written; our write side is about to be shut down.
    mutating func startLingering(until deadline: Double) throws(IllegalTransition) {
        guard case .closingAfterFlush = phase else { throw illegal("startLingering") }
        phase = .lingering(deadline: deadline)
    }

    // MARK: - Connection end

    /// recv() returned 0. Reading stops at EOF, so a second report is a bug.
    mutating func peerClosedInput() throws(IllegalTransition) {
        guard !inputEnded, !isClosed else { throw illegal("peerClosedInput") }
        inputEnded = true
    }

    /// Legal from every phase; returns false when already closed (closing twice is harmless:
    /// an error path and a timeout may both decide to close).
    mutating func close() -> Bool {
        guard !isClosed else { return false }
        phase = .closed
        return true
    }

    private func illegal(_ event: String) -> IllegalTransition {
        IllegalTransition(event: event, phase: phase.name)
    }
}

extension ConnectionState.Phase {
    /// Case name without payload, for messages.
    var name: String {
        switch self {
        case .awaitingFirstByte: return "awaitingFirstByte"
        case .idle: return "idle"
        case .readingHead: return "readingHead"
        case .readingBody: return "readingBody"
        case .awaitingResponse: return "awaitingResponse"
        case .streaming: return "streaming"
        case .closingAfterFlush: return "closingAfterFlush"
        case .lingering: return "lingering"
        case .closed: return "closed"
        case .modifying: return "modifying"
        }
    }
}
