import XCTest
@testable import HTTPServer

/// The connection state machine on its own: legal sequences and refused moves, no sockets.
final class ConnectionStateTests: XCTestCase {
    private func head(_ method: String = "GET", version: String = "HTTP/1.1", contentLength: Int = 0,
                      chunked: Bool = false, keepAlive: Bool = true) -> ParsedHead {
        ParsedHead(method: method, target: "/", version: version, headers: HTTPHeaders(), contentLength: contentLength,
                   chunked: chunked, keepAlive: keepAlive, expectContinue: false, isHEAD: method == "HEAD")
    }

    /// Parses `head` from a fresh or idle state and returns the dispatched request.
    private func dispatch(_ state: inout ConnectionState, _ head: ParsedHead, now: Double = 1) throws -> CompleteRequest {
        try state.headBytesBuffered(now: now)
        guard case .dispatch(let request) = try state.headParsed(head) else {
            XCTFail("a request without body is dispatched at once")
            throw IllegalTransition(event: "test", phase: state.phase.name)
        }
        return request
    }

    private func assertPhase(_ state: ConnectionState, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(state.phase.name, name, file: file, line: line)
    }

    // MARK: - Legal sequences

    func testKeepAliveRequestReturnsToIdle() throws {
        var state = ConnectionState(now: 0)
        guard case .awaitingFirstByte(let opened) = state.phase else { return XCTFail("a new connection awaits its first byte") }
        XCTAssertEqual(opened, 0)
        XCTAssertTrue(state.awaitsRequestHead)
        XCTAssertEqual(state.inputConsumer, .requestHead)
        try state.headBytesBuffered(now: 1)
        try state.headBytesBuffered(now: 2)   // more head bytes: the timer keeps its start
        XCTAssertEqual(state.requestStartedAt, 1)
        guard case .dispatch(let request) = try state.headParsed(head()) else { return XCTFail("expected dispatch") }
        XCTAssertEqual(request.sequence, 1)
        assertPhase(state, "awaitingResponse")
        XCTAssertEqual(state.inputConsumer, .nothing)
        XCTAssertNil(state.requestStartedAt)

        let decision = state.responseQueued(sequence: 1, forceClose: false, now: 5)
        XCTAssertEqual(decision, .write(ResponseFraming(close: false, announceKeepAlive: false, omitBody: false)))
        guard case .idle(let since) = state.phase else { return XCTFail("expected idle, got \(state.phase.name)") }
        XCTAssertEqual(since, 5)
    }

    func testBodyIsAccumulatedThenDispatched() throws {
        var state = ConnectionState(now: 0)
        try state.headBytesBuffered(now: 3)
        guard case .readBody = try state.headParsed(head("POST", contentLength: 5)) else { return XCTFail("expected readBody") }
        assertPhase(state, "readingBody")
        XCTAssertEqual(state.inputConsumer, .requestBody)
        XCTAssertEqual(state.requestStartedAt, 3, "the header timeout covers the body too")
        try state.modifyIncomingRequest { $0.body += Array("hel".utf8) }
        try state.modifyIncomingRequest { $0.body += Array("lo".utf8) }
        let request = try state.bodyComplete()
        XCTAssertEqual(request.body, Array("hello".utf8))
        XCTAssertEqual(request.head.method, "POST")
        assertPhase(state, "awaitingResponse")
    }

    /// A copy per append would make receiving a large body quadratic.
    func testBodyIsModifiedInPlace() throws {
        var state = ConnectionState(now: 0)
        try state.headBytesBuffered(now: 0)
        _ = try state.headParsed(head("POST", contentLength: 1000))
        let first = try state.modifyIncomingRequest { incoming -> UnsafeRawPointer? in
            incoming.body.append(1)
            return incoming.body.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
        }
        let second = try state.modifyIncomingRequest { incoming -> UnsafeRawPointer? in
            incoming.body.append(2)
            return incoming.body.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
        }
        XCTAssertEqual(first, second)
        XCTAssertEqual(try state.bodyComplete().body, [1, 2])
    }

    func testPipelinedRequestsGetIncreasingSequenceNumbers() throws {
        var state = ConnectionState(now: 0)
        for expected in UInt64(1)...3 {
            let request = try dispatch(&state, head())
            XCTAssertEqual(request.sequence, expected)
            XCTAssertEqual(state.responseQueued(sequence: expected, forceClose: false, now: 1),
                           .write(ResponseFraming(close: false, announceKeepAlive: false, omitBody: false)))
        }
    }

