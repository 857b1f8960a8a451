import JSON

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

/// The tools a caller can see and call on its endpoint, the names they are listed under, and why
/// any other tool is refused. Whether a toolset or tool is allowed is the access layers' decision
/// (`Caller.denial(for:)`, Access/); this type only lists and names.
///
/// `tools/list` shows exactly what the token may call: toolsets granted, enabled for the tenant
/// and within its plan; within those, only the tools of the toolset's declared scopes a token was
/// granted (unless it holds the whole toolset), write tools only for write scopes, and only the
/// named tools for a token limited with `--tools`.
///
/// Name collisions on the combined endpoint: when two callable tools share a name, neither is
/// listed under the bare name; each is listed as `{toolset}.{tool}`, and a call by the bare name
/// is refused with a message naming the qualified names. `{toolset}.{tool}` is always accepted,
/// so a client that wants names immune to future plugin installs can use the qualified form.
///
/// Dotted tool names (MCP allows them): a name whose part before the first dot is a toolset's name
/// always means that toolset on the combined endpoint. So toolset `zz`'s tool `notes.get_note` is
/// never listed bare (it would read as the notes toolset's `get_note`); it is listed, and called, as
/// `zz.notes.get_note`. Listing and resolving follow one rule, so no name ever runs a different
/// tool than the one listed under it.
struct ToolCatalog {
    let registry: PluginRegistry
    let caller: Caller

    /// Toolsets whose toolset-level checks (layers 2 and 3) pass, in registry order.
    var visibleToolsets: [RegisteredToolset] {
        if let only = caller.endpointToolset { return caller.denial(for: only) == nil ? [only] : [] }
        return registry.toolsets.filter { caller.denial(for: $0) == nil }
    }

    /// Every callable tool with the name it is listed under, in a stable order.
    func listedTools() -> [(name: String, tool: RegisteredTool)] {
        let callable = visibleToolsets.flatMap { toolset in toolset.tools.filter { caller.denial(for: $0) == nil } }
        var owners: [String: Int] = [:]
        if caller.endpointToolset == nil { for tool in callable { owners[tool.name, default: 0] += 1 } }
        return callable.map { tool in
            let qualify = caller.endpointToolset == nil && ((owners[tool.name] ?? 0) > 1 || readsAsQualified(tool.name))
            return (qualify ? tool.toolset.name + "." + tool.name : tool.name, tool)
        }
    }

    /// The toolset a dotted name addresses on the combined endpoint: the part before the first
    /// dot, when a toolset has that name (whether or not this caller may see it, so what a name
    /// means never depends on the token).
    private func addressedToolset(_ name: String) -> (toolset: RegisteredToolset, tool: String)? {
        guard let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")),
              let toolset = registry.toolsetsByName[String(name[..<dot])] else { return nil }
        return (toolset, String(name[name.utf8.index(after: dot)...]))
    }

    private func readsAsQualified(_ name: String) -> Bool { addressedToolset(name) != nil }

    /// Finds the tool a tools/call names, or explains precisely why it cannot be called.
    func resolve(_ name: String) -> Result<RegisteredTool, ToolResolutionFailure> {
        if let admitted = caller.admittedTool, admitted.name == name { return .success(admitted.tool) }
        if caller.endpointToolset == nil, let (toolset, toolName) = addressedToolset(name) {
            // Never falls through to a bare tool of that name: it is listed qualified (see above).
            guard let tool = toolset.toolsByName[toolName] else { return .failure(.invalid(.invalidParams("Unknown tool: \(name)"))) }
            if let denial = caller.denial(for: toolset) ?? caller.denial(for: tool) { return .failure(.denied(denial)) }
            return .success(tool)
        }
        let candidates = caller.endpointToolset.map { [$0] } ?? registry.toolsets
        let named = candidates.compactMap { $0.toolsByName[name] }
        let callable = named.filter { caller.denial(for: $0.toolset) == nil && caller.denial(for: $0) == nil }
        if callable.count == 1 { return .success(callable[0]) }
        if callable.count > 1 {
            let qualified = callable.map { "\"\($0.toolset.name).\(name)\"" }.joined(separator: " or ")
            return .failure(.invalid(.invalidParams("Tool name \"\(name)\" is ambiguous on this endpoint: call \(qualified), or use the toolset's own endpoint")))
        }
        // Not callable: say why if the tool exists behind a grant, a tenant switch or a plan.
        if let tool = named.first, let denial = caller.denial(for: tool.toolset) ?? caller.denial(for: tool) {
            return .failure(.denied(denial))
        }
        return .failure(.invalid(.invalidParams("Unknown tool: \(name)")))
    }
}
