import JSON

/// Layer 2 — scope: does the token grant this tenant's toolset, and this tool within it?
///
/// Grants are toolset scopes: `scheduling` (every tool) or `kanban:read` (only tools that declare
/// readOnlyHint), and a toolset's declared scopes, `helpdesk.drafts` or `helpdesk.drafts:write`
/// (only that scope's tools; header section 9), also with `:read`. Grants add up. A read-only token makes every grant
/// read-only; a token limited with `--tools` may call only the named tools (`tool` or
/// `toolset.tool`). A toolset the tenant switched off is refused here too: the switch is part of
/// what the workspace grants.
enum ScopeLayer {
    /// Toolset level: granted by the token, and enabled for the tenant.
    static func check(_ toolset: RegisteredToolset, caller: Caller) -> Denial? {
        if !caller.token.grants.covers(toolset.name) { return .toolsetNotGranted(toolset.name) }
        if !caller.tenant.isEnabled(toolset.name) { return .toolsetDisabled(toolset.name) }
        return nil
    }

    /// Tool level, inside an admitted toolset: a grant reaching the tool, write access for tools
    /// that write, and the named tools.
    static func check(_ tool: RegisteredTool, caller: Caller) -> Denial? {
        let grants = caller.token.grants
        let toolset = tool.toolset.name
        switch grants.access(to: tool) {
        case .write:
            break
        case .read where tool.isReadOnly:
            break
        case .read where !grants.hasDeclaredScopes(in: toolset) || grants.readOnly:
            // Only whole-toolset grants here (or a read-only token, which no scope would widen):
            // the long-standing read-only refusal.
            return .readOnly(toolset: toolset, tool: tool.name)
        case .read, .none:
            return .scopeMissing(tool: tool, has: grants.granted(in: toolset))
        }
        if !grants.allowsTool(tool.name, in: toolset) { return .toolNotGranted(tool.name) }
        return nil
    }
}

/// A token's scopes in the shape layer 2 asks about, computed once when the token row is read
/// (rows are cached), so a request costs set lookups only: no allocation, and for a tool only
/// the few declared scopes that include it (RegisteredTool.grantingScopes) are looked up.
struct TokenGrants: Sendable {
    enum Access { case none, read, write }

    /// Toolsets any grant admits (whole or through a declared scope).
    private let admitted: Set<String>
    /// Targets (`helpdesk` or `helpdesk.drafts`) granted at least read-only, and with writes.
    private let readable: Set<String>
    private let writable: Set<String>
    /// Toolsets with at least one declared-scope grant, and the token's grants per toolset as
    /// shown in denials (already in their effective, read-only-aware form).
    private let grantsByToolset: [String: [String]]
    private let scopedToolsets: Set<String>
    private let allowedTools: Set<String>?
    let readOnly: Bool
    /// The scopes as the toolset sees them (`x:read` for every scope of a read-only token),
    /// serialized once: handed to plugins on every call.
    let effectiveScopesJSON: String

    init(scopes: [String], readOnly: Bool, tools: [String]?) {
        let grants = scopes.map { ScopeGrant($0) }
        let effective = grants.map { $0.restricted(toReadOnly: readOnly) }
        var readable = Set<String>(), writable = Set<String>(), scoped = Set<String>()
        var byToolset: [String: [String]] = [:]
        // Both readings of `t.x:read` (scope `x` read-only, scope `x:read` itself): no toolset
        // declares both (refused at load), so this grants exactly the one that exists, without
        // asking the registry here or per request.
        for reading in grants.flatMap(\.readings).map({ $0.restricted(toReadOnly: readOnly) }) {
            readable.insert(reading.target)
            if !reading.readOnly { writable.insert(reading.target) }
        }
        for grant in effective {
            if grant.scope != nil { scoped.insert(grant.toolset) }
            byToolset[grant.toolset, default: []].append(grant.text)
        }
        admitted = Set(effective.map(\.toolset))
        self.readable = readable
        self.writable = writable
        scopedToolsets = scoped
        grantsByToolset = byToolset
        self.readOnly = readOnly
        allowedTools = tools.map(Set.init)
        effectiveScopesJSON = JSONValue.array(effective.map { .string($0.text) }).jsonString
    }

    /// The toolset a grant string names, read-only or not, whole or through a declared scope.
    static func toolset(of scope: String) -> String { ScopeGrant(scope).toolset }

    func covers(_ toolset: String) -> Bool { admitted.contains(toolset) }

    /// The widest access any grant gives to `tool`: its whole toolset, or a declared scope
    /// that includes it.
    func access(to tool: RegisteredTool) -> Access {
        let toolset = tool.toolset.name
        if writable.contains(toolset) { return .write }
        var access: Access = readable.contains(toolset) ? .read : .none
        guard scopedToolsets.contains(toolset) else { return access }
        for scope in tool.grantingScopes {
            if writable.contains(scope) { return .write }
            if readable.contains(scope) { access = .read }
        }
        return access
    }

    func hasDeclaredScopes(in toolset: String) -> Bool { scopedToolsets.contains(toolset) }

    /// The token's grants touching `toolset`, for denial texts.
    func granted(in toolset: String) -> [String] { grantsByToolset[toolset] ?? [] }

    func allowsTool(_ tool: String, in toolset: String) -> Bool {
        guard let allowedTools else { return true }
        return allowedTools.contains(tool) || allowedTools.contains(toolset + "." + tool)
    }
}
