import PluginABI

/// The host's th_registrar during init(): every member is checked against the registrar's
/// struct_size before use (header section 2).
struct Registrar {
    typealias AddMigration = @convention(c) (UnsafeMutableRawPointer?, UInt32, UnsafePointer<CChar>?) -> th_status
    typealias AddToolset = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<th_toolset_def>?) -> th_status

    let pointer: UnsafePointer<th_registrar>

    init(_ pointer: UnsafePointer<th_registrar>) { self.pointer = pointer }

    var host: UnsafeMutableRawPointer? { pointer.pointee.host }

    /// Reports why init failed through set_error (when the host offers it) and returns `status`.
    func fail(_ status: th_status, _ message: String) -> th_status {
        if hasField(pointer, \th_registrar.set_error), let setError = pointer.pointee.set_error {
            setError(host, message)
        }
        return status
    }

    /// Registers everything the definition declares, in the order the host expects.
    func register(_ definition: PluginDefinition) throws(RegistrationRefusal) {
        guard hasField(pointer, \th_registrar.add_migration), let addMigration = pointer.pointee.add_migration,
              hasField(pointer, \th_registrar.add_toolset), let addToolset = pointer.pointee.add_toolset
        else { throw RegistrationRefusal(TH_UNSUPPORTED, "the host's registrar lacks add_toolset/add_migration") }
        try addMigrations(of: definition, with: addMigration)
        try addToolsets(of: definition, with: addToolset)
        try addOperatorCommands(of: definition)
        try addJobs(of: definition)
        try addHTTPHandlers(of: definition)
    }

    /// Migration N is the definition's migration at index N-1.
    private func addMigrations(of definition: PluginDefinition, with addMigration: AddMigration) throws(RegistrationRefusal) {
        for (offset, sql) in definition.migrations.enumerated() {
            let status = addMigration(host, UInt32(offset + 1), sql)
            if status != TH_OK {
                throw RegistrationRefusal(status, "the host refused migration \(offset + 1) of plugin \(definition.name)")
            }
        }
    }
}

/// Why init() failed: the status to return and the message for set_error.
struct RegistrationRefusal: Error {
    let status: th_status
    let message: String

    init(_ status: th_status, _ message: String) {
        self.status = status
        self.message = message
    }
}
