// Public value types of the HTTP server: headers, request, response, responder.
// No Foundation here: these are built and read on the hot path.

/// Ordered header list with ASCII case-insensitive lookup.
/// Duplicates are kept in arrival order (e.g. several `Set-Cookie`).
public struct HTTPHeaders: Sendable {
    private var storage: [(name: String, value: String)]

    public init(_ pairs: [(String, String)] = []) {
        storage = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// First value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        for pair in storage where asciiCaseInsensitiveEquals(pair.name, name) { return pair.value }
        return nil
    }

    /// All values for `name` in arrival order.
    public func values(_ name: String) -> [String] {
        storage.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) {
        storage.append((name: name, value: value))
    }

    /// Replaces every value of `name` with a single one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        storage.append((name: name, value: value))
    }

    public mutating func remove(_ name: String) {
        storage.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public var pairs: [(name: String, value: String)] { storage }

    public var count: Int { storage.count }
}

public struct HTTPRequest: Sendable {
    /// "GET", "POST", ... exactly as sent (methods are case-sensitive).
    public let method: String
    /// Raw request-target, e.g. "/demo/mcp?x=1".
    public let target: String
    /// `target` without the query string; percent-decoding is NOT applied.
    public let path: String
    /// Text after the first "?", without it; nil when the target has no "?".
    public let query: String?
    /// "HTTP/1.1" or "HTTP/1.0".
    public let version: String
    public let headers: HTTPHeaders
    /// Decoded body (chunked transfer coding already removed).
    public let body: [UInt8]
    /// Client IP as text, e.g. "127.0.0.1" or "::1".
    public let remoteAddress: String

    public init(method: String, target: String, version: String = "HTTP/1.1",
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteAddress: String = "") {
        self.method = method
        self.target = target
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        } else {
            path = target
            query = nil
        }
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// The server adds Content-Length (and Connection when closing); a handler-supplied
    /// Content-Length or Transfer-Encoding is replaced.
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When set, the body is this file range instead of `body` (HTTPFileBody.swift): Content-Length
    /// is its length and the loop streams it with sendfile(2). HEAD sends the headers only.
    public var file: HTTPFileBody?

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body the server streams from `file`.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), file: HTTPFileBody) {
        self.init(status: status, headers: headers)
        self.file = file
    }

    /// Convenience: a text body with a Content-Type header.
    public init(status: Int, contentType: String, body: String) {
        self.init(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(body.utf8))
    }
}

/// Handed to the handler together with the request. Call `send` exactly once, from any thread:
/// synchronously inside the handler (written straight back on the loop thread) or later from
/// another thread (queued to the owning loop, which is woken through its eventfd).
/// Extra calls, and calls after the connection went away, are ignored.
public struct HTTPResponder: Sendable {
    let loop: EventLoop
    let fd: Int32
    let connectionID: UInt64
    let sequence: UInt64

    public func send(_ response: HTTPResponse) {
        loop.deliver(response, fd: fd, connectionID: connectionID, sequence: sequence)
    }
}

/// Canonical reason phrases for the status codes a server is likely to send.
func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: return "Continue"
    case 101: return "Switching Protocols"
    case 200: return "OK"
    case 201: return "Created"
    case 202: return "Accepted"
    case 204: return "No Content"
    case 206: return "Partial Content"
    case 301: return "Moved Permanently"
    case 302: return "Found"
    case 303: return "See Other"
    case 304: return "Not Modified"
    case 307: return "Temporary Redirect"
    case 308: return "Permanent Redirect"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 406: return "Not Acceptable"
    case 408: return "Request Timeout"
    case 409: return "Conflict"
    case 410: return "Gone"
    case 411: return "Length Required"
    case 412: return "Precondition Failed"
    case 413: return "Content Too Large"
    case 414: return "URI Too Long"
    case 415: return "Unsupported Media Type"
    case 417: return "Expectation Failed"
    case 422: return "Unprocessable Content"
    case 429: return "Too Many Requests"
    case 431: return "Request Header Fields Too Large"
    case 500: return "Internal Server Error"
    case 501: return "Not Implemented"
    case 502: return "Bad Gateway"
    case 503: return "Service Unavailable"
    case 504: return "Gateway Timeout"
    case 505: return "HTTP Version Not Supported"
    default: return status < 200 ? "Informational" : status < 300 ? "Success" : status < 400 ? "Redirection" : status < 500 ? "Client Error" : "Server Error"
    }
}

/// ASCII case-insensitive comparison without allocating lowercased copies.
@inline(__always)
func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { ua in
        b.withUTF8 { ub in
            guard ua.count == ub.count else { return false }
            for i in 0..<ua.count where ua[i] != ub[i] {
                if ua[i] | 0x20 != ub[i] | 0x20 { return false }
                let lower = ua[i] | 0x20
                if lower < UInt8(ascii: "a") || lower > UInt8(ascii: "z") { return false }
            }
            return true
        }
    }
}
