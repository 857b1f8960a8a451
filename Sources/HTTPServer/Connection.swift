// Per-connection state machine: input/output buffers, one request at a time, keep-alive,
// backpressure, timeouts and lingering close. Only ever touched on its loop's thread.
import CShims
import Glibc

final class Connection {
    private enum Phase {
        /// Waiting for (the rest of) a request head; idle when no input is buffered.
        case head
        /// Head parsed, reading a Content-Length or chunked body.
        case body
        /// Handler running; further pipelined input stays buffered until it responds.
        case awaitingResponse
        /// Last response flushed and our side shut down; draining input until the peer closes,
        /// so unread request bytes don't turn our close into a RST that destroys the response.
        case lingering
    }

    /// Stop parsing new requests while this much output is still unsent (slow reader).
    private static let outputHighWater = 256 << 10
    private static let lingerSeconds = 2.0

    let fd: Int32
    let id: UInt64
    let remoteAddress: String
    /// False for connections accepted over the cap: they don't hold a slot.
    let counted: Bool
    private unowned let loop: EventLoop
    /// Stop reading when this much unparsed input is buffered and can't be consumed now
    /// (request with the handler, or a slow reader). Above maxHeaderBytes so that a head that
    /// is still incomplete never pauses reading (it either completes or is answered 431).
    private let inputHighWater: Int

    private var phase = Phase.head
    private var input: [UInt8] = []
    private var inputStart = 0
    private var headScan = 0
    private var output: [UInt8] = []
    private var outputStart = 0

    private var head: ParsedHead?
    private var body: [UInt8] = []
    private var chunkDecoder = ChunkedDecoder()

    /// Number of the request currently with the handler; stale responders are ignored.
    private var sequence: UInt64 = 0
    private var keepAlive = true
    private var isHTTP10 = false
    private var isHEAD = false

    private var closeAfterFlush = false
    private var peerClosed = false
    private var readPaused = false
    private(set) var closed = false
    private var processing = false

    /// When the first byte of the current request was seen (0 = no request in progress).
    private var requestStartedAt = 0.0
    /// Last time the connection was (re)armed for a new request: accept or response queued.
    private var lastActivity: Double
    private var lastWriteProgress: Double
    private var lingerDeadline = 0.0

    init(fd: Int32, id: UInt64, remoteAddress: String, loop: EventLoop, counted: Bool) {
        self.fd = fd
        self.id = id
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.counted = counted
        inputHighWater = max(64 << 10, loop.configuration.maxHeaderBytes + 4096)
        lastActivity = loop.now
        lastWriteProgress = loop.now
    }

    private var unreadInput: Int { input.count - inputStart }
    private var pendingOutput: Int { output.count - outputStart }

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
        while !closed && !peerClosed {
            if phase != .lingering && unreadInput >= inputHighWater {
                readPaused = true   // resumed from process() once the buffer was consumed
                return
            }
            let n = recv(fd, loop.scratch, EventLoop.readChunk, 0)
            if n > 0 {
                if phase != .lingering {
                    input.append(contentsOf: UnsafeRawBufferPointer(start: loop.scratch, count: n))
                }
                // A short read means the socket buffer is empty; new data brings a new edge.
                if shortReadMeansDrained && n < EventLoop.readChunk { return }
            } else if n == 0 {
                peerClosed = true
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
            if blockedByOutput && pendingOutput <= Connection.outputHighWater { continue }
            if readPaused && unreadInput < inputHighWater && phase != .lingering {
                readPaused = false
                let before = input.count
                readInput()
                if input.count != before || peerClosed { continue }
            }
            break
        }
        guard !closed else { return }
        if peerClosed {
            // Nothing more will arrive: close once no response is pending.
            switch phase {
            case .lingering: close()
            case .head, .body: if pendingOutput == 0 { close() }
            case .awaitingResponse: break
            }
        }
    }

