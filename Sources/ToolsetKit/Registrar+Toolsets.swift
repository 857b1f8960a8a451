import PluginABI

/// One exported toolset: what the host hands back to call() as toolset_data.
final class ExportedToolset: Sendable {
    let name: String
    let tools: [String: Tool]

    init(_ toolset: Toolset) {
        name = toolset.name
        var tools: [String: Tool] = [:]
        for tool in toolset.tools { tools[tool.name] = tool }
        self.tools = tools
    }
}

extension Registrar {
    func addToolsets(of definition: PluginDefinition, with addToolset: AddToolset) throws(RegistrationRefusal) {
        for toolset in definition.toolsets {
            var def = Registrar.toolsetDefinition(toolset)
            let status = withUnsafePointer(to: &def) { addToolset(host, $0) }
            if status != TH_OK {
                throw RegistrationRefusal(status, "the host refused toolset \"\(toolset.name)\" of plugin \(definition.name)")
            }
        }
    }

    /// The strings, tool array and toolset_data are never freed: they live as long as the process.
    private static func toolsetDefinition(_ toolset: Toolset) -> th_toolset_def {
        var def = th_toolset_def()
        def.struct_size = UInt32(MemoryLayout<th_toolset_def>.stride)
        def.name = permanentCString(toolset.name)
        def.title = optionalCString(toolset.title)
        def.description = permanentCString(toolset.description)
        def.min_plan = optionalCString(toolset.minPlan)
        def.tools = UnsafePointer(toolDefinitions(toolset.tools))
        def.tool_count = UInt32(toolset.tools.count)
        def.tool_def_size = UInt32(MemoryLayout<th_tool_def>.stride)
        def.call = callThunk
        def.release_result = releaseResultThunk
        def.toolset_data = Unmanaged.passRetained(ExportedToolset(toolset)).toOpaque()
        def.restriction_keys = optionalCString(toolset.restrictionKeys?.jsonString)
        def.scopes = UnsafePointer(scopeDefinitions(toolset.scopes))
        def.scope_count = UInt32(toolset.scopes.count)
        def.scope_def_size = UInt32(MemoryLayout<th_scope_def>.stride)
        return def
    }

    private static func toolDefinitions(_ tools: [Tool]) -> UnsafeMutablePointer<th_tool_def> {
        let array = UnsafeMutablePointer<th_tool_def>.allocate(capacity: max(tools.count, 1))
        for (index, tool) in tools.enumerated() { (array + index).initialize(to: toolDefinition(tool)) }
        return array
    }

    private static func toolDefinition(_ tool: Tool) -> th_tool_def {
        var def = th_tool_def()
        def.struct_size = UInt32(MemoryLayout<th_tool_def>.stride)
        def.name = permanentCString(tool.name)
        def.title = optionalCString(tool.title)
        def.description = permanentCString(tool.description)
        def.input_schema = permanentCString(tool.input.json.jsonString)
        def.output_schema = optionalCString(tool.output?.json.jsonString)
        let (set, values) = annotationBits(tool.annotations)
        def.annotations_set = set
        def.annotations = values
        def.min_plan = optionalCString(tool.minPlan)
        return def
    }
}

/// th_tool_def's annotations_set (which hints are stated) and annotations (their values).
func annotationBits(_ annotations: [ToolAnnotation]) -> (set: UInt32, values: UInt32) {
    var set: UInt32 = 0
    var values: UInt32 = 0
    func state(_ bit: Int32, _ value: Bool) {
        set |= UInt32(bit)
        if value { values |= UInt32(bit) } else { values &= ~UInt32(bit) }
    }
    for annotation in annotations {
        switch annotation {
        case .readOnly: state(Int32(TH_HINT_READ_ONLY), true)
        case .notReadOnly: state(Int32(TH_HINT_READ_ONLY), false)
        case .destructive: state(Int32(TH_HINT_DESTRUCTIVE), true)
        case .notDestructive: state(Int32(TH_HINT_DESTRUCTIVE), false)
        case .idempotent: state(Int32(TH_HINT_IDEMPOTENT), true)
        case .notIdempotent: state(Int32(TH_HINT_IDEMPOTENT), false)
        case .openWorld: state(Int32(TH_HINT_OPEN_WORLD), true)
        case .closedWorld: state(Int32(TH_HINT_OPEN_WORLD), false)
        }
    }
    return (set, values)
}