    func testStaleAndRepeatedRespondersAreIgnored() throws {
        var state = ConnectionState(now: 0)
        _ = try dispatch(&state, head())
        XCTAssertEqual(state.responseQueued(sequence: 0, forceClose: false, now: 1), .ignoreStale)
        XCTAssertNotEqual(state.responseQueued(sequence: 1, forceClose: false, now: 1), .ignoreStale)
        XCTAssertEqual(state.responseQueued(sequence: 1, forceClose: false, now: 1), .ignoreStale, "second send")
        _ = try dispatch(&state, head())
        XCTAssertEqual(state.responseQueued(sequence: 1, forceClose: false, now: 1), .ignoreStale, "previous request")
        _ = state.close()
        XCTAssertEqual(state.responseQueued(sequence: 2, forceClose: false, now: 1), .ignoreStale, "after close")
    }

    func testHTTP10AndHEADFraming() throws {
        var state = ConnectionState(now: 0)
        _ = try dispatch(&state, head("HEAD", version: "HTTP/1.0", keepAlive: true))
        XCTAssertEqual(state.responseQueued(sequence: 1, forceClose: false, now: 1),
                       .write(ResponseFraming(close: false, announceKeepAlive: true, omitBody: true)))
    }

    func testCloseResponseLingersThenCloses() throws {
        var state = ConnectionState(now: 0)
        _ = try dispatch(&state, head(keepAlive: false))
        XCTAssertEqual(state.responseQueued(sequence: 1, forceClose: false, now: 1),
                       .write(ResponseFraming(close: true, announceKeepAlive: false, omitBody: false)))
        XCTAssertTrue(state.isClosingAfterFlush)
        XCTAssertEqual(state.inputConsumer, .nothing, "nothing more is parsed after a final response")
        try state.startLingering(until: 9)
        XCTAssertTrue(state.discardsInput)
        guard case .lingering(let deadline) = state.phase else { return XCTFail("expected lingering") }
        XCTAssertEqual(deadline, 9)
        XCTAssertFalse(state.isFinishedAfterInputEnded(outputPending: false))
        try state.peerClosedInput()
        XCTAssertTrue(state.isFinishedAfterInputEnded(outputPending: false))
        XCTAssertTrue(state.close())
        XCTAssertTrue(state.isClosed)
        XCTAssertFalse(state.close(), "closing twice is harmless and reported")
    }

    func testForcedCloseOverridesKeepAlive() throws {
        var state = ConnectionState(now: 0)
        _ = try dispatch(&state, head())
        XCTAssertEqual(state.responseQueued(sequence: 1, forceClose: true, now: 1),
                       .write(ResponseFraming(close: true, announceKeepAlive: false, omitBody: false)))
        XCTAssertTrue(state.isClosingAfterFlush)
    }

    func testProtocolErrorFromEachReceivingPhase() throws {
        var readingHead = ConnectionState(now: 0)
        try readingHead.headBytesBuffered(now: 1)
        XCTAssertEqual(try readingHead.protocolErrorQueued(), .protocolError)   // 400, 431, 408
        var readingBody = ConnectionState(now: 0)
        try readingBody.headBytesBuffered(now: 1)
        _ = try readingBody.headParsed(head("POST", chunked: true))
        XCTAssertEqual(try readingBody.protocolErrorQueued(), .protocolError)   // 413, 408
        for state in [readingHead, readingBody] { XCTAssertTrue(state.isClosingAfterFlush) }
    }

    func testHalfCloseWaitsForThePendingResponse() throws {
        var state = ConnectionState(now: 0)
        _ = try dispatch(&state, head())
        try state.peerClosedInput()
        XCTAssertFalse(state.isFinishedAfterInputEnded(outputPending: false), "the handler still owes a response")
        _ = state.responseQueued(sequence: 1, forceClose: false, now: 1)
        XCTAssertFalse(state.isFinishedAfterInputEnded(outputPending: true), "the response is still being written")
        XCTAssertTrue(state.isFinishedAfterInputEnded(outputPending: false))
    }

    // MARK: - Refused moves

    private func assertRefused<T>(_ state: inout ConnectionState, _ event: String,
                                  _ move: (inout ConnectionState) throws -> T,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let before = state.phase.name
        XCTAssertThrowsError(try move(&state), file: file, line: line) { error in
            XCTAssertEqual((error as? IllegalTransition)?.event, event, file: file, line: line)
        }
        XCTAssertEqual(state.phase.name, before, "a refused move leaves the state unchanged", file: file, line: line)
    }

