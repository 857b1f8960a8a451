import Dispatch
import Foundation
import Glibc
import XCTest
@testable import HTTPServer

/// Echoes "METHOD path query body"; "/delay/N" answers from a DispatchQueue after N ms.
@Sendable func echoHandler(_ request: HTTPRequest, _ responder: HTTPResponder) {
    let text = "\(request.method) \(request.path) \(request.query ?? "-") \(String(decoding: request.body, as: UTF8.self))"
    let response = HTTPResponse(status: 200, contentType: "text/plain", body: text)
    if request.path.hasPrefix("/delay/"), let ms = Int(request.path.dropFirst(7)) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) { responder.send(response) }
    } else {
        responder.send(response)
    }
}

/// Thread-safe counters for handler-side assertions.
final class Probe: @unchecked Sendable {
    private let lock = NSLock()
    private var inFlight = 0
    private(set) var maxInFlight = 0
    private(set) var order: [String] = []

    func begin(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        order.append(path)
    }

    func end() {
        lock.lock(); defer { lock.unlock() }
        inFlight -= 1
    }

    var snapshot: (max: Int, order: [String]) {
        lock.lock(); defer { lock.unlock() }
        return (maxInFlight, order)
    }
}

final class HTTPServerTests: XCTestCase {
    private var servers: [HTTPServer] = []

    override func tearDown() {
        for server in servers { server.shutdown(graceSeconds: 0.5) }
        servers = []
        super.tearDown()
    }

