import Foundation
import JSON
import PluginABI
#if canImport(Glibc)
import Glibc
#endif

// The C boundary. Only C types cross it; no Swift error ever unwinds through it.

extension PluginDefinition {
    /// The value to return from the exported entry symbol:
    ///
    ///     @_cdecl("toolhost_plugin_entry") public func toolhostPluginEntry() -> UnsafeRawPointer { plugin.export() }
    ///
    /// Cheap and idempotent: the static th_plugin_info is built on the first call and returned
    /// ever after (plugins are never unloaded, so its strings are never freed). Toolsets and
    /// schemas are prepared later, inside the host's init() call.
    public func export() -> UnsafeRawPointer { ExportedPlugin.export(self) }
}

/// Host services copied out of the th_host_api table given to init().
final class HostServices: @unchecked Sendable {
    let api: th_host_api
    let configuration: JSONObject

    /// Set once by init() on the host's main thread before any call; read-only afterwards.
    nonisolated(unsafe) static var shared: HostServices?

    init(copying pointer: UnsafePointer<th_host_api>) {
        // Use only what the host declared (struct_size); the rest stays zero = "not provided".
        var api = th_host_api()
        let count = min(Int(pointer.pointee.struct_size), MemoryLayout<th_host_api>.size)
        withUnsafeMutableBytes(of: &api) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: count))
        }
        self.api = api
        var configuration = JSONObject()
        if let configJSON = api.config_json, let text = configJSON(api.host),
           case .object(let object)? = try? JSONParser.parse(String(cString: text)) {
            configuration = object
        }
        self.configuration = configuration
    }

    static func log(_ message: String, level: LogLevel) {
        guard let host = shared, let log = host.api.log else { return }
        log(host.api.host, level.c, message)
    }

    static func nowMilliseconds() -> Int64 {
        if let host = shared, let now = host.api.now_ms { return now(host.api.host) }
        return Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// Never freed: registration strings and C structs live as long as the process.
func permanentCString(_ string: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(string)!)
}

func optionalCString(_ string: String?) -> UnsafePointer<CChar>? {
    string.map { permanentCString($0) }
}

/// One registered toolset: what the host hands back as toolset_data.
final class RegisteredToolset: @unchecked Sendable {
    let name: String
    let tools: [String: Tool]
    init(_ toolset: Toolset) {
        name = toolset.name
        var tools: [String: Tool] = [:]
        for tool in toolset.tools { tools[tool.name] = tool }
        self.tools = tools
    }
}

enum ExportedPlugin {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var info: UnsafeMutablePointer<th_plugin_info>?
    nonisolated(unsafe) static var definition: PluginDefinition?

    static func export(_ definition: PluginDefinition) -> UnsafeRawPointer {
        lock.lock()
        defer { lock.unlock() }
        if let info { return UnsafeRawPointer(info) }
        let pointer = UnsafeMutablePointer<th_plugin_info>.allocate(capacity: 1)
        var value = th_plugin_info()
        value.struct_size = UInt32(MemoryLayout<th_plugin_info>.stride)
        value.abi_major = UInt16(TOOLHOST_ABI_MAJOR)
        value.abi_minor = UInt16(TOOLHOST_ABI_MINOR)
        value.pointer_size = UInt16(MemoryLayout<UnsafeRawPointer>.size)
        value.reserved = 0
        value.name = permanentCString(definition.name)
        value.version = permanentCString(definition.version)
        value.description = permanentCString(definition.description)
        value.`init` = initThunk
        pointer.initialize(to: value)
        self.definition = definition
        info = pointer
        return UnsafeRawPointer(pointer)
    }

