import HTTPServer
import JSON

/// The responses the HTTP face sends: JSON bodies, plain-text errors, and JSON-RPC replies with
/// the status and headers they travel with.
extension HTTPResponse {
    static func json(_ status: Int, _ body: JSONValue, headers extra: [(String, String)] = []) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        for (name, value) in extra { headers.add(name, value) }
        return HTTPResponse(status: status, headers: headers, body: body.serialized())
    }

    static func text(_ status: Int, _ text: String, allow: String? = nil) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")])
        if let allow { headers.add("Allow", allow) }
        return HTTPResponse(status: status, headers: headers, body: Array((text + "\n").utf8))
    }

    static func reply(_ reply: RPCReply) -> HTTPResponse {
        guard let body = reply.body else { return HTTPResponse(status: 202) }
        return .json(reply.httpStatus, body, headers: reply.headers)
    }
}
