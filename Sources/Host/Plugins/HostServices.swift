import Foundation
import JSON
import Locking
import PluginABI

/// The services a plugin reaches through its th_host_api table: logging, the clock, audit
/// events and its configuration. (Its database arrives per call, in the call context.)
final class HostServices: Sendable {
    let events: EventSink?
    /// The job queue (ABI 1.2), opened at first use; nil where jobs cannot be enqueued (a preview).
    let jobs: @Sendable () -> JobStore?
    /// Signed links (ABI 1.2, section 11), opened at first use; nil where links cannot be signed (a preview).
    let links: @Sendable () -> LinkStore?
    /// What call_tool uses (header section 12); set by the serving daemon, whose job runner is the
    /// only place jobs run. nil elsewhere: call_tool then refuses.
    let callsOnBehalf = Locked<CallsOnBehalf?>(nil)
    /// Where the (tenant, plugin) files folders live; nil where none may be made (a preview).
    let dataDirectory: String?
    /// The origin links are built on (section 11: public_base_url).
    let publicBaseURL = PublicBaseURL()
    /// Per-plugin configuration: `<data>/plugins.json` → {"<plugin>": {…}}; "{}" when absent.
    private let configuration: JSONObject

    init(events: EventSink?, configurationFile: String?, jobs: @escaping @Sendable () -> JobStore? = { nil },
         links: @escaping @Sendable () -> LinkStore? = { nil }, dataDirectory: String? = nil) {
        self.events = events
        self.jobs = jobs
        self.links = links
        self.dataDirectory = dataDirectory
        var configuration = JSONObject()
        if let configurationFile, let data = FileManager.default.contents(atPath: configurationFile) {
            if let parsed = try? JSONParser.parse([UInt8](data)), let object = parsed.objectValue {
                configuration = object
            } else {
                Log.error("plugins", "ignoring \(configurationFile): not a JSON object")
            }
        }
        self.configuration = configuration
    }

    /// Builds the function table for one plugin. It lives as long as the process (plugins are
    /// never unloaded), so it is allocated once and never freed.
    func makeHostAPI(for plugin: LoadedPlugin) -> UnsafeMutablePointer<th_host_api> {
        let context = PluginHostContext(plugin: plugin, services: self,
                                        configJSON: (configuration[plugin.name] ?? .object(JSONObject())).jsonString)
        let api = UnsafeMutablePointer<th_host_api>.allocate(capacity: 1)
        api.initialize(to: th_host_api())
        api.pointee.struct_size = UInt32(MemoryLayout<th_host_api>.size)
        api.pointee.abi_major = UInt16(TOOLHOST_ABI_MAJOR)
        api.pointee.abi_minor = UInt16(TOOLHOST_ABI_MINOR)
        api.pointee.host = Unmanaged.passRetained(context).toOpaque()
        api.pointee.log = { host, level, message in
            let context = PluginHostContext.from(host)
            let text = message.map { String(cString: $0) } ?? ""
            let component = "plugin:\(context.plugin.name)"
            switch level {
            case TH_LOG_DEBUG: Log.debug(component, text)
            case TH_LOG_WARNING: Log.warning(component, text)
            case TH_LOG_ERROR: Log.error(component, text)
            default: Log.info(component, text)
            }
        }
        api.pointee.now_ms = { _ in Clock.nowMilliseconds() }
        api.pointee.emit_event = { host, callContext, kind, json, length in
            PluginHostContext.from(host).emitEvent(callContext, kind: kind, json: json, length: length)
        }
        api.pointee.config_json = { host in
            UnsafePointer(PluginHostContext.from(host).configCString)
        }
        installJobFunctions(api)
        installProgressFunction(api)
        installLinkFunctions(api)
        installToolCallFunctions(api)
        return api
    }
}

/// What `th_host_api.host` points at for one plugin.
final class PluginHostContext {
    let plugin: LoadedPlugin
    let services: HostServices
    let configCString: UnsafeMutablePointer<CChar>
    /// files_folder() answers by tenant: C strings handed out once and kept for the process.
    let filesFolders = Locked<[String: UnsafeMutablePointer<CChar>]>([:])

    init(plugin: LoadedPlugin, services: HostServices, configJSON: String) {
        self.plugin = plugin
        self.services = services
        self.configCString = strdup(configJSON)!
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> PluginHostContext {
        Unmanaged<PluginHostContext>.fromOpaque(pointer!).takeUnretainedValue()
    }

    func emitEvent(_ callContext: UnsafePointer<th_call_context>?, kind: UnsafePointer<CChar>?, json: UnsafePointer<CChar>?, length: Int) -> th_status {
        guard let kind else { return TH_INVALID_ARGUMENT }
        var details: JSONValue?
        if let json, length > 0 {
            let bytes = UnsafeRawBufferPointer(start: json, count: length)
            guard let parsed = try? JSONParser.parse(bytes), case .object = parsed else { return TH_INVALID_ARGUMENT }
            details = parsed
        }
        let context = callContext.map { readSized($0, zero: th_call_context()) }
        func field(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        services.events?.record(AuditEvent(
            timeMs: Clock.nowMilliseconds(), kind: .toolsetEvent(String(cString: kind)), tenant: field(context?.tenant),
            tokenID: field(context?.token_id), tokenName: field(context?.token_name), toolset: field(context?.toolset),
            tool: nil, outcome: nil, requestID: field(context?.request_id), client: nil, durationMicros: nil,
            details: details ?? .null, plugin: plugin.name))
        return TH_OK
    }
}