    static func initialize(_ hostPointer: UnsafePointer<th_host_api>?, _ registrarPointer: UnsafePointer<th_registrar>?) -> th_status {
        guard let registrarPointer else { return TH_INVALID_ARGUMENT }
        let registrar = registrarPointer.pointee
        func fail(_ status: th_status, _ message: String) -> th_status {
            if hasField(registrarPointer, \th_registrar.set_error), let setError = registrar.set_error {
                setError(registrar.host, message)
            }
            return status
        }
        guard let definition = lock.withLock({ self.definition }) else {
            return fail(TH_ERROR, "toolhost_plugin_entry was not called before init")
        }
        guard let hostPointer else { return fail(TH_INVALID_ARGUMENT, "init was given no host API table") }
        HostServices.shared = HostServices(copying: hostPointer)

        let problems = definition.validationProblems()
        guard problems.isEmpty else { return fail(TH_INVALID_ARGUMENT, problems.joined(separator: "; ")) }

        guard hasField(registrarPointer, \th_registrar.add_migration), let addMigration = registrar.add_migration,
              hasField(registrarPointer, \th_registrar.add_toolset), let addToolset = registrar.add_toolset
        else { return fail(TH_UNSUPPORTED, "the host's registrar lacks add_toolset/add_migration") }

        for (offset, sql) in definition.migrations.enumerated() {
            let status = addMigration(registrar.host, UInt32(offset + 1), sql)
            if status != TH_OK { return fail(status, "the host refused migration \(offset + 1) of plugin \(definition.name)") }
        }

        for toolset in definition.toolsets {
            let toolCount = toolset.tools.count
            let tools = UnsafeMutablePointer<th_tool_def>.allocate(capacity: max(toolCount, 1))
            for (index, tool) in toolset.tools.enumerated() {
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
                (tools + index).initialize(to: def)
            }
            var def = th_toolset_def()
            def.struct_size = UInt32(MemoryLayout<th_toolset_def>.stride)
            def.name = permanentCString(toolset.name)
            def.title = optionalCString(toolset.title)
            def.description = permanentCString(toolset.description)
            def.min_plan = optionalCString(toolset.minPlan)
            def.tools = UnsafePointer(tools)
            def.tool_count = UInt32(toolCount)
            def.tool_def_size = UInt32(MemoryLayout<th_tool_def>.stride)
            def.call = callThunk
            def.release_result = releaseThunk
            def.toolset_data = Unmanaged.passRetained(RegisteredToolset(toolset)).toOpaque()
            def.restriction_keys = optionalCString(toolset.restrictionKeys?.jsonString)
            let status = withUnsafePointer(to: &def) { addToolset(registrar.host, $0) }
            if status != TH_OK { return fail(status, "the host refused toolset \"\(toolset.name)\" of plugin \(definition.name)") }
        }
        if let (status, message) = registerOperatorCommands(definition, registrarPointer) { return fail(status, message) }
        return TH_OK
    }
}

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

/// TOOLHOST_HAS_FIELD for a struct whose writer declared its size in its first field.
func hasField<S, T>(_ pointer: UnsafePointer<S>, _ field: KeyPath<S, T>) -> Bool {
    guard let offset = MemoryLayout<S>.offset(of: field) else { return false }
    let size = UnsafeRawPointer(pointer).load(as: UInt32.self)
    return Int(size) >= offset + MemoryLayout<T>.size
}

/// Reads a field only if it lies within the writer's struct_size (nil otherwise).
func loadField<S, T>(_ pointer: UnsafePointer<S>, _ field: KeyPath<S, T>) -> T? {
    guard hasField(pointer, field), let offset = MemoryLayout<S>.offset(of: field) else { return nil }
    return UnsafeRawPointer(pointer).load(fromByteOffset: offset, as: T.self)
}

let initThunk: th_init_fn = { host, registrar in ExportedPlugin.initialize(host, registrar) }

let callThunk: th_call_fn = { data, context, tool, args, length, result in
    CallDispatcher.dispatch(data, context, tool, args, length, result)
}

let releaseThunk: th_release_fn = { _, result in
    guard let result else { return }
    if let json = result.pointee.json { free(UnsafeMutableRawPointer(mutating: json)) }
    // A failing call's message is strdup'd and parked in release_data (see CallDispatcher.fail).
    if let owned = result.pointee.release_data { free(owned) }
    result.pointee.json = nil
    result.pointee.json_len = 0
    result.pointee.release_data = nil
    result.pointee.message = nil
}

/// Reports a failed call or command: the message is result-owned (strdup'd into release_data),
/// so the host copies it and then calls release_result, which frees it (header, section 3).
func failCall(_ result: UnsafeMutablePointer<th_call_result>, _ status: th_status, _ message: String) -> th_status {
    if hasField(UnsafePointer(result), \th_call_result.message), let copy = strdup(message) {
        result.pointee.message = UnsafePointer(copy)
        result.pointee.release_data = UnsafeMutableRawPointer(copy)
    }
    return status
}