    func testSilentConnectionsHaveNoRequestToAnswer() throws {
        var fresh = ConnectionState(now: 0)
        assertRefused(&fresh, "protocolErrorQueued") { try $0.protocolErrorQueued() }
        var idle = ConnectionState(now: 0)
        _ = try dispatch(&idle, head())
        _ = idle.responseQueued(sequence: 1, forceClose: false, now: 2)
        assertPhase(idle, "idle")
        assertRefused(&idle, "protocolErrorQueued") { try $0.protocolErrorQueued() }
    }

    func testIllegalMovesAreRefused() throws {
        var fresh = ConnectionState(now: 0)
        assertRefused(&fresh, "headParsed") { try $0.headParsed(self.head()) }
        assertRefused(&fresh, "bodyComplete") { try $0.bodyComplete() }
        assertRefused(&fresh, "startLingering") { try $0.startLingering(until: 1) }
        assertRefused(&fresh, "modifyIncomingRequest") { try $0.modifyIncomingRequest { _ in } }

        var awaiting = ConnectionState(now: 0)
        _ = try dispatch(&awaiting, head())
        assertRefused(&awaiting, "headBytesBuffered") { try $0.headBytesBuffered(now: 2) }
        assertRefused(&awaiting, "protocolErrorQueued") { try $0.protocolErrorQueued() }
        assertRefused(&awaiting, "startLingering") { try $0.startLingering(until: 1) }

        var closing = ConnectionState(now: 0)
        try closing.headBytesBuffered(now: 1)
        _ = try closing.protocolErrorQueued()
        assertRefused(&closing, "headBytesBuffered") { try $0.headBytesBuffered(now: 2) }
        assertRefused(&closing, "protocolErrorQueued") { try $0.protocolErrorQueued() }

        var closed = ConnectionState(now: 0)
        _ = closed.close()
        assertRefused(&closed, "peerClosedInput") { try $0.peerClosedInput() }
        assertRefused(&closed, "headBytesBuffered") { try $0.headBytesBuffered(now: 2) }

        var eof = ConnectionState(now: 0)
        try eof.peerClosedInput()
        assertRefused(&eof, "peerClosedInput") { try $0.peerClosedInput() }
    }
}

/// Streamed responses (HTTPStream.swift) in the state machine.
final class ConnectionStateStreamingTests: XCTestCase {
    private func head(version: String = "HTTP/1.1", keepAlive: Bool = true) -> ParsedHead {
        ParsedHead(method: "POST", target: "/", version: version, headers: HTTPHeaders(), contentLength: 0,
                   chunked: false, keepAlive: keepAlive, expectContinue: false, isHEAD: false)
    }

    private func dispatched(_ head: ParsedHead) throws -> (ConnectionState, UInt64) {
        var state = ConnectionState(now: 0)
        try state.headBytesBuffered(now: 1)
        guard case .dispatch(let request) = try state.headParsed(head) else { throw IllegalTransition(event: "t", phase: "t") }
        return (state, request.sequence)
    }

    func testStreamRunsThenReturnsToIdle() throws {
        var (state, sequence) = try dispatched(head())
        XCTAssertEqual(state.streamStarted(sequence: sequence, forceClose: false),
                       StreamFraming(chunked: true, close: false, omitBody: false))
        XCTAssertEqual(state.phase.name, "streaming")
        XCTAssertTrue(state.awaitsResponse(sequence: sequence))
        XCTAssertEqual(state.inputConsumer, .nothing)   // pipelined requests wait for the stream's end
        XCTAssertEqual(state.responseQueued(sequence: sequence, forceClose: false, now: 2), .ignoreStale)
        try state.streamEnded(now: 3)
        XCTAssertEqual(state.phase.name, "idle")
        XCTAssertFalse(state.awaitsResponse(sequence: sequence))
    }

    func testHTTP10StreamClosesAtTheEnd() throws {
        var (state, sequence) = try dispatched(head(version: "HTTP/1.0"))
        XCTAssertEqual(state.streamStarted(sequence: sequence, forceClose: false),
                       StreamFraming(chunked: false, close: true, omitBody: false))
        try state.streamEnded(now: 2)
        XCTAssertEqual(state.phase.name, "closingAfterFlush")
    }

    func testStaleOrLateStreamsAreRefused() throws {
        var (state, sequence) = try dispatched(head())
        XCTAssertNil(state.streamStarted(sequence: sequence + 1, forceClose: false))
        _ = state.responseQueued(sequence: sequence, forceClose: false, now: 2)
        XCTAssertNil(state.streamStarted(sequence: sequence, forceClose: false))
        XCTAssertThrowsError(try state.streamEnded(now: 3))
    }
}
