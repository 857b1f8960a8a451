import JSON
import JSONSchema
import PluginABI

/// Everything the loaded plugins registered, immutable after start-up (so it is read without
/// locks on every request). Schemas are parsed and compiled here, once.
// @unchecked: filled in while plugins load, on one thread, before any request; read-only after.
// It also holds what plugins handed over through the C ABI (function pointers, their data
// pointers), which Swift cannot check; the header's thread rule says they may be called from any thread.
final class PluginRegistry: @unchecked Sendable {
    private(set) var plugins: [LoadedPlugin] = []
    /// Toolsets in a stable order (plugin files sorted by name, toolsets in registration order).
    private(set) var toolsets: [RegisteredToolset] = []
    private(set) var toolsetsByName: [String: RegisteredToolset] = [:]
    private(set) var refused: [(file: String, reason: String)] = []
    /// Who holds each plugin name, toolset and command group after this load (NameAssignments).
    var assignments = NameAssignments()
    /// Names given to their only claimant in this load, to be remembered in host.db.
    var newAssignments: [NameAssignment] = []

    func add(_ plugin: LoadedPlugin) {
        plugins.append(plugin)
        for toolset in plugin.toolsets {
            toolsets.append(toolset)
            toolsetsByName[toolset.name] = toolset
        }
    }

    func refuse(file: String, reason: String) {
        refused.append((file, reason))
        Log.error("plugins", "refused \(file): \(reason)")
    }

    var toolsetNames: [String] { toolsets.map(\.name) }

    /// For audit records of a refused call: the toolset a (bare or qualified) tool name belongs to.
    func toolsetOwning(_ tool: String) -> String? {
        if let dot = tool.firstIndex(of: "."), toolsetsByName[String(tool[..<dot])] != nil { return String(tool[..<dot]) }
        return toolsets.first { $0.toolsByName[tool] != nil }?.name
    }
}

// @unchecked: as PluginRegistry (built while plugins load, read-only after; holds C pointers).
final class LoadedPlugin: @unchecked Sendable {
    let name: String
    let version: String
    let description: String
    let file: String
    let abiMinor: Int
    var migrations: [String] = []
    var toolsets: [RegisteredToolset] = []
    /// ABI 1.1 operator commands (see OperatorCommands.swift).
    var operatorCommands: [RegisteredOperatorCommand] = []
    /// ABI 1.2 job handlers, by kind.
    var jobHandlers: [String: RegisteredJobHandler] = [:]
    /// ABI 1.2 HTTP handlers under /{tenant}/x/{plugin}/ (header section 11).
    var httpHandlers: [RegisteredHTTPHandler] = []
    /// The function table handed to this plugin's init; kept alive for the process lifetime.
    var hostAPI: UnsafeMutablePointer<th_host_api>?

    init(name: String, version: String, description: String, file: String, abiMinor: Int) {
        self.name = name
        self.version = version
        self.description = description
        self.file = file
        self.abiMinor = abiMinor
    }
}

// @unchecked: as PluginRegistry (built while plugins load, read-only after; holds C pointers).
final class RegisteredToolset: @unchecked Sendable {
    let name: String
    let title: String
    let description: String
    let minPlan: String?
    let restrictionKeys: JSONObject
    let call: th_call_fn
    let release: th_release_fn
    let toolsetData: UnsafeMutableRawPointer?
    private(set) var tools: [RegisteredTool] = []
    private(set) var toolsByName: [String: RegisteredTool] = [:]
    /// ABI 1.2 toolset-defined scopes (header section 9), in declaration order.
    private(set) var scopes: [RegisteredScope] = []
    private(set) var scopesByName: [String: RegisteredScope] = [:]
    unowned(unsafe) var plugin: LoadedPlugin

    init(name: String, title: String, description: String, minPlan: String?, restrictionKeys: JSONObject,
         call: th_call_fn, release: th_release_fn, toolsetData: UnsafeMutableRawPointer?, plugin: LoadedPlugin) {
        self.name = name
        self.title = title
        self.description = description
        self.minPlan = minPlan
        self.restrictionKeys = restrictionKeys
        self.call = call
        self.release = release
        self.toolsetData = toolsetData
        self.plugin = plugin
    }

