import JSON

/// Who is calling and through which endpoint, once layers 1 and 2 admitted the request.
struct Caller {
    let tenant: TenantRecord
    let principal: Principal
    /// nil on the combined endpoint `/{tenant}/mcp`; the toolset of `/{tenant}/mcp/{toolset}` otherwise.
    let endpointToolset: RegisteredToolset?
    let clientAddress: String
}

/// The tools a caller can see and call on its endpoint.
///
/// Name collisions on the combined endpoint: when two visible toolsets define the same tool
/// name, neither is listed under the bare name; each is listed as `{toolset}.{tool}` instead,
/// and a call by the bare name is refused with a message naming the qualified names. Names that
/// are unique stay bare, and `{toolset}.{tool}` is always accepted, so a client that wants
/// names immune to future plugin installs can use the qualified form.
struct ToolCatalog {
    let registry: PluginRegistry
    let caller: Caller

    /// Toolsets visible to this caller: granted by the token, enabled for the tenant, and the
    /// endpoint's own toolset on a per-toolset endpoint. Order is the registry's (deterministic).
    var visibleToolsets: [RegisteredToolset] {
        if let only = caller.endpointToolset { return isVisible(only) ? [only] : [] }
        return registry.toolsets.filter(isVisible)
    }

    private func isVisible(_ toolset: RegisteredToolset) -> Bool {
        caller.principal.token.grants(toolset.name) && caller.tenant.isEnabled(toolset.name)
    }

    /// Every callable tool with the name it is listed under, in a stable order.
    func listedTools() -> [(name: String, tool: RegisteredTool)] {
        let toolsets = visibleToolsets
        var owners: [String: Int] = [:]
        if caller.endpointToolset == nil {
            for toolset in toolsets { for tool in toolset.tools { owners[tool.name, default: 0] += 1 } }
        }
        var listed: [(name: String, tool: RegisteredTool)] = []
        for toolset in toolsets {
            for tool in toolset.tools {
                let collides = (owners[tool.name] ?? 0) > 1
                listed.append((collides ? toolset.name + "." + tool.name : tool.name, tool))
            }
        }
        return listed
    }

    /// Finds the tool a tools/call names, or explains precisely why it cannot be called.
    func resolve(_ name: String) -> Result<RegisteredTool, RPCError> {
        if caller.endpointToolset == nil, let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")),
           let toolset = registry.toolsetsByName[String(name[..<dot])] {
            let bare = String(name[name.utf8.index(after: dot)...])
            if let tool = toolset.toolsByName[bare] {
                if let denial = denial(for: toolset) { return .failure(RPCError(denial)) }
                return .success(tool)
            }
        }
        let owners = visibleToolsets.compactMap { $0.toolsByName[name] }
        if owners.count == 1 { return .success(owners[0]) }
        if owners.count > 1 {
            let qualified = owners.map { "\"\($0.toolset.name).\(name)\"" }.joined(separator: " or ")
            return .failure(.invalidParams("Tool name \"\(name)\" is ambiguous on this endpoint: call \(qualified), or use the toolset's own endpoint"))
        }
        // Not callable: say why if the tool exists behind a grant or a tenant switch.
        let candidates = caller.endpointToolset.map { [$0] } ?? registry.toolsets
        for toolset in candidates where toolset.toolsByName[name] != nil {
            if let denial = denial(for: toolset) { return .failure(RPCError(denial)) }
        }
        return .failure(.invalidParams("Unknown tool: \(name)"))
    }

    /// Layer 2 for a single toolset: granted by the token, then enabled for the tenant.
    func denial(for toolset: RegisteredToolset) -> Denial? {
        if !caller.principal.token.grants(toolset.name) { return .toolsetNotGranted(toolset.name) }
        if !caller.tenant.isEnabled(toolset.name) { return .toolsetDisabled(toolset.name) }
        return nil
    }
}
