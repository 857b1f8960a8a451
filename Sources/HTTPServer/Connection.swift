// One connection's I/O: input/output buffers, parsing, backpressure, timeouts and lingering
// close. Which step is allowed when is decided by `ConnectionState` (ConnectionState.swift).
// Only ever touched on its loop's thread.
import CShims
import Glibc

final class Connection {
    /// Stop parsing new requests while this much output is still unsent (slow reader).
    private static let outputHighWater = 256 << 10
    private static let lingerSeconds = 2.0
    /// A keep-alive connection idle for this long gives its buffers back. Not done at the end of
    /// every request (that would be an allocation per request on the hot path); done by the
    /// sweep, so thousands of idle keep-alive connections cost little more than their sockets.
    private static let trimBuffersAfterIdleSeconds = 1.0

    let fd: Int32
    let id: UInt64
    let remoteAddress: String
    private unowned let loop: EventLoop
    /// Stop reading when this much unparsed input is buffered and can't be consumed now
    /// (request with the handler, or a slow reader). Above maxHeaderBytes so that a head that
    /// is still incomplete never pauses reading (it either completes or is answered 431).
    private let inputHighWater: Int

    private var state: ConnectionState
    private var input: [UInt8] = []
    private var inputStart = 0
    private var headScan = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    /// A file body still being sent (after `output`'s bytes, which hold its head). While it is
    /// here no further request is parsed, so nothing can be queued behind it out of order.
    private var fileBody: FileBodyCursor?

    /// Backpressure on the input side, orthogonal to the request phase: reading stopped because
    /// too much is buffered, and no epoll edge will come to restart it, so process() must.
    private var readPaused = false
    /// Re-entrancy guard, about the call stack rather than the protocol: a responder called
    /// inside the handler runs inside process(); the inner call must leave the work to the outer.
    private var processing = false

    /// Output side, orthogonal to the phase: a response may still be draining to a slow reader
    /// while the next request is parsed. Stalled output for longer than the idle timeout closes.
    private var lastWriteProgress: Double

    /// The streamed response being written, and how (HTTPStream.swift); nil otherwise.
    private var stream: (HTTPStream, StreamFraming)?
    /// HTTPResponder.onClientGone: told if the client leaves before its response is queued.
    private var clientGone: (@Sendable () -> Void)?

    init(fd: Int32, id: UInt64, remoteAddress: String, loop: EventLoop) {
        self.fd = fd
        self.id = id
        self.remoteAddress = remoteAddress
        self.loop = loop
        inputHighWater = max(64 << 10, loop.configuration.maxHeaderBytes + 4096)
        state = ConnectionState(now: loop.now)
        lastWriteProgress = loop.now
    }

    private var closed: Bool { state.isClosed }

    /// Applies a state transition. An illegal one is a bug in this file: it traps in debug
    /// builds (so tests catch it); in release builds it closes the connection rather than go
    /// on in a state nobody designed. Returns nil when refused.
    @discardableResult
    private func transition<T>(_ move: (inout ConnectionState) throws -> T) -> T? {
        do {
            return try move(&state)
        } catch {
            assertionFailure("\(error)")
            close()
            return nil
        }
    }

    private var unreadInput: Int { input.count - inputStart }
    private var pendingOutput: Int { output.count - outputStart }
    /// Anything left to send: buffered bytes or the rest of a file body.
    private var hasPendingOutput: Bool { pendingOutput > 0 || fileBody != nil }
    /// Too much unsent to take the next request: a slow reader, or a file still streaming.
    private var outputBlocksRequests: Bool { pendingOutput > Connection.outputHighWater || fileBody != nil }

    // MARK: - Events

    func handle(events: UInt32) {
        if events & CSHIMS_EPOLLERR != 0 {
            close()
            return
        }
        if events & (CSHIMS_EPOLLIN | CSHIMS_EPOLLHUP | CSHIMS_EPOLLRDHUP) != 0 {
            // When the peer's FIN is already part of this edge, no later event will report it:
            // read until recv() says EOF/EAGAIN instead of trusting a short read.
            readInput(shortReadMeansDrained: events & (CSHIMS_EPOLLHUP | CSHIMS_EPOLLRDHUP) == 0)
        }
        process()
    }