    func add(_ tool: RegisteredTool) {
        tools.append(tool)
        toolsByName[tool.name] = tool
    }

    /// Records a validated scope and tells each of its tools, so the per-request check reads
    /// the tool's own list instead of searching scopes.
    func add(_ scope: RegisteredScope) {
        scopes.append(scope)
        scopesByName[scope.name] = scope
        for tool in scope.tools { toolsByName[tool]?.grantingScopes.append(scope.grant) }
    }
}

/// A named set of a toolset's tools that tokens and OAuth consent can grant (header section 9).
struct RegisteredScope: Sendable {
    let name: String
    let title: String
    let description: String
    /// Tool names, in declaration order.
    let tools: [String]
    /// The grant string, `{toolset}.{scope}`.
    let grant: String
}

struct ToolAnnotations {
    var readOnly: Bool?
    var destructive: Bool?
    var idempotent: Bool?
    var openWorld: Bool?

    init(set: UInt32, values: UInt32) {
        func hint(_ bit: UInt32) -> Bool? { set & bit != 0 ? values & bit != 0 : nil }
        readOnly = hint(UInt32(TH_HINT_READ_ONLY))
        destructive = hint(UInt32(TH_HINT_DESTRUCTIVE))
        idempotent = hint(UInt32(TH_HINT_IDEMPOTENT))
        openWorld = hint(UInt32(TH_HINT_OPEN_WORLD))
    }

    var json: JSONValue? {
        var object = JSONObject()
        if let readOnly { object["readOnlyHint"] = .bool(readOnly) }
        if let destructive { object["destructiveHint"] = .bool(destructive) }
        if let idempotent { object["idempotentHint"] = .bool(idempotent) }
        if let openWorld { object["openWorldHint"] = .bool(openWorld) }
        return object.isEmpty ? nil : .object(object)
    }
}

// @unchecked: as PluginRegistry (built while plugins load, read-only after; holds C pointers).
final class RegisteredTool: @unchecked Sendable {
    let name: String
    let title: String?
    let description: String
    let inputSchema: JSONValue
    let outputSchema: JSONValue?
    let inputValidator: CompiledSchema
    let outputValidator: CompiledSchema?
    let annotations: ToolAnnotations
    let minPlan: String?
    /// NUL-terminated name handed to the plugin's call function without a per-call copy.
    let cName: ContiguousArray<CChar>
    /// The grants (`{toolset}.{scope}`) of the declared scopes that include this tool; set while
    /// the toolset registers, read-only after.
    fileprivate(set) var grantingScopes: [String] = []
    unowned(unsafe) var toolset: RegisteredToolset

    init(name: String, title: String?, description: String, inputSchema: JSONValue, outputSchema: JSONValue?,
         inputValidator: CompiledSchema, outputValidator: CompiledSchema?, annotations: ToolAnnotations,
         minPlan: String?, toolset: RegisteredToolset) {
        self.name = name
        self.title = title
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.inputValidator = inputValidator
        self.outputValidator = outputValidator
        self.annotations = annotations
        self.minPlan = minPlan
        self.cName = ContiguousArray(name.utf8CString)
        self.toolset = toolset
    }

    /// A tool is a write tool unless it declares readOnlyHint.
    var isReadOnly: Bool { annotations.readOnly == true }

    /// The MCP `Tool` object, listed under `listedName` (bare or toolset-qualified).
    func listing(as listedName: String) -> JSONValue {
        var object = JSONObject()
        object["name"] = .string(listedName)
        if let title { object["title"] = .string(title) }
        object["description"] = .string(description)
        object["inputSchema"] = inputSchema
        if let outputSchema { object["outputSchema"] = outputSchema }
        if let annotations = annotations.json { object["annotations"] = annotations }
        return .object(object)
    }
}
