import JSON

/// JSON-RPC 2.0 error codes, exactly as the spec digest lists them.
enum RPCCode {
    static let parseError: Int64 = -32700
    static let invalidRequest: Int64 = -32600
    static let methodNotFound: Int64 = -32601
    static let invalidParams: Int64 = -32602
    static let internalError: Int64 = -32603
    static let headerMismatch: Int64 = -32020
    static let missingClientCapability: Int64 = -32021
    static let unsupportedProtocolVersion: Int64 = -32022
    /// Toolhost's own: an unknown toolset in the URL (outside the reserved range).
    static let noSuchToolset: Int64 = -31004
    /// Toolhost's own: a toolset's queue is full (HTTP 503 with Retry-After).
    static let busy: Int64 = -31503
    /// Toolhost's own: a batch message not run because the batch's replies reached their bound.
    static let batchResponseTooLarge: Int64 = -31413
}

/// A JSON-RPC error plus the HTTP status it travels with.
struct RPCError: Error {
    var code: Int64
    var message: String
    var data: JSONValue? = nil
    var httpStatus: Int = 200
    /// Extra response headers (WWW-Authenticate, Retry-After) for denials.
    var headers: [(String, String)] = []

    static func parse(_ detail: String) -> RPCError {
        RPCError(code: RPCCode.parseError, message: "Parse error: \(detail)", httpStatus: 400)
    }
    static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: RPCCode.invalidRequest, message: "Invalid Request: \(detail)", httpStatus: 400)
    }
    static func methodNotFound(_ method: String, httpStatus: Int = 200) -> RPCError {
        RPCError(code: RPCCode.methodNotFound, message: "Method not found: \(method)", httpStatus: httpStatus)
    }
    static func invalidParams(_ detail: String, httpStatus: Int = 200) -> RPCError {
        RPCError(code: RPCCode.invalidParams, message: detail, httpStatus: httpStatus)
    }
    static func internalError(_ detail: String) -> RPCError {
        RPCError(code: RPCCode.internalError, message: "Internal error: \(detail)", httpStatus: 500)
    }

    init(code: Int64, message: String, data: JSONValue? = nil, httpStatus: Int = 200, headers: [(String, String)] = []) {
        self.code = code
        self.message = message
        self.data = data
        self.httpStatus = httpStatus
        self.headers = headers
    }

    init(_ denial: Denial) {
        var headers: [(String, String)] = []
        if let challenge = denial.challenge { headers.append(("WWW-Authenticate", challenge)) }
        if let retry = denial.retryAfterSeconds { headers.append(("Retry-After", String(retry))) }
        self.init(code: denial.rpcCode, message: denial.message, data: denial.errorData, httpStatus: denial.httpStatus, headers: headers)
    }
}

extension RPCError {
    /// The JSON-RPC error object: code, message and data when there is some.
    var json: JSONValue {
        var object: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// What the dispatcher answers to one incoming message.
enum RPCReply {
    /// A notification or response was accepted: nothing to send (HTTP 202).
    case accepted
    case result(id: JSONValue, result: JSONObject, headers: [(String, String)] = [])
    case error(id: JSONValue, RPCError)
    /// A 2025-03-26 batch: one reply per request in it.
    case batch([RPCReply])

    var body: JSONValue? {
        switch self {
        case .accepted: return nil
        case .result(let id, let result, _):
            return ["jsonrpc": "2.0", "id": id, "result": .object(result)]
        case .error(let id, let error):
            return ["jsonrpc": "2.0", "id": id, "error": error.json]
        case .batch(let replies):
            let bodies = replies.compactMap(\.body)
            return bodies.isEmpty ? nil : .array(bodies)
        }
    }

    var httpStatus: Int {
        switch self {
        case .accepted: return 202
        case .result: return 200
        case .error(_, let error): return error.httpStatus
        case .batch(let replies): return replies.allSatisfy({ if case .accepted = $0 { return true }; return false }) ? 202 : 200
        }
    }

    var headers: [(String, String)] {
        switch self {
        case .result(_, _, let headers): return headers
        case .error(_, let error): return error.headers
        default: return []
        }
    }
}

/// The parts of one JSON-RPC message the dispatcher routes on.
struct RPCMessage {
    let id: JSONValue?       // nil = notification (or a response from the client)
    let method: String?      // nil = a response to something we sent
    let params: JSONObject

    var isNotification: Bool { id == nil }

    /// An id the reply can carry back exactly as it came, or nil. The parser keeps an integer
    /// literal that fits Int64 as such and writes it back digit for digit; any other number (a
    /// fraction, an exponent, a 20-digit integer) is held as a Double and would come back changed
    /// (`1e2` as `100.0`, a large integer rounded), so such ids are refused rather than altered.
    static func echoableID(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .string?, .int?: return value
        default: return nil
        }
    }

    /// Validates the envelope; the id is echoed in the error when it could be read.
    static func from(_ value: JSONValue) -> Result<RPCMessage, RPCReply> {
        guard case .object(let object) = value else {
            return .failure(.error(id: .null, .invalidRequest("a JSON-RPC message must be an object")))
        }
        var id: JSONValue?
        if let rawID = object["id"] {
            guard let echoable = echoableID(rawID) else {
                return .failure(.error(id: .null, .invalidRequest("id must be a string or an integer written with digits only, from -9223372036854775808 to 9223372036854775807, so that the reply can echo it exactly")))
            }
            id = echoable
        }
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            return .failure(.error(id: id ?? .null, .invalidRequest("\"jsonrpc\" must be \"2.0\"")))
        }
        let method = object["method"]?.stringValue
        if method == nil && object["method"] != nil {
            return .failure(.error(id: id ?? .null, .invalidRequest("\"method\" must be a string")))
        }
        if method == nil && object["result"] == nil && object["error"] == nil {
            return .failure(.error(id: id ?? .null, .invalidRequest("missing \"method\"")))
        }
        var params = JSONObject()
        if let rawParams = object["params"] {
            guard case .object(let p) = rawParams else {
                return .failure(.error(id: id ?? .null, .invalidParams("\"params\" must be an object")))
            }
            params = p
        }
        return .success(RPCMessage(id: id, method: method, params: params))
    }
}
extension RPCReply: Error {}
