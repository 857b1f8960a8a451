import PluginABI

/// A named set of a toolset's tools that tokens and OAuth consent can grant as
/// `{toolset}.{name}` (header section 9, ABI 1.2): e.g. helpdesk's "drafts" lets a client
/// draft replies but not send them. Write the description for the person granting it. The
/// name may carry one qualifier (`conversations:read`, `drafts:write`); a toolset cannot
/// declare both `x` and `x:read`, since the grant `t.x:read` would mean either.
public struct ToolsetScope: Sendable {
    public let name: String
    public let title: String?
    public let description: String
    /// Names of tools of the same toolset.
    public let tools: [String]

    public init(name: String, title: String? = nil, description: String, tools: [String]) {
        self.name = name
        self.title = title
        self.description = description
        self.tools = tools
    }

    /// What the host would refuse at load, so `validationProblems()` reports it first.
    func problems(in toolset: Toolset) -> [String] {
        let label = "scope \"\(name)\" of toolset \"\(toolset.name)\""
        var problems: [String] = []
        if !ToolsetScope.isValidName(name) { problems.append("\(label): name must match \(ToolsetScope.nameRule)") }
        if toolset.scopes.contains(where: { $0.name == name + ToolsetScope.readSuffix }) {
            problems.append("\(label): toolset also declares \"\(name)\(ToolsetScope.readSuffix)\", so the grant \"\(toolset.name).\(name)\(ToolsetScope.readSuffix)\" would mean either")
        }
        if description.isEmpty { problems.append("\(label) has no description") }
        if tools.isEmpty { problems.append("\(label) names no tools") }
        let known = Set(toolset.tools.map(\.name))
        for tool in tools where !known.contains(tool) { problems.append("\(label) names unknown tool \"\(tool)\"") }
        if Set(tools).count != tools.count { problems.append("\(label) names a tool twice") }
        return problems
    }
}

extension ToolsetScope {
    static let nameRule = "[a-z0-9_-]{1,32}, optionally followed by one :[a-z0-9_-]{1,16}"
    static let readSuffix = ":read"

    /// `drafts` or `conversations:read`: a toolset-style name and at most one qualifier, as
    /// the host checks (header section 9).
    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2, isPart(parts[0], maxLength: 32) else { return false }
        return parts.count == 1 || isPart(parts[1], maxLength: 16)
    }

    private static func isPart(_ part: Substring, maxLength: Int) -> Bool {
        !part.isEmpty && part.utf8.count <= maxLength && part.utf8.allSatisfy {
            ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D
        }
    }
}

extension Registrar {
    /// The scopes as th_scope_def values, each with its NULL-terminated tool list. Like every
    /// registration string, never freed: they live as long as the process.
    static func scopeDefinitions(_ scopes: [ToolsetScope]) -> UnsafeMutablePointer<th_scope_def>? {
        guard !scopes.isEmpty else { return nil }
        let array = UnsafeMutablePointer<th_scope_def>.allocate(capacity: scopes.count)
        for (index, scope) in scopes.enumerated() {
            let names = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: scope.tools.count + 1)
            for (position, tool) in scope.tools.enumerated() { (names + position).initialize(to: permanentCString(tool)) }
            (names + scope.tools.count).initialize(to: nil)
            var def = th_scope_def()
            def.struct_size = UInt32(MemoryLayout<th_scope_def>.stride)
            def.name = permanentCString(scope.name)
            def.title = optionalCString(scope.title)
            def.description = permanentCString(scope.description)
            def.tools = UnsafePointer(names)
            (array + index).initialize(to: def)
        }
        return array
    }
}