    /// Returns true when it stopped only because too much output is waiting (backpressure).
    private func parseAndDispatch() -> Bool {
        while !closed {
            switch phase {
            case .awaitingResponse, .lingering:
                return false
            case .head:
                if closeAfterFlush { return false }
                if pendingOutput > Connection.outputHighWater { return true }
                if unreadInput == 0 {
                    compactInput()
                    requestStartedAt = 0
                    return false
                }
                if requestStartedAt == 0 { requestStartedAt = loop.now }
                guard parseHead() else { return false }
            case .body:
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
            head = parsed
            body = []
            if parsed.chunked {
                chunkDecoder = ChunkedDecoder()
                phase = .body
            } else if parsed.contentLength > 0 {
                body.reserveCapacity(parsed.contentLength)
                phase = .body
            } else {
                dispatch()
                return true
            }
            // The client waits for this before sending the body (unless it already did).
            if parsed.expectContinue && unreadInput == 0 {
                output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
            }
            return true
        }
    }

    /// Returns true when the body is complete and the request was dispatched.
    private func readBody() -> Bool {
        guard let parsed = head else { return false }
        if parsed.chunked {
            let result = input.withUnsafeBufferPointer {
                chunkDecoder.decode(UnsafeBufferPointer(rebasing: $0[inputStart...]), into: &body,
                                    maxBodyBytes: loop.configuration.maxBodyBytes,
                                    maxTrailerBytes: loop.configuration.maxHeaderBytes)
            }
            switch result {
            case .needMore(let consumed):
                inputStart += consumed
                return false
            case .failure(let error):
                fail(error)
                return false
            case .done(let consumed):
                inputStart += consumed
            }
        } else {
            let needed = parsed.contentLength - body.count
            let n = min(needed, unreadInput)
            body.append(contentsOf: input[inputStart..<(inputStart + n)])
            inputStart += n
            if n < needed {
                compactInput()
                return false
            }
        }
        dispatch()
        return true
    }

    /// Hands the complete request to the handler; the response may come back synchronously.
    private func dispatch() {
        guard let parsed = head else { return }
        head = nil
        phase = .awaitingResponse
        sequence &+= 1
        keepAlive = parsed.keepAlive
        isHTTP10 = parsed.version == "HTTP/1.0"
        isHEAD = parsed.isHEAD
        requestStartedAt = 0
        let request = HTTPRequest(method: parsed.method, target: parsed.target, version: parsed.version,
                                  headers: parsed.headers, body: body, remoteAddress: remoteAddress)
        body = []
        compactInput()
        let responder = HTTPResponder(loop: loop, fd: fd, connectionID: id, sequence: sequence)
        loop.handler(request, responder)
    }

    // MARK: - Responses

    func responseArrived(_ response: HTTPResponse, sequence: UInt64) {
        guard !closed, phase == .awaitingResponse, sequence == self.sequence else { return }
        let close = !keepAlive || loop.shuttingDown || wantsClose(response)
        writeResponse(response, close: close)
        phase = .head
        lastActivity = loop.now
        if close { closeAfterFlush = true }
        process()   // no-op when called from inside the handler; the outer process() continues
    }

    private func wantsClose(_ response: HTTPResponse) -> Bool {
        guard let value = response.headers["Connection"] else { return false }
        return value.lowercased().contains("close")
    }

    private func writeResponse(_ response: HTTPResponse, close: Bool) {
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
            output.append(contentsOf: String(response.body.count).utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        if close {
            output.append(contentsOf: "Connection: close\r\n".utf8)
        } else if isHTTP10 {
            output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
        if bodyAllowed && !isHEAD {
            output.append(contentsOf: response.body)
        }
    }

    private func hasLineBreak(_ s: String) -> Bool {
        s.utf8.contains { $0 == 13 || $0 == 10 }
    }

    /// Answers a protocol error ourselves and closes after flushing.
    private func fail(_ error: HTTPError) {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/plain; charset=utf-8")
        isHEAD = false
        writeResponse(HTTPResponse(status: error.status, headers: headers, body: Array(error.message.utf8)), close: true)
        closeAfterFlush = true
        phase = .head
        head = nil
        body = []
        input = []
        inputStart = 0
    }

    /// For connections over the cap: answer right away, never read a request.
    func reject(_ error: HTTPError) {
        fail(error)
        process()
    }

    // MARK: - Output

    private func flushOutput() {
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
        if closeAfterFlush && phase != .lingering {
            startLingering()
        }
    }

    private func startLingering() {
        phase = .lingering
        input = []
        inputStart = 0
        lingerDeadline = min(loop.now + Connection.lingerSeconds, max(loop.now, lingerCap))
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
        if peerClosed { close() } else { readInput() }   // discard what's already there
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
        switch phase {
        case .lingering:
            if now >= lingerDeadline { close() }
        case .awaitingResponse:
            // The handler may take as long as it likes; only a reader stuck for long is dropped.
            if pendingOutput > 0 && now - lastWriteProgress > config.idleTimeoutSeconds { close() }
        case .head, .body:
            if pendingOutput > 0 {
                if now - lastWriteProgress > config.idleTimeoutSeconds { close() }
            } else if requestStartedAt > 0 {
                if now - requestStartedAt > config.headerTimeoutSeconds {
                    fail(HTTPError(status: 408, message: "Request not received within \(formatSeconds(config.headerTimeoutSeconds)) seconds"))
                    process()
                }
            } else if now - lastActivity > config.idleTimeoutSeconds || loop.shuttingDown {
                close()   // idle keep-alive connection: close silently
            }
        }
    }

    /// Server is shutting down: idle connections go now; busy ones finish their request.
    func shutdownRequested() {
        guard !closed else { return }
        if phase == .head && unreadInput == 0 && pendingOutput == 0 && !closeAfterFlush {
            close()
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)   // also removes it from the epoll set
        loop.connectionClosed(self)
    }
}

private func formatSeconds(_ s: Double) -> String {
    s == s.rounded() ? String(Int(s)) : String(s)
}
