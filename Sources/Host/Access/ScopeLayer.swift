import JSON

/// Layer 2 — scope: does the token grant this tenant's toolset, and this tool within it?
///
/// Grants are toolset scopes: `scheduling` (every tool) or `kanban:read` (only tools that declare
/// readOnlyHint); a read-only token makes every scope read-only; a token limited with `--tools`
/// may call only the named tools (`tool` or `toolset.tool`). A toolset the tenant switched off is
/// refused here too: the switch is part of what the workspace grants.
enum ScopeLayer {
    /// Toolset level: granted by the token, and enabled for the tenant.
    static func check(_ toolset: RegisteredToolset, caller: Caller) -> Denial? {
        if !caller.token.grants.covers(toolset.name) { return .toolsetNotGranted(toolset.name) }
        if !caller.tenant.isEnabled(toolset.name) { return .toolsetDisabled(toolset.name) }
        return nil
    }

    /// Tool level, inside an admitted toolset: a write scope for tools that write, and the named tools.
    static func check(_ tool: RegisteredTool, caller: Caller) -> Denial? {
        let grants = caller.token.grants
        let toolset = tool.toolset.name
        if !tool.isReadOnly && !grants.canWrite(toolset) { return .readOnly(toolset: toolset, tool: tool.name) }
        if !grants.allowsTool(tool.name, in: toolset) { return .toolNotGranted(tool.name) }
        return nil
    }
}

/// A token's scopes in the shape layer 2 asks about, computed once when the token row is read
/// (rows are cached), so a request costs set lookups only.
struct TokenGrants: Sendable {
    private let readable: Set<String>
    private let writable: Set<String>
    private let allowedTools: Set<String>?
    /// The scopes as the toolset sees them (`x:read` for every scope of a read-only token),
    /// serialized once: handed to plugins on every call.
    let effectiveScopesJSON: String

    init(scopes: [String], readOnly: Bool, tools: [String]?) {
        var readable = Set<String>()
        var writable = Set<String>()
        for scope in scopes {
            if let toolset = TokenGrants.readOnlyToolset(scope) {
                readable.insert(toolset)
            } else {
                readable.insert(scope)
                if !readOnly { writable.insert(scope) }
            }
        }
        self.readable = readable
        self.writable = writable
        allowedTools = tools.map(Set.init)
        let effective = scopes.map { scope in readOnly && TokenGrants.readOnlyToolset(scope) == nil ? scope + TokenGrants.readSuffix : scope }
        effectiveScopesJSON = JSONValue.array(effective.map { .string($0) }).jsonString
    }

    static let readSuffix = ":read"

    /// `kanban` for the scope `kanban:read`; nil for a full scope.
    static func readOnlyToolset(_ scope: String) -> String? {
        scope.hasSuffix(readSuffix) ? String(scope.dropLast(readSuffix.count)) : nil
    }

    /// The toolset a scope names, read-only or not.
    static func toolset(of scope: String) -> String { readOnlyToolset(scope) ?? scope }

    func covers(_ toolset: String) -> Bool { readable.contains(toolset) }
    func canWrite(_ toolset: String) -> Bool { writable.contains(toolset) }
    func allowsTool(_ tool: String, in toolset: String) -> Bool {
        guard let allowedTools else { return true }
        return allowedTools.contains(tool) || allowedTools.contains(toolset + "." + tool)
    }
}
