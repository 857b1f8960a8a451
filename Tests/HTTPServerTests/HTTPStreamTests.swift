import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import HTTPServer

/// Streamed responses (HTTPStream.swift) and the client-gone watch, over real sockets.
final class HTTPStreamTests: XCTestCase {
    private var servers: [HTTPServer] = []

    override func tearDown() {
        for server in servers { server.shutdown(graceSeconds: 0.5) }
        servers = []
        super.tearDown()
    }

    private func start(_ handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void) throws -> HTTPServer {
        var config = HTTPServer.Configuration()
        config.port = 0
        let server = HTTPServer(configuration: config, handler: handler)
        try server.start()
        servers.append(server)
        return server
    }

    /// "/stream": three pieces from another thread, 10 ms apart, then a last one; else "plain".
    private static let streaming: @Sendable (HTTPRequest, HTTPResponder) -> Void = { request, responder in
        guard request.path == "/stream" else {
            return responder.send(HTTPResponse(status: 200, contentType: "text/plain", body: "plain"))
        }
        let stream = responder.stream(status: 200, headers: HTTPHeaders([("Content-Type", "text/event-stream")]))
        DispatchQueue.global().async {
            for i in 1...3 {
                XCTAssertTrue(stream.send(Array("piece \(i)\n".utf8)))
                usleep(10_000)
            }
            stream.finish(Array("last\n".utf8))
        }
    }

    /// Decodes a chunked body (with its terminating zero chunk); fails on bad framing.
    private func dechunk(_ wire: [UInt8]) throws -> [String] {
        var pieces: [String] = []
        var rest = wire[...]
        while true {
            guard let lineEnd = rest.firstIndex(of: 13), let size = Int(String(decoding: rest[rest.startIndex..<lineEnd], as: UTF8.self), radix: 16)
            else { throw TestError("bad chunk size in \(String(decoding: rest, as: UTF8.self).debugDescription)") }
            rest = rest[(lineEnd + 2)...]
            if size == 0 { return pieces }
            pieces.append(String(decoding: rest.prefix(size), as: UTF8.self))
            rest = rest.dropFirst(size + 2)
        }
    }

    func testPiecesArriveChunkedAndTheConnectionIsReused() throws {
        let server = try start(HTTPStreamTests.streaming)
        let client = try TestClient(port: server.boundPort)
        client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readResponse()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Transfer-Encoding"), "chunked")
        XCTAssertNil(head.header("Content-Length"))
        XCTAssertNil(head.header("Connection"))
        XCTAssertEqual(head.header("Content-Type"), "text/event-stream")
        XCTAssertEqual(try dechunk(try client.readThrough("\r\n0\r\n\r\n")), ["piece 1\n", "piece 2\n", "piece 3\n", "last\n"])
        client.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "plain")
    }

    func testHTTP10StreamIsDelimitedByClose() throws {
        let server = try start(HTTPStreamTests.streaming)
        let client = try TestClient(port: server.boundPort)
        client.send("GET /stream HTTP/1.0\r\nHost: t\r\n\r\n")
        let head = try client.readResponse()
        XCTAssertNil(head.header("Transfer-Encoding"))
        XCTAssertEqual(head.header("Connection"), "close")
        XCTAssertEqual(String(decoding: client.readToEnd(), as: UTF8.self), "piece 1\npiece 2\npiece 3\nlast\n")
    }

    func testOnCloseRunsWhenTheClientLeavesMidStreamAndSendThenFails() throws {
        let closed = Atomic<Int>(0)
        let opened = DispatchSemaphore(value: 0)
        let box = Mutex<HTTPStream?>(nil)
        let server = try start { _, responder in
            let stream = responder.stream(status: 200, headers: HTTPHeaders(), onClose: { closed.add(1, ordering: .relaxed) })
            box.withLock { $0 = stream }
            XCTAssertTrue(stream.send(Array("hello".utf8)))
            opened.signal()
        }
        let client = try TestClient(port: server.boundPort)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(opened.wait(timeout: .now() + 5), .success)
        _ = try client.readResponse()
        client.closeNow()
        let stream = try XCTUnwrap(box.withLock { $0 })
        let deadline = Date().addingTimeInterval(2)
        while closed.load(ordering: .relaxed) == 0 && Date() < deadline { usleep(5000) }
        XCTAssertEqual(closed.load(ordering: .relaxed), 1)
        XCTAssertTrue(stream.isClosed)
        XCTAssertFalse(stream.send(Array("late".utf8)))
        stream.finish()   // harmless after the connection went away
    }

    func testClientGoneRunsOnlyBeforeTheResponse() throws {
        let gone = Atomic<Int>(0)
        let responders = Mutex<[HTTPResponder]>([])
        let server = try start { request, responder in
            responder.onClientGone { gone.add(1, ordering: .relaxed) }
            if request.path == "/answer" {
                responder.send(HTTPResponse(status: 200, contentType: "text/plain", body: "ok"))
            } else {
                responders.withLock { $0.append(responder) }   // never answered
            }
        }
        let answered = try TestClient(port: server.boundPort)
        answered.send("GET /answer HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try answered.readResponse().text, "ok")
        answered.closeNow()

        let abandoned = try TestClient(port: server.boundPort)
        abandoned.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n")
        let deadline = Date().addingTimeInterval(2)
        while responders.withLock({ $0.isEmpty }) && Date() < deadline { usleep(5000) }
        abandoned.closeNow()
        while gone.load(ordering: .relaxed) == 0 && Date() < deadline { usleep(5000) }
        usleep(50_000)
        XCTAssertEqual(gone.load(ordering: .relaxed), 1, "only the abandoned request's watcher runs")
    }
}
