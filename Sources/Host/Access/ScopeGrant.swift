/// One grant string as tokens store it and OAuth clients request it: a whole toolset
/// (`helpdesk`), or one of its declared scopes (`helpdesk.drafts`, `helpdesk.drafts:write`;
/// header section 9), either optionally read-only (`helpdesk:read`, `helpdesk.drafts:read`).
/// Toolset names never contain `.` or `:`. A declared scope's name may carry one qualifier
/// (`conversations:read`), so a dotted grant ending in `:read` has two readings: the scope
/// named exactly so, or the read-only form of the scope without the suffix. A toolset may not
/// declare both (ScopeDefinitions refuses it at load), so at most one reading names a scope
/// that exists; `readings` hands out both and the registry decides.
struct ScopeGrant: Equatable, Sendable {
    let toolset: String
    /// The declared scope's name; nil for the whole toolset.
    let scope: String?
    let readOnly: Bool

    static let readSuffix = ":read"

    init(toolset: String, scope: String?, readOnly: Bool) {
        self.toolset = toolset
        self.scope = scope
        self.readOnly = readOnly
    }

    /// Splits a grant string, taking a trailing `:read` as the read-only form; never fails
    /// (whether the names exist is the caller's question). See `literal` for the other reading.
    init(_ text: String) {
        readOnly = text.hasSuffix(ScopeGrant.readSuffix)
        let body = readOnly ? String(text.dropLast(ScopeGrant.readSuffix.count)) : text
        if let dot = body.firstIndex(of: ".") {
            toolset = String(body[..<dot])
            scope = String(body[body.index(after: dot)...])
        } else {
            toolset = body
            scope = nil
        }
    }

    /// The reading of a dotted `…:read` grant as the declared scope named with that qualifier
    /// (`helpdesk.conversations:read` → scope `conversations:read`, with writes); nil for every
    /// other grant, which has only one reading.
    var literal: ScopeGrant? {
        guard readOnly, let scope else { return nil }
        return ScopeGrant(toolset: toolset, scope: scope + ScopeGrant.readSuffix, readOnly: false)
    }

    /// Every scope or toolset the grant string may mean, the literal reading (if any) first:
    /// a scope named exactly so wins, as `declared(in:)` resolves it.
    var readings: [ScopeGrant] { (literal.map { [$0] } ?? []) + [self] }

    /// The reading that names a scope `toolset` declares, or nil (a whole-toolset grant, or
    /// a scope it does not declare).
    func declared(in toolset: RegisteredToolset) -> (reading: ScopeGrant, scope: RegisteredScope)? {
        for reading in readings {
            if let name = reading.scope, let scope = toolset.scopesByName[name] { return (reading, scope) }
        }
        return nil
    }

    /// The same grant, read-only if `readOnly` (a read-only token's grants).
    func restricted(toReadOnly readOnly: Bool) -> ScopeGrant {
        ScopeGrant(toolset: toolset, scope: scope, readOnly: self.readOnly || readOnly)
    }

    /// `helpdesk` or `helpdesk.drafts`, without the read-only suffix: the key layer 2 looks up.
    var target: String { scope.map { toolset + "." + $0 } ?? toolset }

    var text: String { target + (readOnly ? ScopeGrant.readSuffix : "") }
}
