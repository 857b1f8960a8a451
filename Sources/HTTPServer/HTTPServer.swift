// TEMPORARY STUB — replaced by the real server from branch helper-http.
public struct HTTPHeaders: Sendable {
    public var pairs: [(name: String, value: String)]
    public init(_ pairs: [(String, String)] = []) { self.pairs = pairs.map { (name: $0.0, value: $0.1) } }
    public subscript(name: String) -> String? { pairs.first { $0.name.lowercased() == name.lowercased() }?.value }
    public func values(_ name: String) -> [String] { pairs.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }
    public mutating func add(_ name: String, _ value: String) { pairs.append((name, value)) }
}
public struct HTTPRequest: Sendable {
    public let method: String; public let target: String; public let path: String; public let query: String?
    public let version: String; public let headers: HTTPHeaders; public let body: [UInt8]; public let remoteAddress: String
}
public struct HTTPResponse: Sendable {
    public var status: Int; public var headers: HTTPHeaders; public var body: [UInt8]
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) { self.status = status; self.headers = headers; self.body = body }
}
public struct HTTPResponder: Sendable { public func send(_ response: HTTPResponse) {} }
public final class HTTPServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"; public var port = 8787; public var loopThreads = 2; public var maxBodyBytes = 1 << 20
        public var maxHeaderBytes = 16 << 10; public var headerTimeoutSeconds = 10.0; public var idleTimeoutSeconds = 60.0
        public var maxConnections = 1024; public init() {}
    }
    public init(configuration: Configuration, handler: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void) {}
    public var boundPort: Int { 0 }
    public func start() throws {}
    public func shutdown(graceSeconds: Double = 10) {}
    public var activeConnectionCount: Int { 0 }
}