    /// Reads until the socket is drained (edge-triggered), or pauses when enough is buffered.
    /// `shortReadMeansDrained` saves the final EAGAIN recv() when the edge carried only data.
    private func readInput(shortReadMeansDrained: Bool = false) {
        while !closed && !state.inputEnded {
            if !state.discardsInput && unreadInput >= inputHighWater {
                readPaused = true   // resumed from process() once the buffer was consumed
                return
            }
            let n = recv(fd, loop.scratch, EventLoop.readChunk, 0)
            if n > 0 {
                if !state.discardsInput {
                    input.append(contentsOf: UnsafeRawBufferPointer(start: loop.scratch, count: n))
                }
                // A short read means the socket buffer is empty; new data brings a new edge.
                if shortReadMeansDrained && n < EventLoop.readChunk { return }
            } else if n == 0 {
                transition { try $0.peerClosedInput() }
                stream?.0.connectionGone()   // a client that shuts its side mid-stream has gone
                clientWentAway()
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                close()   // ECONNRESET and friends
            }
        }
    }

    /// Parses and dispatches as many buffered requests as allowed, flushes output, and
    /// decides whether the connection lives on. Re-entrant calls (a responder invoked inside
    /// the handler) just queue output; the outer call continues the work.
    private func process() {
        guard !processing, !closed else { return }
        processing = true
        defer { processing = false }
        while !closed {
            let blockedByOutput = parseAndDispatch()
            flushOutput()
            guard !closed else { return }
            // Edge-triggered: a fully flushed buffer brings no further event, so resume here.
            if blockedByOutput && !outputBlocksRequests { continue }
            if readPaused && unreadInput < inputHighWater && !state.discardsInput {
                readPaused = false
                let before = input.count
                readInput()
                if input.count != before || state.inputEnded { continue }
            }
            break
        }
        guard !closed else { return }
        // Nothing more will arrive: close once no response is pending.
        if state.isFinishedAfterInputEnded(outputPending: hasPendingOutput) { close() }
    }

    /// Returns true when it stopped only because too much output is waiting (backpressure).
    private func parseAndDispatch() -> Bool {
        while !closed {
            switch state.inputConsumer {
            case .nothing:
                return false
            case .requestHead:
                if outputBlocksRequests { return true }
                if unreadInput == 0 {
                    compactInput()
                    return false
                }
                guard transition({ try $0.headBytesBuffered(now: loop.now) }) != nil, parseHead() else { return false }
            case .requestBody:
                guard readBody() else { return false }
            }
        }
        return false
    }

    /// Returns true when a head was parsed (and the state advanced).
    private func parseHead() -> Bool {
        let result = input.withUnsafeBufferPointer {
            loop.parser.parse(UnsafeBufferPointer(rebasing: $0[inputStart...]), scanFrom: headScan)
        }
        switch result {
        case .incomplete(let scannedTo):
            headScan = scannedTo
            return false
        case .failure(let error):
            fail(error)
            return false
        case .complete(let parsed, let consumed):
            inputStart += consumed
            headScan = 0
            switch transition({ try $0.headParsed(parsed) }) {
            case nil:
                return false
            case .dispatch(let request):
                dispatch(request)
                return true
            case .readBody:
                break
            }
            // The client waits for this before sending the body (unless it already did).
            if parsed.expectContinue && unreadInput == 0 {
                output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
            }
            return true
        }
    }

    private enum BodyProgress {
        case needMore
        case complete
        case failed(HTTPError)
    }

    /// Returns true when the body is complete and the request was dispatched.
    private func readBody() -> Bool {
        // The closure touches only the buffers, never `state` (it is being modified in place).
        let progress = transition { state in
            try state.modifyIncomingRequest { incoming in
                incoming.head.chunked ? decodeChunks(into: &incoming) : copyContentLengthBody(into: &incoming)
            }
        }
        switch progress {
        case nil, .needMore:
            return false
        case .failed(let error):
            fail(error)
            return false
        case .complete:
            guard let request = transition({ try $0.bodyComplete() }) else { return false }
            dispatch(request)
            return true
        }
    }

    private func decodeChunks(into incoming: inout IncomingRequest) -> BodyProgress {
        let result = input.withUnsafeBufferPointer {
            incoming.chunkDecoder.decode(UnsafeBufferPointer(rebasing: $0[inputStart...]), into: &incoming.body,
                                         maxBodyBytes: loop.configuration.maxBodyBytes,
                                         maxTrailerBytes: loop.configuration.maxHeaderBytes)
        }
        switch result {
        case .needMore(let consumed):
            inputStart += consumed
            return .needMore
        case .failure(let error):
            return .failed(error)
        case .done(let consumed):
            inputStart += consumed
            return .complete
        }
    }

    private func copyContentLengthBody(into incoming: inout IncomingRequest) -> BodyProgress {
        let needed = incoming.head.contentLength - incoming.body.count
        let n = min(needed, unreadInput)
        incoming.body.append(contentsOf: input[inputStart..<(inputStart + n)])
        inputStart += n
        if n < needed {
            compactInput()
            return .needMore
        }
        return .complete
    }

