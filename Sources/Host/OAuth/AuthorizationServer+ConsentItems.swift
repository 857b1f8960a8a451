/// One line of the consent page per requested grant. A toolset's declared scope (header
/// section 9) is shown with its own title, description and tools, so the person deciding sees
/// what "drafts" means; a whole toolset lists the scopes it declares, so they can tell the
/// client asked for everything rather than one of them.
extension AuthorizationServer {
    func consentItem(_ scope: String) -> String {
        let e = HTMLPage.escape
        let parsed = ScopeGrant(scope)
        let toolset = registry.toolsetsByName[parsed.toolset]
        // `helpdesk.conversations:read` is the scope of that name if declared, else the
        // read-only form of `helpdesk.conversations`.
        let resolved = toolset.flatMap(parsed.declared(in:))
        let grant = resolved?.reading ?? parsed
        let access = grant.readOnly ? "read only" : "read and change"
        let checkbox = #"<input type="checkbox" name="scope" value="\#(e(scope))" checked>"#
        if let name = grant.scope {
            let declared = resolved?.scope
            let tools = declared.map { "<br><span class=\"muted\">Tools: \(e($0.tools.joined(separator: ", ")))</span>" } ?? ""
            return """
            <li><label>\(checkbox) <strong>\(e(declared?.title ?? name))</strong> <span class="muted">(\(e(grant.target)), \(access))</span></label>\
            \(declared.map { "<br>" + e($0.description) } ?? "")\(tools)</li>
            """
        }
        let declaredScopes = (toolset?.scopes ?? []).map { "\(e($0.title)) (\(e($0.grant))): \(e($0.description))" }
        let includes = declaredScopes.isEmpty ? "" : "<br><span class=\"muted\">All of its scopes: \(declaredScopes.joined(separator: "; "))</span>"
        return """
        <li><label>\(checkbox) <strong>\(e(toolset?.title ?? grant.toolset))</strong> <span class="muted">(\(e(grant.toolset)), \(access))</span></label>\(includes)</li>
        """
    }
}
