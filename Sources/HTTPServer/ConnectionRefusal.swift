// The answer to a connection over a cap: a fixed 503, written without reading the request.
import CShims
import Glibc

/// Built once per loop. The bytes never change, so refusing costs one send(), one shutdown() and
/// one close(): no Connection, no epoll registration, no buffers, no lingering. That matters
/// because refusals come in floods (a client opening sockets as fast as it can).
struct ConnectionRefusal {
    private let serverFull: [UInt8]
    private let addressFull: [UInt8]

    /// `retryAfterSeconds`: when slots held by silent sockets will have been freed at the latest
    /// (the first-byte deadline), so a polite client knows when to come back.
    init(retryAfterSeconds: Int) {
        serverFull = ConnectionRefusal.response("Server has too many open connections", retryAfter: retryAfterSeconds)
        addressFull = ConnectionRefusal.response("Too many open connections from your address", retryAfter: retryAfterSeconds)
    }

    private static func response(_ message: String, retryAfter: Int) -> [UInt8] {
        let body = message + "\n"
        return Array(("HTTP/1.1 503 Service Unavailable\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Retry-After: \(max(1, retryAfter))\r\n"
            + "Content-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body).utf8)
    }

    /// Answers and closes `fd`. The response is far smaller than an empty socket's send buffer,
    /// so the single non-blocking send() writes all of it. Whatever the client already sent is
    /// read and dropped first, so close() sends a FIN rather than a RST that could destroy the
    /// answer before the client reads it.
    func refuse(fd: Int32, because admission: Admission, scratch: UnsafeMutableRawPointer, scratchSize: Int) {
        let bytes = admission == .addressFull ? addressFull : serverFull
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        _ = shutdown(fd, Int32(SHUT_WR))
        // Bounded: a client streaming at us cannot keep the loop here.
        var reads = 0
        while reads < 4, recv(fd, scratch, scratchSize, Int32(MSG_DONTWAIT)) > 0 { reads += 1 }
        close(fd)
    }
}