    /// Hands the complete request to the handler; the response may come back synchronously.
    private func dispatch(_ complete: CompleteRequest) {
        let parsed = complete.head
        let request = HTTPRequest(method: parsed.method, target: parsed.target, version: parsed.version,
                                  headers: parsed.headers, body: complete.body, remoteAddress: remoteAddress)
        compactInput()
        let responder = HTTPResponder(loop: loop, fd: fd, connectionID: id, sequence: complete.sequence)
        loop.handler(request, responder)
    }

    // MARK: - Responses

    func responseArrived(_ response: HTTPResponse, sequence: UInt64) {
        let decision = state.responseQueued(sequence: sequence, forceClose: loop.shuttingDown || wantsClose(response),
                                            now: loop.now)
        guard case .write(let framing) = decision else { return }   // stale responder
        clientGone = nil
        writeResponse(response, framing: framing)
        process()   // no-op when called from inside the handler; the outer process() continues
    }

    func watchClient(sequence: UInt64, _ handler: @escaping @Sendable () -> Void) {
        guard state.awaitsResponse(sequence: sequence) else { return }   // answered already
        if state.inputEnded { return handler() }
        clientGone = handler
    }

    private func clientWentAway() {
        let handler = clientGone
        clientGone = nil
        handler?()
    }

    /// A streamed response's head, piece or end (HTTPStream.swift). A piece that finds more than
    /// the high-water mark unsent is dropped: the client stopped reading, and pieces are droppable.
    func streamPartArrived(_ part: StreamPart, of incoming: HTTPStream) {
        switch part {
        case .start(let head):
            guard stream == nil, let framing = state.streamStarted(sequence: incoming.sequence,
                                                                   forceClose: loop.shuttingDown || wantsClose(head)) else {
                return incoming.connectionGone()   // stale responder: its producer may stop
            }
            stream = (incoming, framing)
            StreamEncoding.appendHead(head, framing: framing, date: loop.dateHeader, to: &output)
        case .piece(let bytes):
            guard let (current, framing) = stream, current === incoming, pendingOutput <= Connection.outputHighWater else { return }
            StreamEncoding.appendPiece(bytes, framing: framing, to: &output)
        case .end(let last):
            guard let (current, framing) = stream, current === incoming else { return }
            StreamEncoding.appendPiece(last, framing: framing, to: &output)
            StreamEncoding.appendEnd(framing: framing, to: &output)
            stream = nil
            clientGone = nil
            guard transition({ try $0.streamEnded(now: loop.now) }) != nil else { return }
        }
        process()
    }

    private func wantsClose(_ response: HTTPResponse) -> Bool {
        guard let value = response.headers["Connection"] else { return false }
        return value.lowercased().contains("close")
    }

