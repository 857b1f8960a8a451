/// What a request is about to do, as far as the access layers care. Built by the MCP core from
/// what the transport knows (route, credentials, client address) before any layer runs.
struct Target {
    let tenant: String
    /// The toolset of a per-toolset endpoint.
    let toolset: String?
    /// The tool a tools/call names, if this request is one.
    let tool: String?
    let client: String
    /// The MCP endpoint URLs an OAuth access token may be bound to for this request (none on
    /// stdio). A function, so requests with personal access tokens never build these strings.
    var resources: @Sendable () -> [String] = { [] }
}

/// Who is calling and through which endpoint, once the access layers admitted the request.
struct Caller {
    let tenant: TenantRecord
    let principal: Principal
    /// nil on the combined endpoint `/{tenant}/mcp`; the toolset of `/{tenant}/mcp/{toolset}` otherwise.
    let endpointToolset: RegisteredToolset?
    let clientAddress: String
    let plans: PlanCatalog
    /// The request's time, so every layer judges expiry, trials and bursts at the same instant.
    let now: Int64
    /// The tool a single tools/call names, once the access layers resolved and admitted it, so the
    /// dispatcher does not resolve it again.
    var admittedTool: (name: String, tool: RegisteredTool)? = nil

    var token: TokenRecord { principal.token }
}