    private func startServer(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in },
                             handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void = echoHandler) throws -> HTTPServer {
        var config = HTTPServer.Configuration()
        config.port = 0
        configure(&config)
        let server = HTTPServer(configuration: config, handler: handler)
        try server.start()
        servers.append(server)
        XCTAssertGreaterThan(server.boundPort, 0)
        return server
    }

    // MARK: - Basics

    func testGetAndPostEcho() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("GET /hello?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
        let get = try client.readResponse()
        XCTAssertEqual(get.statusLine, "HTTP/1.1 200 OK")
        XCTAssertEqual(get.text, "GET /hello x=1 ")
        XCTAssertEqual(get.header("Content-Length"), "15")
        XCTAssertEqual(get.header("Content-Type"), "text/plain")
        XCTAssertNil(get.header("Connection"))
        let date = try XCTUnwrap(get.header("Date"))
        XCTAssertTrue(date.hasSuffix(" GMT") && date.count == 29, date)

        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world")
        let post = try client.readResponse()
        XCTAssertEqual(post.status, 200)
        XCTAssertEqual(post.text, "POST /echo - hello world")
    }

    func testRequestFieldsReachHandler() throws {
        let seen = Probe()
        let server = try startServer(handler: { request, responder in
            let h = request.headers
            let text = [request.version, request.target, request.remoteAddress, h["x-multi"] ?? "nil",
                        h.values("X-MULTI").joined(separator: "|"), h["X-Empty"] ?? "nil"].joined(separator: ";")
            seen.begin(text)
            responder.send(HTTPResponse(status: 201, body: Array(text.utf8)))
        })
        let client = try TestClient(port: server.boundPort)
        client.send("GET /a/b?c=d&e HTTP/1.1\r\nHost: t\r\nX-Multi:  one \r\nx-multi: two\r\nX-Empty:\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.statusLine, "HTTP/1.1 201 Created")
        XCTAssertEqual(response.text, "HTTP/1.1;/a/b?c=d&e;127.0.0.1;one;one|two;")
    }

    func testKeepAliveTwoRequestsOneConnection() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        for i in 0..<2 {
            client.send("GET /n\(i) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            XCTAssertEqual(response.text, "GET /n\(i) - ")
        }
        XCTAssertEqual(server.activeConnectionCount, 1)
    }

    func testConnectionCloseHonoured() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer(within: 2))
    }

    func testHTTP10ClosesUnlessKeepAlive() throws {
        let server = try startServer()
        let a = try TestClient(port: server.boundPort)
        a.send("GET /old HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try a.readResponse().text, "GET /old - ")
        XCTAssertTrue(a.isClosedByServer(within: 2))

        let b = try TestClient(port: server.boundPort)
        b.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try b.readResponse()
        XCTAssertEqual(first.header("Connection"), "keep-alive")
        b.send("GET /ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try b.readResponse().text, "GET /ka2 - ")
    }

    func testHeadHasNoBodyAnd204HasNoLength() throws {
        let server = try startServer(handler: { request, responder in
            if request.path == "/empty" {
                responder.send(HTTPResponse(status: 204))
            } else {
                responder.send(HTTPResponse(status: 200, body: Array("twelve bytes".utf8)))
            }
        })
        let client = try TestClient(port: server.boundPort)
        client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET /empty HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse(head: true)
        XCTAssertEqual(head.header("Content-Length"), "12")
        XCTAssertEqual(head.body.count, 0)   // the next response follows immediately
        let empty = try client.readResponse()
        XCTAssertEqual(empty.statusLine, "HTTP/1.1 204 No Content")
        XCTAssertNil(empty.header("Content-Length"))
        XCTAssertEqual(try client.readResponse().text, "twelve bytes")
    }

    // MARK: - Pipelining and cross-thread responders

    func testPipeliningThreeRequestsInOneWrite() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "GET /1 - ")
        XCTAssertEqual(try client.readResponse().text, "POST /2 - abc")
        XCTAssertEqual(try client.readResponse().text, "GET /3 - ")
    }

    func testPipeliningWithAsyncRespondersKeepsOrderAndSerialises() throws {
        let probe = Probe()
        let server = try startServer(handler: { request, responder in
            probe.begin(request.path)
            let ms = Int(request.path.dropFirst(7)) ?? 0
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) {
                probe.end()
                responder.send(HTTPResponse(status: 200, body: Array(request.path.utf8)))
            }
        })
        let client = try TestClient(port: server.boundPort)
        client.send("GET /delay/80 HTTP/1.1\r\nHost: t\r\n\r\nGET /delay/5 HTTP/1.1\r\nHost: t\r\n\r\nGET /delay/40 HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "/delay/80")
        XCTAssertEqual(try client.readResponse().text, "/delay/5")
        XCTAssertEqual(try client.readResponse().text, "/delay/40")
        let snapshot = probe.snapshot
        XCTAssertEqual(snapshot.max, 1, "request N+1 must not start before N was answered")
        XCTAssertEqual(snapshot.order, ["/delay/80", "/delay/5", "/delay/40"])
    }

    func testPipelinedFloodIsBufferedAndAnsweredInOrder() throws {
        // ~300 KiB of pipelined requests: more than the input high-water mark, so reading
        // pauses while requests wait for their (asynchronous) responders and resumes later.
        let server = try startServer(handler: { request, responder in
            DispatchQueue.global().async {
                responder.send(HTTPResponse(status: 200, body: Array(request.path.utf8)))
            }
        })
        let client = try TestClient(port: server.boundPort)
        let padding = String(repeating: "p", count: 1000)
        var wire = ""
        for i in 0..<300 { wire += "GET /r\(i) HTTP/1.1\r\nHost: t\r\nX-Pad: \(padding)\r\n\r\n" }
        let bytes = Array(wire.utf8)
        let writer = Thread { client.send(bytes) }
        writer.start()
        for i in 0..<300 {
            XCTAssertEqual(try client.readResponse().text, "/r\(i)")
        }
    }

    func testResponderFromDispatchQueueAfter50ms() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        let start = Date()
        client.send("GET /delay/50 HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "GET /delay/50 - ")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.045)
        // The connection is still usable afterwards.
        client.send("GET /again HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "GET /again - ")
    }

    func testSecondSendIsIgnored() throws {
        let server = try startServer(handler: { request, responder in
            responder.send(HTTPResponse(status: 200, body: Array("first".utf8)))
            responder.send(HTTPResponse(status: 500, body: Array("second".utf8)))
        })
        let client = try TestClient(port: server.boundPort)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "first")
        XCTAssertEqual(try client.readResponse().text, "first")
    }

    func testLargeResponseIsFullyWritten() throws {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 8 << 20)
        let server = try startServer(handler: { _, responder in responder.send(HTTPResponse(status: 200, body: big)) })
        let client = try TestClient(port: server.boundPort)
        client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().body.count, big.count)
        XCTAssertEqual(try client.readResponse().body.count, big.count)
    }

    // MARK: - Bodies

    func testChunkedRequestBody() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi")
        usleep(20_000)
        client.send("ki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "POST /c - Wikipedia")
        XCTAssertEqual(try client.readResponse().text, "GET /after - ")
    }

    func testChunkedBodyOverLimitIs413() throws {
        let server = try startServer { $0.maxBodyBytes = 10 }
        let client = try TestClient(port: server.boundPort)
        client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.text, "Request body larger than 10 bytes")
        XCTAssertEqual(response.header("Connection"), "close")
    }

    func testExpect100Continue() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        XCTAssertEqual(interim.statusLine, "HTTP/1.1 100 Continue")
        client.send("hello")
        XCTAssertEqual(try client.readResponse().text, "POST /e - hello")
    }

    func testOversizedContentLengthIs413BeforeBody() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.text, "Request body larger than 1048576 bytes")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
    }

    // MARK: - Protocol errors

    func testHugeHeadersAre431() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        let filler = String(repeating: "a", count: 20_000)
        client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(filler)\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.statusLine, "HTTP/1.1 431 Request Header Fields Too Large")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer(within: 3))
    }

    func testMalformedRequestsAre400AndClose() throws {
        let server = try startServer()
        let cases: [(String, Int)] = [
            ("GARBAGE\r\n\r\n", 400),
            ("GET /x HTTP/1.1 extra\r\n\r\n", 400),
            ("GET  /x HTTP/1.1\r\n\r\n", 400),
            ("GET /x HTTX/1.1\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nBad Header: x\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nNoColon\r\n\r\n", 400),
            ("GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
            ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("GET /x HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),             // HTTP/1.1 without Host
            ("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),      // two Host headers
            ("GET /x HTTP/2.0\r\n\r\n", 505),
            ("GET /x HTTP/3.1\r\n\r\n", 505),
        ]
        for (request, status) in cases {
            let client = try TestClient(port: server.boundPort)
            client.send(request)
            let response = try client.readResponse()
            XCTAssertEqual(response.status, status, "for \(request.debugDescription)")
            XCTAssertEqual(response.header("Connection"), "close", "for \(request.debugDescription)")
            XCTAssertFalse(response.body.isEmpty)
            XCTAssertTrue(client.isClosedByServer(within: 3), "for \(request.debugDescription)")
        }
    }

    func testMissingHostMessageAndHTTP10WithoutHost() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("GET /x HTTP/1.1\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400)
        XCTAssertTrue(response.text.contains("Missing Host header"), response.text)
        let old = try TestClient(port: server.boundPort)
        old.send("GET /old HTTP/1.0\r\n\r\n")  // HTTP/1.0 predates Host: still served
        XCTAssertEqual(try old.readResponse().status, 200)
    }

    func testLeadingBlankLinesAndBareLFAreTolerated() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("\r\nGET /lf HTTP/1.1\nHost: t\n\n")
        XCTAssertEqual(try client.readResponse().text, "GET /lf - ")
    }

    // MARK: - Timeouts and limits

    func testSlowClientGets408() throws {
        let server = try startServer { $0.headerTimeoutSeconds = 0.3 }
        let client = try TestClient(port: server.boundPort)
        let start = Date()
        client.send("GET / HTTP/1.1\r\nHost: t\r\n")
        let response = try client.readResponse()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(response.statusLine, "HTTP/1.1 408 Request Timeout")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertGreaterThanOrEqual(elapsed, 0.29)
        XCTAssertLessThan(elapsed, 1.5)
        XCTAssertTrue(client.isClosedByServer(within: 3))
    }

    func testSlowBodyGets408() throws {
        let server = try startServer { $0.headerTimeoutSeconds = 0.3 }
        let client = try TestClient(port: server.boundPort)
        client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertEqual(try client.readResponse().status, 408)
    }

    func testHalfCloseAfterRequestStillGetsResponseThenEOF() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /delay/20 HTTP/1.1\r\nHost: t\r\n\r\n")
        client.shutdownWrite()
        XCTAssertEqual(try client.readResponse().text, "GET /a - ")
        XCTAssertEqual(try client.readResponse().text, "GET /delay/20 - ")
        XCTAssertTrue(client.isClosedByServer(within: 1))
    }

    func testHalfCloseWithPartialRequestClosesPromptly() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("GET /a HT")
        client.shutdownWrite()
        let start = Date()
        XCTAssertTrue(client.isClosedByServer(within: 2))
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
    }

    func testIdleKeepAliveConnectionIsClosedSilently() throws {
        let server = try startServer { $0.idleTimeoutSeconds = 0.3 }
        let client = try TestClient(port: server.boundPort)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        let start = Date()
        XCTAssertTrue(client.isClosedByServer(within: 3))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.5)
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(server.activeConnectionCount, 0)
    }

    func testConnectionCap() throws {
        let server = try startServer { $0.maxConnections = 2 }
        let a = try TestClient(port: server.boundPort)
        let b = try TestClient(port: server.boundPort)
        for client in [a, b] {
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try client.readResponse().status, 200)
        }
        XCTAssertEqual(server.activeConnectionCount, 2)
        let c = try TestClient(port: server.boundPort)
        c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let rejected = try c.readResponse()
        XCTAssertEqual(rejected.status, 503)
        XCTAssertEqual(rejected.header("Connection"), "close")
        XCTAssertEqual(rejected.header("Retry-After"), "10")   // the first-byte deadline, rounded up
        XCTAssertEqual(rejected.text, "Server has too many open connections\n")
        XCTAssertTrue(c.isClosedByServer(within: 3))

        // Freeing a slot lets a new client in.
        a.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(try a.readResponse().status, 200)
        XCTAssertTrue(a.isClosedByServer(within: 3))
        a.closeNow()   // the server lingers until our FIN, then frees the slot
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(server.activeConnectionCount, 1)
        let d = try TestClient(port: server.boundPort)
        d.send("GET /d HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try d.readResponse().text, "GET /d - ")
    }

    func testPerAddressCapRefusesOnlyThatAddress() throws {
        let server = try startServer {
            $0.maxConnectionsPerAddress = 2
            $0.firstByteTimeoutSeconds = 2.5
        }
        // Two silent sockets take this address's slots.
        let silent = try (0..<2).map { _ in try TestClient(port: server.boundPort) }
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(server.activeConnectionCount, 2)
        let third = try TestClient(port: server.boundPort)
        let refused = try third.readResponse()   // answered without sending anything
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "3")
        XCTAssertEqual(refused.header("Connection"), "close")
        XCTAssertEqual(refused.text, "Too many open connections from your address\n")
        XCTAssertTrue(third.isClosedByServer(within: 1))
        XCTAssertEqual(server.activeConnectionCount, 2, "a refused connection holds no slot")

        let other = try TestClient(port: server.boundPort, source: "127.0.0.2")
        other.send("GET /other HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try other.readResponse().text, "GET /other - ")
        _ = silent
    }

    func testSilentNewConnectionIsClosedAtTheFirstByteDeadline() throws {
        let server = try startServer { $0.firstByteTimeoutSeconds = 0.3 }
        let client = try TestClient(port: server.boundPort)
        let start = Date()
        XCTAssertTrue(client.isClosedByServer(within: 3))
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 1.5)
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(server.activeConnectionCount, 0)
    }

    func testKeepAliveConnectionWaitsLongerThanTheFirstByteDeadline() throws {
        let server = try startServer {
            $0.firstByteTimeoutSeconds = 0.2
            $0.idleTimeoutSeconds = 30
        }
        let client = try TestClient(port: server.boundPort)
        client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        Thread.sleep(forTimeInterval: 1.3)   // past the first-byte deadline and the buffer trim
        client.send("GET /2 HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "GET /2 - ")
    }

    func testHeadStartedThenTrickledIsCutByTheHeaderTimeout() throws {
        let server = try startServer {
            $0.firstByteTimeoutSeconds = 0.2
            $0.headerTimeoutSeconds = 0.8
        }
        let client = try TestClient(port: server.boundPort)
        let start = Date()
        for byte in "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ".utf8.prefix(12) {
            client.send([byte])
            Thread.sleep(forTimeInterval: 0.1)   // each byte within the first-byte deadline of the last
        }
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.75)
    }

    // MARK: - Framing (RFC 9112)

    func testHTTP10WithTransferEncodingIs400AndCloses() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("POST /x HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400)
        XCTAssertTrue(response.text.contains("HTTP/1.0"), response.text)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer(within: 3))
    }

    func testChunkSizeLineLimitHoldsWithinOneRead() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        let extensions = ";" + String(repeating: "e", count: 4000)
        client.send("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\(extensions)\r\nabc\r\n0\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.text, "Chunk size line too long")
    }

    func testChunkedDecoderLineLimitWholeBuffer() {
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        let input = Array(("1;" + String(repeating: "x", count: 2000) + "\r\na\r\n0\r\n\r\n").utf8)
        let result = input.withUnsafeBufferPointer { decoder.decode($0, into: &body, maxBodyBytes: 100, maxTrailerBytes: 100) }
        guard case .failure(let error) = result else { return XCTFail("expected a failure, got \(result)") }
        XCTAssertEqual(error.status, 400)
        // Exactly at the limit is still fine.
        var fits = ChunkedDecoder()
        let line = "1;" + String(repeating: "x", count: ChunkedDecoder.maxSizeLine - 4) + "\r\n"
        XCTAssertEqual(line.utf8.count, ChunkedDecoder.maxSizeLine)
        let ok = Array((line + "a\r\n0\r\n\r\n").utf8)
        let done = ok.withUnsafeBufferPointer { fits.decode($0, into: &body, maxBodyBytes: 100, maxTrailerBytes: 100) }
        guard case .done = done else { return XCTFail("expected done, got \(done)") }
        XCTAssertEqual(body, Array("a".utf8))
    }

    func testLeadingBlankLinesCountTowardsTheHeaderLimit() throws {
        let server = try startServer { $0.maxHeaderBytes = 1024 }
        let client = try TestClient(port: server.boundPort)
        client.send(String(repeating: "\r\n", count: 600) + "GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 431)
        // An endless stream of blank lines is cut as soon as it passes the limit.
        let stream = try TestClient(port: server.boundPort)
        stream.send(String(repeating: "\r\n", count: 513))
        XCTAssertEqual(try stream.readResponse().status, 431)
        // A few blank lines before a small head are still tolerated.
        let polite = try TestClient(port: server.boundPort)
        polite.send(String(repeating: "\r\n", count: 10) + "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try polite.readResponse().text, "GET /ok - ")
    }

    // MARK: - Lifecycle

    func testGracefulShutdownFinishesInFlightRequest() throws {
        let started = DispatchSemaphore(value: 0)
        let server = try startServer(handler: { request, responder in
            started.signal()
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) {
                responder.send(HTTPResponse(status: 200, body: Array("slow done".utf8)))
            }
        })
        let port = server.boundPort
        let idle = try TestClient(port: port)
        let slow = try TestClient(port: port)
        slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(started.wait(timeout: .now() + 2), .success)

        let finished = DispatchSemaphore(value: 0)
        let shutdownStart = Date()
        Thread.detachNewThread {
            server.shutdown(graceSeconds: 5)
            finished.signal()
        }
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertThrowsError(try TestClient(port: port), "new connects must be refused after shutdown began")
        XCTAssertTrue(idle.isClosedByServer(within: 2), "idle keep-alive connections close at once")

        let response = try slow.readResponse()
        XCTAssertEqual(response.text, "slow done")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(finished.wait(timeout: .now() + 5), .success)
        XCTAssertLessThan(Date().timeIntervalSince(shutdownStart), 3)
        server.shutdown()   // idempotent
    }

    func testShutdownGraceExpiresForStuckHandler() throws {
        let server = try startServer(handler: { _, _ in })   // never responds
        let client = try TestClient(port: server.boundPort)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)
        let start = Date()
        server.shutdown(graceSeconds: 0.3)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 2)
        XCTAssertTrue(client.isClosedByServer(within: 2))
    }

    func testPortInUseErrorMessage() throws {
        let first = try startServer()
        var config = HTTPServer.Configuration()
        config.port = first.boundPort
        let second = HTTPServer(configuration: config, handler: echoHandler)
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual("\(error)", "cannot listen on 127.0.0.1:\(first.boundPort): Address already in use")
        }
    }

    // Linux machines of this project's kind have IPv6 loopback; a bind failure here is a failure.
    func testIPv6Loopback() throws {
        let server = try startServer { $0.host = "::1" }
        let client = try TestClient(port: server.boundPort, host: "::1")
        client.send("GET /v6 HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "GET /v6 - ")
    }

    func testIPv6RemoteAddress() throws {
        let server = try startServer({ $0.host = "[::1]" }, handler: { request, responder in
            responder.send(HTTPResponse(status: 200, body: Array(request.remoteAddress.utf8)))
        })
        let client = try TestClient(port: server.boundPort, host: "::1")
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "::1")
    }

    func testShutdownFromHandlerDoesNotDeadlock() throws {
        final class Box: @unchecked Sendable { var server: HTTPServer? }
        let box = Box()
        let server = try startServer(handler: { _, responder in
            responder.send(HTTPResponse(status: 200, body: Array("bye".utf8)))
            box.server?.shutdown(graceSeconds: 1)   // only initiates: can't join its own loop
        })
        box.server = server
        let client = try TestClient(port: server.boundPort)
        client.send("GET /quit HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "bye")
        XCTAssertTrue(client.isClosedByServer(within: 2), "the now idle connection is closed by the shutdown")
        server.shutdown()
        XCTAssertThrowsError(try TestClient(port: server.boundPort))
        box.server = nil
    }

    func testManyConcurrentClientsAcrossLoops() throws {
        let server = try startServer { $0.loopThreads = 2 }
        let port = server.boundPort
        let failures = Probe()
        DispatchQueue.concurrentPerform(iterations: 16) { worker in
            do {
                let client = try TestClient(port: port)
                for i in 0..<25 {
                    let body = "w\(worker)-\(i)"
                    client.send("POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    let response = try client.readResponse()
                    if response.text != "POST /c - \(body)" { failures.begin("\(worker)/\(i): \(response.text)") }
                }
            } catch {
                failures.begin("\(worker): \(error)")
            }
        }
        XCTAssertEqual(failures.snapshot.order, [])
    }

    func testContentLengthBodySplitAcrossWrites() throws {
        let server = try startServer()
        let client = try TestClient(port: server.boundPort)
        client.send("POST /s HTTP/1.1\r\nHost: t\r\nContent-")
        usleep(10_000)
        client.send("Length: 10\r\n\r\n01234")
        usleep(10_000)
        client.send("56789")
        XCTAssertEqual(try client.readResponse().text, "POST /s - 0123456789")
    }

    // MARK: - Parser units

    func testChunkedDecoderByteByByte() {
        let wire = Array("3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n".utf8)
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        var pending: [UInt8] = []
        var done = false
        for byte in wire {
            pending.append(byte)
            let result = pending.withUnsafeBufferPointer {
                decoder.decode($0, into: &body, maxBodyBytes: 100, maxTrailerBytes: 100)
            }
            switch result {
            case .needMore(let consumed): pending.removeFirst(consumed)
            case .done(let consumed): pending.removeFirst(consumed); done = true
            case .failure(let error): XCTFail(error.message)
            }
        }
        XCTAssertTrue(done)
        XCTAssertTrue(pending.isEmpty)
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "abc0123456789abcdef")
    }

    func testHTTPDateFormat() {
        XCTAssertEqual(httpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(httpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    func testHeadersCaseInsensitiveAndOrdered() {
        var headers = HTTPHeaders([("Content-Type", "a"), ("X-A", "1")])
        headers.add("x-a", "2")
        XCTAssertEqual(headers["content-type"], "a")
        XCTAssertEqual(headers["X-a"], "1")
        XCTAssertEqual(headers.values("X-A"), ["1", "2"])
        XCTAssertNil(headers["X-B"])
        XCTAssertNil(headers["X-@"])
        XCTAssertEqual(headers.pairs.map(\.name), ["Content-Type", "X-A", "x-a"])
    }
}