enum CallDispatcher {
    static func dispatch(
        _ data: UnsafeMutableRawPointer?, _ contextPointer: UnsafePointer<th_call_context>?,
        _ toolPointer: UnsafePointer<CChar>?, _ args: UnsafePointer<CChar>?, _ length: Int,
        _ result: UnsafeMutablePointer<th_call_result>?
    ) -> th_status {
        guard let result else { return TH_INVALID_ARGUMENT }
        func fail(_ status: th_status, _ message: String) -> th_status { failCall(result, status, message) }
        guard let data else { return fail(TH_INVALID_ARGUMENT, "call() was given no toolset_data") }
        let toolset = Unmanaged<RegisteredToolset>.fromOpaque(data).takeUnretainedValue()
        guard let toolPointer else { return fail(TH_INVALID_ARGUMENT, "call() was given no tool name") }
        let toolName = String(cString: toolPointer)
        guard let tool = toolset.tools[toolName] else {
            return fail(TH_NOT_FOUND, "toolset \(toolset.name) has no tool named \(toolName)")
        }

        let arguments: JSONObject
        if let args, length > 0 {
            do {
                let parsed = try JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(args), count: length))
                guard case .object(let object) = parsed else {
                    return fail(TH_INVALID_ARGUMENT, "the arguments of \(toolName) must be a JSON object, got \(parsed.typeName)")
                }
                arguments = object
            } catch {
                return fail(TH_INVALID_ARGUMENT, "the arguments of \(toolName) are not valid JSON: \(error)")
            }
        } else {
            arguments = JSONObject()
        }

        let context = readContext(contextPointer, toolset: toolset.name)
        var db: OpaquePointer?
        if let contextPointer, let raw = loadField(contextPointer, \th_call_context.db), let raw {
            db = OpaquePointer(raw)
        }
        let call = ToolCall(tool: toolName, arguments: Arguments(arguments), context: context,
                            rawContext: contextPointer, db: db)
        let outcome: ToolResult
        do {
            outcome = try tool.handler(call)
        } catch let error as ToolError {
            outcome = .error(error.message)
        } catch {
            call.endLease()
            HostServices.log("tool \(toolName) failed: \(error)", level: .error)
            return fail(TH_ERROR, "tool \(toolName) failed: \(error)")
        }
        call.endLease()

        let bytes = encode(outcome)
        guard let memory = malloc(max(bytes.count, 1)) else { return fail(TH_ERROR, "out of memory") }
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        result.pointee.json = UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
        result.pointee.json_len = bytes.count
        result.pointee.release_data = nil
        return TH_OK
    }

    static func readContext(_ pointer: UnsafePointer<th_call_context>?, toolset: String) -> CallContext {
        func string(_ field: KeyPath<th_call_context, UnsafePointer<CChar>?>) -> String? {
            guard let pointer, let value = loadField(pointer, field), let value else { return nil }
            return String(cString: value)
        }
        var scopes: [String] = []
        if let text = string(\.scopes_json), case .array(let values)? = try? JSONParser.parse(text) {
            scopes = values.compactMap(\.stringValue)
        }
        var restrictions = JSONObject()
        if let text = string(\.restrictions_json), case .object(let object)? = try? JSONParser.parse(text) {
            restrictions = object
        }
        return CallContext(
            tenant: string(\.tenant) ?? "",
            toolset: string(\.toolset) ?? toolset,
            tokenID: string(\.token_id) ?? "",
            tokenName: string(\.token_name) ?? "",
            scopes: scopes,
            restrictions: restrictions,
            requestID: string(\.request_id) ?? ""
        )
    }

    /// The MCP CallToolResult for an outcome.
    static func encode(_ outcome: ToolResult) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.writeRaw("{\"content\":[{\"type\":\"text\",\"text\":")
        switch outcome {
        case .structured(let json, let text):
            writer.writeString(text ?? json.jsonString)
            writer.writeRaw("}],\"structuredContent\":")
            writer.write(json)
            writer.writeRaw(",\"isError\":false}")
        case .text(let text):
            writer.writeString(text)
            writer.writeRaw("}],\"isError\":false}")
        case .error(let message):
            writer.writeString(message)
            writer.writeRaw("}],\"isError\":true}")
        }
        return writer.bytes
    }
}
