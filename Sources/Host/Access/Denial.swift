import JSON

/// A refusal by one of the access layers. Every denial names its layer, in the JSON-RPC error
/// `data.layer`, in the log and (later) in the audit trail, so an operator can tell at a glance
/// whether a token, a grant, a plan or the abuse guard said no.
struct Denial: Error {
    enum Layer: String {
        case token   // 1. is the token valid at all? (401)
        case scope   // 2. does it grant this tenant / toolset / tool? (403)
        case plan    // 3. does the tenant's plan include it? (403)
        case abuse   // 4. burst and lockout guard (429)
    }

    let layer: Layer
    let httpStatus: Int
    let message: String
    /// Value of `WWW-Authenticate` (401/403) or nil.
    let challenge: String?
    /// Extra fields merged into the JSON-RPC error data (e.g. an upgrade hint).
    var extraData: JSONObject = JSONObject()
    var retryAfterSeconds: Int? = nil
    /// For the audit trail: the public id of a token that was recognised but refused (revoked, expired).
    var tokenID: String? = nil

    init(layer: Layer, httpStatus: Int, message: String, challenge: String?, extraData: JSONObject = JSONObject()) {
        self.layer = layer
        self.httpStatus = httpStatus
        self.message = message
        self.challenge = challenge
        self.extraData = extraData
    }

    /// JSON-RPC error codes for denials live outside the spec's reserved -32768…-32000 range.
    var rpcCode: Int64 {
        switch httpStatus {
        case 401: return -31001
        case 429: return -31029
        default: return -31003
        }
    }

    var errorData: JSONValue {
        var data = extraData
        data["layer"] = .string(layer.rawValue)
        if let retryAfterSeconds { data["retry_after_seconds"] = .int(Int64(retryAfterSeconds)) }
        return .object(data)
    }

    // MARK: Layer 1: token validity (texts from the product's troubleshooting table)

    static func tokenRequired() -> Denial {
        Denial(layer: .token, httpStatus: 401, message: "Bearer token required", challenge: #"Bearer realm="toolhost""#)
    }
    static func invalidToken() -> Denial { tokenRejected("Invalid token") }
    static func revoked() -> Denial { tokenRejected("Token has been revoked") }
    static func expired() -> Denial { tokenRejected("Token has expired") }
    /// An OAuth access token presented to an MCP endpoint other than the one it was issued for (RFC 8707).
    static func otherResource() -> Denial { tokenRejected("Token was not issued for this resource") }

    /// A job calling a tool (header section 12) that no token started: a schedule's or an
    /// operator's job acts for nobody, so it may call nothing.
    static func jobWithoutToken(job: String, startedBy: String) -> Denial {
        Denial(layer: .token, httpStatus: 401, message: "Job \(job) was started by \(startedBy), not by a token: only a job a token "
               + "started may call tools, as that token", challenge: nil)
    }

    private static func tokenRejected(_ message: String) -> Denial {
        Denial(layer: .token, httpStatus: 401, message: message,
               challenge: #"Bearer realm="toolhost", error="invalid_token", error_description=\#(quoted(message))"#)
    }

    // MARK: Layer 2: scope

    static func otherTenant(_ tenant: String) -> Denial {
        forbidden("Token does not grant access to tenant \(tenant)")
    }
    static func toolsetNotGranted(_ toolset: String) -> Denial {
        forbidden("Token does not grant access to the \(toolset) server", scope: toolset)
    }
    static func toolsetDisabled(_ toolset: String) -> Denial {
        forbidden("The \(toolset) toolset is disabled for this tenant")
    }

    /// A write tool called with a read-only grant (a tool is a write tool unless it declares readOnlyHint).
    static func readOnly(toolset: String, tool: String) -> Denial {
        var denial = forbidden("Token does not grant write access to the \(toolset) server (\(tool) changes data)", scope: toolset)
        denial.extraData = ["tool": .string(tool), "required_scope": .string(toolset)]
        return denial
    }

    /// A tool of an admitted toolset that none of the token's declared-scope grants reaches (or
    /// reaches read-only while the tool writes). Names the grants that would allow it: the
    /// declared scopes that include the tool, else the whole toolset; `has` is what the token holds there.
    static func scopeMissing(tool: RegisteredTool, has: [String]) -> Denial {
        let allowing = tool.grantingScopes.isEmpty ? [tool.toolset.name] : tool.grantingScopes
        let message = "Token lacks scope \(allowing.joined(separator: " or ")) for tool \(tool.name) (has \(has.joined(separator: ", ")))"
        var denial = forbidden(message, scope: allowing.joined(separator: " "))
        denial.extraData = [
            "tool": .string(tool.name),
            "toolset": .string(tool.toolset.name),
            "required_scopes": .array((allowing + (tool.grantingScopes.isEmpty ? [] : [tool.toolset.name])).map { .string($0) }),
            "granted_scopes": .array(has.map { .string($0) }),
        ]
        return denial
    }

    static func toolNotGranted(_ tool: String) -> Denial {
        var denial = forbidden("Token does not grant access to the \(tool) tool")
        denial.extraData = ["tool": .string(tool)]
        return denial
    }

    static func forbidden(_ message: String, scope: String? = nil) -> Denial {
        var challenge = #"Bearer realm="toolhost", error="insufficient_scope""#
        if let scope { challenge += ", scope=" + quoted(scope) }
        challenge += ", error_description=" + quoted(message)
        return Denial(layer: .scope, httpStatus: 403, message: message, challenge: challenge)
    }

    /// An auth-param value as an HTTP quoted-string (RFC 9110 §5.6.4): quotes and backslashes
    /// escaped, control characters dropped. Routes only admit well-formed names, so this is the
    /// second line of defence: no text can end the parameter early or start a header of its own.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            if scalar == "\"" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }
}
