/// One grant string as tokens store it and OAuth clients request it: a whole toolset
/// (`helpdesk`), or one of its declared scopes (`helpdesk.drafts`, header section 9), either
/// optionally read-only (`helpdesk:read`, `helpdesk.drafts:read`). Toolset and scope names
/// never contain `.` or `:`, so the form is unambiguous.
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

    /// Splits a grant string; never fails (whether the names exist is the caller's question).
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

    /// `helpdesk` or `helpdesk.drafts`, without the read-only suffix: the key layer 2 looks up.
    var target: String { scope.map { toolset + "." + $0 } ?? toolset }

    var text: String { target + (readOnly ? ScopeGrant.readSuffix : "") }
}
