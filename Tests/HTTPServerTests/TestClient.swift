// A tiny blocking HTTP client over raw sockets, so tests see exactly what's on the wire.
import Foundation
import Glibc
@testable import HTTPServer

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

struct TestResponse {
    let status: Int
    let statusLine: String
    let headers: [(String, String)]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

final class TestClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to host:port (IPv4 or IPv6 literal); receive timeout bounds every read.
    /// `source`: an IPv4 address to connect from (any of 127/8 works on Linux loopback), so a
    /// test can play a second client address.
    init(port: Int, host: String = "127.0.0.1", source: String? = nil, timeout: Double = 5) throws {
        fd = try TestClient.connectSocket(port: port, host: host, source: source)
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Separate from init: a class init that throws after setting `fd` would still run deinit,
    /// closing the descriptor twice.
    private static func connectSocket(port: Int, host: String, source: String?) throws -> Int32 {
        let fd: Int32
        let rc: Int32
        if host.contains(":") {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &addr.sin6_addr)
            fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &addr.sin_addr)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            if let source {
                var local = sockaddr_in()
                local.sin_family = sa_family_t(AF_INET)
                inet_pton(AF_INET, source, &local.sin_addr)
                _ = withUnsafePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if rc != 0 {
            let e = errno
            close(fd)
            throw TestError("connect failed: \(String(cString: strerror(e)))")
        }
        return fd
    }

    private var closed = false

    deinit { closeNow() }

    /// Half-close: the server sees EOF but can still answer.
    func shutdownWrite() { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Closes our end (a FIN to the server).
    func closeNow() {
        if !closed { close(fd) }
        closed = true
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads more bytes into the buffer; false on EOF, reset or timeout.
    @discardableResult
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response (a 1xx counts as one). Throws on timeout/EOF before it is complete.
    /// `head`: the response to a HEAD request, which has Content-Length but no body.
    func readResponse(head: Bool = false) throws -> TestResponse {
        var headEnd: Int? = nil
        while headEnd == nil {
            headEnd = findHeadEnd()
            if headEnd == nil, !fill() { throw TestError("connection closed or timed out before a response head (got \(buffer.count) bytes)") }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestError("bad status line \(statusLine)") }
        let headers = lines.map { line -> (String, String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        buffer.removeFirst(headEnd!)
        var response = TestResponse(status: status, statusLine: statusLine, headers: headers, body: [])
        if !head, let length = response.header("Content-Length").flatMap({ Int($0) }) {
            while buffer.count < length {
                if !fill() { throw TestError("body truncated: \(buffer.count)/\(length)") }
            }
            response = TestResponse(status: status, statusLine: statusLine, headers: headers, body: Array(buffer[0..<length]))
            buffer.removeFirst(length)
        }
        return response
    }

    /// Reads up to and including `marker` (e.g. the last chunk of a chunked body) and returns it.
    func readThrough(_ marker: String) throws -> [UInt8] {
        let bytes = Array(marker.utf8)
        while true {
            if buffer.count >= bytes.count {
                for end in bytes.count...buffer.count where Array(buffer[(end - bytes.count)..<end]) == bytes {
                    let out = Array(buffer[0..<end])
                    buffer.removeFirst(end)
                    return out
                }
            }
            if !fill() { throw TestError("connection closed or timed out before \(marker.debugDescription) (got \(buffer.count) bytes)") }
        }
    }

    /// Reads until the server closes the connection.
    func readToEnd() -> [UInt8] {
        while fill() {}
        defer { buffer = [] }
        return buffer
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 3..<buffer.count where buffer[i] == 10 && buffer[i - 1] == 13 && buffer[i - 2] == 10 && buffer[i - 3] == 13 {
            return i + 1
        }
        return nil
    }

    /// True when the server closed the connection (EOF or reset) with no further bytes
    /// within `timeout`; false if data arrived or the connection stayed open.
    func isClosedByServer(within timeout: Double) -> Bool {
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard buffer.isEmpty else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n == 0 { return true }
        if n < 0 && errno == ECONNRESET { return true }
        return false
    }
}
