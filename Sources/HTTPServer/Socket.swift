// Socket helpers: address parsing, listening sockets, small syscall wrappers, a clock.
import CShims
import Glibc

/// Error thrown by `HTTPServer.start()`; `description` is meant to be shown to an operator.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// errno as readable text ("Address already in use").
func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}

/// An IPv4 or IPv6 socket address built from a literal host (or "localhost").
enum SocketAddress {
    case v4(sockaddr_in)
    case v6(sockaddr_in6)

    /// Accepts "127.0.0.1", "0.0.0.0", "::1", "[::1]", "::" and "localhost" (→ 127.0.0.1).
    /// Hostnames are deliberately not resolved: a server binds to an interface, not a name.
    init(host: String, port: Int) throws {
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        if literal == "localhost" || literal.isEmpty { literal = "127.0.0.1" }
        guard (0...65535).contains(port) else { throw HTTPServerError("invalid port \(port)") }
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, literal, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
            self = .v4(v4)
            return
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, literal, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
            self = .v6(v6)
            return
        }
        throw HTTPServerError("cannot listen on \(host):\(port): not an IPv4/IPv6 literal or \"localhost\"")
    }

    var family: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch self {
        case .v4(var a):
            return withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(var a):
            return withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}

/// "127.0.0.1:8787" or "[::1]:8787" for messages.
func displayAddress(host: String, port: Int) -> String {
    host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
}

enum Listener {
    /// Checks the port is free by binding WITHOUT SO_REUSEPORT. Needed because our own
    /// listeners use SO_REUSEPORT, and Linux would happily let a second server process of the
    /// same user join the port instead of failing with "Address already in use".
    /// Returns the port actually bound (resolves port 0 to a free port).
    static func probe(host: String, port: Int) throws -> Int {
        let address = try SocketAddress(host: host, port: port)
        let fd = cshims_stream_socket(address.family)
        guard fd >= 0 else { throw HTTPServerError("cannot listen on \(displayAddress(host: host, port: port)): \(errnoText())") }
        defer { close(fd) }
        setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if address.family == AF_INET6 { setIntOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        let rc = address.withSockaddr { bind(fd, $0, $1) }
        guard rc == 0 else { throw HTTPServerError("cannot listen on \(displayAddress(host: host, port: port)): \(errnoText())") }
        return port != 0 ? port : localPort(fd)
    }

    /// A non-blocking listening socket with SO_REUSEADDR + SO_REUSEPORT, so every loop thread
    /// can own one and the kernel spreads incoming connections across them.
    static func open(host: String, port: Int, backlog: Int32 = 1024) throws -> (fd: Int32, port: Int) {
        let address = try SocketAddress(host: host, port: port)
        let fail = { (what: String) -> HTTPServerError in
            HTTPServerError("cannot listen on \(displayAddress(host: host, port: port)): \(what)")
        }
        let fd = cshims_stream_socket(address.family)
        guard fd >= 0 else { throw fail(errnoText()) }
        setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, 1)
        if address.family == AF_INET6 { setIntOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let e = errno
            close(fd)
            throw fail(errnoText(e))
        }
        guard listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw fail(errnoText(e))
        }
        return (fd, localPort(fd))
    }

    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard rc == 0 else { return 0 }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { ptr -> Int in
            if family == sa_family_t(AF_INET6) {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}

func setIntOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
    var v = value
    _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
}

/// Monotonic seconds; deadlines are compared against this, never the wall clock.
@inline(__always) func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
