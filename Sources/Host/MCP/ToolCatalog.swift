import JSON

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
}

/// Why a tools/call name does not lead to a callable tool.
enum ToolResolutionFailure: Error {
    /// The tool exists but a layer refuses it (scope or plan).
    case denied(Denial)
    /// Unknown or ambiguous: a JSON-RPC invalid-params error.
    case invalid(RPCError)

    var rpcError: RPCError {
        switch self {
        case .denied(let denial): return RPCError(denial)
        case .invalid(let error): return error
        }
    }
}

/// The tools a caller can see and call on its endpoint, and why any other tool is refused.
///
/// `tools/list` shows exactly what the token may call: toolsets granted, enabled for the tenant
/// and within its plan; within those, write tools only for write scopes, and only the named tools
/// for a token limited with `--tools`.
///
/// Name collisions on the combined endpoint: when two callable tools share a name, neither is
/// listed under the bare name; each is listed as `{toolset}.{tool}`, and a call by the bare name
/// is refused with a message naming the qualified names. `{toolset}.{tool}` is always accepted,
/// so a client that wants names immune to future plugin installs can use the qualified form.
struct ToolCatalog {
    let registry: PluginRegistry
    let caller: Caller

    private var token: TokenRecord { caller.principal.token }

    /// Toolsets whose toolset-level checks (layers 2 and 3) pass, in registry order.
    var visibleToolsets: [RegisteredToolset] {
        if let only = caller.endpointToolset { return denial(for: only) == nil ? [only] : [] }
        return registry.toolsets.filter { denial(for: $0) == nil }
    }

    /// Every callable tool with the name it is listed under, in a stable order.
    func listedTools() -> [(name: String, tool: RegisteredTool)] {
        let callable = visibleToolsets.flatMap { toolset in toolset.tools.filter { toolDenial($0) == nil } }
        var owners: [String: Int] = [:]
        if caller.endpointToolset == nil { for tool in callable { owners[tool.name, default: 0] += 1 } }
        return callable.map { tool in
            ((owners[tool.name] ?? 0) > 1 ? tool.toolset.name + "." + tool.name : tool.name, tool)
        }
    }

    /// Finds the tool a tools/call names, or explains precisely why it cannot be called.
    func resolve(_ name: String) -> Result<RegisteredTool, ToolResolutionFailure> {
        if let admitted = caller.admittedTool, admitted.name == name { return .success(admitted.tool) }
        if caller.endpointToolset == nil, let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")),
           let toolset = registry.toolsetsByName[String(name[..<dot])],
           let tool = toolset.toolsByName[String(name[name.utf8.index(after: dot)...])] {
            if let denial = denial(for: toolset) ?? toolDenial(tool) { return .failure(.denied(denial)) }
            return .success(tool)
        }
        let candidates = caller.endpointToolset.map { [$0] } ?? registry.toolsets
        let named = candidates.compactMap { $0.toolsByName[name] }
        let callable = named.filter { denial(for: $0.toolset) == nil && toolDenial($0) == nil }
        if callable.count == 1 { return .success(callable[0]) }
        if callable.count > 1 {
            let qualified = callable.map { "\"\($0.toolset.name).\(name)\"" }.joined(separator: " or ")
            return .failure(.invalid(.invalidParams("Tool name \"\(name)\" is ambiguous on this endpoint: call \(qualified), or use the toolset's own endpoint")))
        }
        // Not callable: say why if the tool exists behind a grant, a tenant switch or a plan.
        if let tool = named.first, let denial = denial(for: tool.toolset) ?? toolDenial(tool) {
            return .failure(.denied(denial))
        }
        return .failure(.invalid(.invalidParams("Unknown tool: \(name)")))
    }

    /// Toolset-level layers, in order: 2 (granted, enabled for the tenant), then 3 (plan).
    func denial(for toolset: RegisteredToolset) -> Denial? {
        if !token.grants(toolset.name) { return .toolsetNotGranted(toolset.name) }
        if !caller.tenant.isEnabled(toolset.name) { return .toolsetDisabled(toolset.name) }
        #if TOOLHOST_BENCH_WITHOUT_LAYERS
        return nil
        #else
        return PlanLayer.check(toolset, tool: nil, tenant: caller.tenant, plans: caller.plans, now: caller.now)
        #endif
    }

    /// Tool-level layers inside an admitted toolset: 2 (write scope, named tools), then 3 (tool plan).
    func toolDenial(_ tool: RegisteredTool) -> Denial? {
        let toolset = tool.toolset
        if !tool.isReadOnly && !token.canWrite(toolset.name) { return .readOnly(toolset: toolset.name, tool: tool.name) }
        if !token.allowsTool(tool.name, in: toolset.name) { return .toolNotGranted(tool.name) }
        guard tool.minPlan != nil else { return nil }
        return PlanLayer.check(toolset, tool: tool, tenant: caller.tenant, plans: caller.plans, now: caller.now)
    }
}