    private func writeResponse(_ response: HTTPResponse, framing: ResponseFraming) {
        let status = response.status
        output.append(contentsOf: "HTTP/1.1 ".utf8)
        output.append(contentsOf: String(status).utf8)
        output.append(UInt8(ascii: " "))
        output.append(contentsOf: reasonPhrase(status).utf8)
        output.append(contentsOf: "\r\n".utf8)
        for (name, value) in response.headers.pairs {
            // We own framing and connection management; CR/LF would allow response splitting.
            if asciiCaseInsensitiveEquals(name, "Content-Length") || asciiCaseInsensitiveEquals(name, "Transfer-Encoding")
                || asciiCaseInsensitiveEquals(name, "Connection") || asciiCaseInsensitiveEquals(name, "Date")
                || hasLineBreak(name) || hasLineBreak(value) {
                continue
            }
            output.append(contentsOf: name.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: value.utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        output.append(contentsOf: loop.dateHeader)
        let bodyAllowed = status >= 200 && status != 204 && status != 304
        if bodyAllowed {
            output.append(contentsOf: "Content-Length: ".utf8)
            output.append(contentsOf: String(response.file.map { Int($0.length) } ?? response.body.count).utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        if framing.close {
            output.append(contentsOf: "Connection: close\r\n".utf8)
        } else if framing.announceKeepAlive {
            output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
        if bodyAllowed && !framing.omitBody {
            if let file = response.file {
                if file.length > 0 { fileBody = FileBodyCursor(file) }   // sent by flushOutput after the head
            } else {
                output.append(contentsOf: response.body)
            }
        }
    }

    private func hasLineBreak(_ s: String) -> Bool {
        s.utf8.contains { $0 == 13 || $0 == 10 }
    }

    /// Answers a protocol error ourselves and closes after flushing.
    private func fail(_ error: HTTPError) {
        guard let framing = transition({ try $0.protocolErrorQueued() }) else { return }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/plain; charset=utf-8")
        writeResponse(HTTPResponse(status: error.status, headers: headers, body: Array(error.message.utf8)), framing: framing)
        input = []
        inputStart = 0
    }

    // MARK: - Output

    private func flushOutput() {
        guard !closed else { return }   // e.g. a refused transition closed it (release builds)
        while outputStart < output.count {
            let n = output.withUnsafeBytes {
                send(fd, $0.baseAddress! + outputStart, output.count - outputStart, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outputStart += n
                lastWriteProgress = loop.now
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return   // EPOLLOUT (edge-triggered, always registered) brings us back
            } else {
                close()   // EPIPE / ECONNRESET: the peer is gone
                return
            }
        }
        // Drop the buffer entirely if a big response made it large.
        output.removeAll(keepingCapacity: output.capacity <= 64 << 10)
        outputStart = 0
        guard flushFileBody() else { return }
        if state.isClosingAfterFlush {
            startLingering()
        }
    }

    /// Streams the pending file body, if any. Returns true once nothing of it is left to send.
    private func flushFileBody() -> Bool {
        guard var cursor = fileBody else { return true }
        let progress = cursor.send(to: fd) { _ in lastWriteProgress = loop.now }
        switch progress {
        case .done:
            fileBody = nil   // releases the body: its descriptor is closed
            return true
        case .wouldBlock:
            fileBody = cursor   // EPOLLOUT brings us back
            return false
        case .failed:
            fileBody = nil
            close()
            return false
        }
    }

    private func startLingering() {
        let deadline = min(loop.now + Connection.lingerSeconds, max(loop.now, lingerCap))
        guard transition({ try $0.startLingering(until: deadline) }) != nil else { return }
        input = []
        inputStart = 0
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        if state.inputEnded { close() } else { readInput() }   // discard what's already there
    }

    /// During server shutdown don't linger past a short bound.
    private var lingerCap: Double { loop.shuttingDown ? loop.now + 0.5 : .infinity }

    private func compactInput() {
        if inputStart == input.count {
            input.removeAll(keepingCapacity: input.capacity <= 64 << 10)
            inputStart = 0
        } else if inputStart >= 32 << 10 {
            input.removeSubrange(0..<inputStart)
            inputStart = 0
        }
    }

    // MARK: - Timeouts, shutdown, close

    func checkTimeouts(now: Double) {
        guard !closed else { return }
        let config = loop.configuration
        let outputStalled = now - lastWriteProgress > config.idleTimeoutSeconds
        switch state.phase {
        case .lingering(let deadline):
            if now >= deadline { close() }
        case .closed, .modifying:
            break
        case _ where hasPendingOutput:
            // The handler may take as long as it likes; only a reader stuck for long is dropped.
            if outputStalled { close() }
        case .awaitingResponse, .streaming:
            break
        case .readingHead, .readingBody:
            checkHeaderTimeout(now: now)
        case .awaitingFirstByte(let since):
            if now - since > config.firstByteTimeoutSeconds || loop.shuttingDown {
                close()   // connected and said nothing: no request to answer, close silently
            }
        case .idle(let since):
            if now - since > config.idleTimeoutSeconds || loop.shuttingDown {
                close()   // idle keep-alive connection: close silently
            } else if now - since > Connection.trimBuffersAfterIdleSeconds {
                trimBuffers()
            }
        case .closingAfterFlush:
            // Not reached in practice (a drained final response starts lingering at once);
            // kept so a connection can never outlive its final response unbounded.
            if outputStalled || loop.shuttingDown { close() }
        }
    }

    /// Drops the capacity a past request left in the buffers (only when nothing is in them).
    private func trimBuffers() {
        if unreadInput == 0 && input.capacity > 0 {
            input = []
            inputStart = 0
        }
        if !hasPendingOutput && output.capacity > 0 {
            output = []
            outputStart = 0
        }
    }

    /// Head and body must both arrive within the header timeout, counted from the first byte.
    private func checkHeaderTimeout(now: Double) {
        let limit = loop.configuration.headerTimeoutSeconds
        guard let startedAt = state.requestStartedAt, now - startedAt > limit else { return }
        fail(HTTPError(status: 408, message: "Request not received within \(formatSeconds(limit)) seconds"))
        process()
    }

    /// Server is shutting down: idle connections go now; busy ones finish their request.
    func shutdownRequested() {
        guard !closed else { return }
        if state.awaitsRequestHead && unreadInput == 0 && !hasPendingOutput {
            close()
        }
    }

    func close() {
        guard state.close() else { return }
        fileBody = nil   // closes the file
        stream?.0.connectionGone()
        stream = nil
        clientWentAway()
        Glibc.close(fd)   // also removes it from the epoll set
        loop.connectionClosed(self)
    }
}

private func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}
