import Locking
import PluginABI

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

/// The plugin as the host sees it: the th_plugin_info behind the entry symbol, and its init().
enum ExportedPlugin {
    private struct State {
        /// The address of the permanent th_plugin_info (an integer so the state stays Sendable).
        var infoAddress: UInt?
        var definition: PluginDefinition?
    }

    private static let state = Locked(State())  // a class, not a static Mutex: see Locked

    static func export(_ definition: PluginDefinition) -> UnsafeRawPointer {
        let address = state.withLock { state in
            if let existing = state.infoAddress { return existing }
            let created = UInt(bitPattern: makeInfo(definition))
            state.infoAddress = created
            state.definition = definition
            return created
        }
        return UnsafeRawPointer(bitPattern: address)!
    }

    /// Never freed: the host reads it for as long as the process lives.
    private static func makeInfo(_ definition: PluginDefinition) -> UnsafeMutablePointer<th_plugin_info> {
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
        let pointer = UnsafeMutablePointer<th_plugin_info>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }

    /// init(): installs the host API, then registers migrations, toolsets and operator commands.
    static func initialize(_ hostPointer: UnsafePointer<th_host_api>?, _ registrarPointer: UnsafePointer<th_registrar>?) -> th_status {
        guard let registrarPointer else { return TH_INVALID_ARGUMENT }
        let registrar = Registrar(registrarPointer)
        guard let definition = state.withLock({ $0.definition }) else {
            return registrar.fail(TH_ERROR, "toolhost_plugin_entry was not called before init")
        }
        guard let hostPointer else { return registrar.fail(TH_INVALID_ARGUMENT, "init was given no host API table") }
        HostAPI.install(copying: hostPointer)

        let problems = definition.validationProblems()
        guard problems.isEmpty else { return registrar.fail(TH_INVALID_ARGUMENT, problems.joined(separator: "; ")) }
        do {
            try registrar.register(definition)
        } catch {
            return registrar.fail(error.status, error.message)
        }
        return TH_OK
    }
}

let initThunk: th_init_fn = { host, registrar in ExportedPlugin.initialize(host, registrar) }
