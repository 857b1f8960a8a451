import PluginABI

/// Reads and checks the scopes a toolset declares (header section 9, ABI 1.2). A scope is a
/// promise to the person granting it ("this app may only draft"), so a definition the host
/// cannot honour exactly (an unknown or repeated tool, a bad or repeated name, two scopes one
/// grant string could mean) refuses the plugin rather than granting something else.
enum ScopeDefinitions {
    /// The toolset's scopes, or the first problem. `definition` was read with readSized, so a
    /// 1.0/1.1 plugin's fields read as zero: no scopes.
    static func read(_ definition: th_toolset_def, toolset: RegisteredToolset) -> Result<[RegisteredScope], PluginLoader.Refusal> {
        guard definition.scope_count > 0 else { return .success([]) }
        let label = "toolset \"\(toolset.name)\""
        guard let base = definition.scopes else { return refuse("\(label) declares \(definition.scope_count) scopes but scopes is NULL") }
        let stride = Int(definition.scope_def_size)
        let minimum = MemoryLayout<th_scope_def>.offset(of: \th_scope_def.tools)! + MemoryLayout<UnsafeRawPointer>.size
        guard stride >= minimum else { return refuse("\(label) scope_def_size \(stride) is smaller than ABI 1.2's th_scope_def (\(minimum))") }
        var scopes: [RegisteredScope] = []
        for index in 0..<Int(definition.scope_count) {
            let pointer = UnsafeRawPointer(base).advanced(by: index * stride).assumingMemoryBound(to: th_scope_def.self)
            switch scope(readSized(pointer, zero: th_scope_def()), toolset: toolset, label: label) {
            case .success(let scope):
                if scopes.contains(where: { $0.name == scope.name }) { return refuse("\(label) declares scope \"\(scope.name)\" twice") }
                if let twin = scopes.first(where: { isReadTwin($0.name, scope.name) }) {
                    let grant = toolset.name + "." + (twin.name.count > scope.name.count ? twin.name : scope.name)
                    return refuse("\(label) declares both scope \"\(twin.name)\" and \"\(scope.name)\": the grant \"\(grant)\" would mean either")
                }
                scopes.append(scope)
            case .failure(let refusal): return .failure(refusal)
            }
        }
        return .success(scopes)
    }

    private static func scope(_ definition: th_scope_def, toolset: RegisteredToolset, label: String) -> Result<RegisteredScope, PluginLoader.Refusal> {
        let name = definition.name.map { String(cString: $0) } ?? ""
        guard isValidName(name) else { return refuse("\(label): scope name \"\(name)\" is not \(nameRule)") }
        let scopeLabel = "\(label) scope \"\(name)\""
        let description = definition.description.map { String(cString: $0) } ?? ""
        guard !description.isEmpty else { return refuse("\(scopeLabel) has no description") }
        var tools: [String] = []
        if var cursor = definition.tools {
            // Bounded so a missing NULL terminator is a refusal, not a walk through memory forever.
            while let entry = cursor.pointee, tools.count <= maxTools {
                let tool = String(cString: entry)
                guard toolset.toolsByName[tool] != nil else {
                    return refuse("\(scopeLabel) names tool \"\(tool)\", which the toolset does not have (it has: \(toolset.tools.map(\.name).joined(separator: ", ")))")
                }
                guard !tools.contains(tool) else { return refuse("\(scopeLabel) names tool \"\(tool)\" twice") }
                tools.append(tool)
                cursor += 1
            }
        }
        guard !tools.isEmpty else { return refuse("\(scopeLabel) names no tools (tools must be a NULL-terminated list of at least one)") }
        let title = definition.title.map { String(cString: $0) } ?? name
        return .success(RegisteredScope(name: name, title: title, description: description, tools: tools, grant: toolset.name + "." + name))
    }

    static let nameRule = "[a-z0-9_-]{1,32}, optionally followed by one :[a-z0-9_-]{1,16}"

    /// `drafts` or `conversations:read`: a toolset-style name and at most one qualifier.
    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2, PluginLoader.isValidName(String(parts[0])) else { return false }
        guard parts.count == 2 else { return true }
        let qualifier = parts[1]
        return qualifier.utf8.count <= 16 && PluginLoader.isValidName(String(qualifier))
    }

    /// `x` and `x:read`, in either order: the grant `t.x:read` would name the second and the
    /// read-only form of the first.
    private static func isReadTwin(_ a: String, _ b: String) -> Bool {
        a + ScopeGrant.readSuffix == b || b + ScopeGrant.readSuffix == a
    }

    /// More entries than any toolset could have distinct tools for means the list is not terminated.
    private static let maxTools = 4096

    private static func refuse<T>(_ reason: String) -> Result<T, PluginLoader.Refusal> { .failure(.init(reason: reason)) }
}
