// A response body the server streams from an open file with sendfile(2), so a large download
// never sits in memory: the loop sends it as the socket drains, like the in-memory output.
import Glibc

/// An open file and the byte range of it to send. Owns the descriptor: it is closed when the
/// body is released, whether the bytes were all sent, the client went away first, or the
/// response was never written (a stale responder). So no path can leak it.
public final class HTTPFileBody: Sendable {
    public let fd: Int32
    public let offset: Int64
    public let length: Int64

    /// Takes ownership of `fd`.
    public init(fd: Int32, offset: Int64, length: Int64) {
        self.fd = fd
        self.offset = offset
        self.length = length
    }

    deinit { Glibc.close(fd) }
}

/// The sending side of a file body on one connection: how far it got.
struct FileBodyCursor {
    let body: HTTPFileBody
    var offset: Int64
    let end: Int64

    init(_ body: HTTPFileBody) {
        self.body = body
        offset = body.offset
        end = body.offset + body.length
    }

    enum Progress {
        case done
        case wouldBlock
        /// The socket failed (the peer is gone) or the file shrank under us: close the connection.
        case failed
    }

    /// Sends as much as the socket takes; `sent` is called with each chunk's size.
    mutating func send(to socket: Int32, sent: (Int) -> Void) -> Progress {
        while offset < end {
            var position = off_t(offset)
            let chunk = Int(min(end - offset, 1 << 20))
            let n = sendfile(socket, body.fd, &position, chunk)
            if n > 0 {
                offset += Int64(n)
                sent(n)
            } else if n == 0 {
                return .failed   // end of file before the promised length: the framing is broken
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return .wouldBlock
            } else {
                return .failed
            }
        }
        return .done
    }
}
