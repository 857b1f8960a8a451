import CShims
import Foundation
import Glibc
import JSON
import JSONSchema
import PluginABI

/// Discovers and loads toolset plugins, in four steps:
///   1. open every `*.so` safely (PluginFile: ownership and mode checks, a private sealed copy),
///      dlopen the copy and check its magic block and plugin name;
///   2. decide each plugin name among the libraries that claim it (NameAssignments: host.db, not
///      file-name order);
///   3. run the init of each library that holds its name, check what it registered (schemas, plans,
///      migrations on a scratch database);
///   4. decide each toolset name and operator command group the same way; a plugin that loses one
///      is refused whole.
/// Every refusal is one clear log line naming the file and what is wrong; the rest keep loading.
enum PluginLoader {
    static let hostABIMajor = Int(TOOLHOST_ABI_MAJOR)
    static let hostABIMinor = Int(TOOLHOST_ABI_MINOR)

    /// What a load decides against: the services plugins get, the plan names `min_plan` may use,
    /// and the name assignments remembered in host.db.
    struct Context {
        var services: HostServices
        var plans: PlanCatalog = .standard
        var assignments = NameAssignments()
    }

    /// Loads `*.so` from `directory`. With `namePrefix` only files whose name starts with it are
    /// considered (used when falling back to the binary's own folder).
    static func loadAll(from directory: String, namePrefix: String? = nil, context: Context) -> PluginRegistry {
        let registry = PluginRegistry()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            Log.warning("plugins", "plugins directory \(directory) does not exist or cannot be read; serving no toolsets")
            return registry
        }
        let files = entries.sorted().filter { $0.hasSuffix(".so") && (namePrefix.map($0.hasPrefix) ?? true) }
        if let unsafe = PluginFile.checkFolder(directory) {
            for file in files { registry.refuse(file: file, reason: unsafe) }
            return registry
        }
        var assignments = context.assignments
        let now = Clock.nowMilliseconds()
        let opened = openLibraries(files, in: directory, registry: registry)
        let named = decide(.plugin, opened, claimant: \.file.file, file: \.file.file, names: { [$0.name] }, assignments: &assignments, now: now, registry: registry)
        var initialized: [LoadedPlugin] = []
        for library in named {
            switch initialize(library, context: context) {
            case .success(let plugin): initialized.append(plugin)
            case .failure(let refusal): registry.refuse(file: library.file.file, reason: refusal.reason)
            }
        }
        var accepted = decide(.toolset, initialized, claimant: \.name, file: \.file, names: { $0.toolsets.map(\.name) },
                              assignments: &assignments, now: now, registry: registry)
        accepted = decide(.commandGroup, accepted, claimant: \.name, file: \.file, names: { Array(Set($0.operatorCommands.map(\.group))) },
                          assignments: &assignments, now: now, registry: registry)
        for plugin in accepted {
            registry.add(plugin)
            let summary = plugin.toolsets.map { "\($0.name) (\($0.tools.count) tools)" }.joined(separator: ", ")
            Log.info("plugins", "loaded \(plugin.file): plugin \(plugin.name) \(plugin.version), toolsets \(summary)")
        }
        registry.assignments = assignments
        registry.newAssignments = assignments.firstSeen.filter { assignment in
            assignment.kind == .plugin ? accepted.contains { $0.file == assignment.holder } : accepted.contains { $0.name == assignment.holder }
        }
        return registry
    }

    struct Refusal: Error { let reason: String }

    /// A library dlopen accepted, with its magic block checked and a valid plugin name.
    struct OpenedLibrary {
        let file: PluginFile
        let info: th_plugin_info
        let name: String
    }

    private static func openLibraries(_ files: [String], in directory: String, registry: PluginRegistry) -> [OpenedLibrary] {
        var seen = Set<PluginFile.FileIdentity>()
        var opened: [OpenedLibrary] = []
        for file in files {
            switch PluginFile.open(file, in: directory) {
            case nil: continue  // not a regular file
            case .failure(let refusal): registry.refuse(file: file, reason: refusal.reason)
            case .success(let pluginFile):
                // The same library reached twice (a symlink, a hard link) is loaded once.
                guard seen.insert(pluginFile.identity).inserted else {
                    pluginFile.discard()
                    Log.info("plugins", "skipping \(file): same file as one already loaded")
                    continue
                }
                switch open(pluginFile) {
                case .success(let library): opened.append(library)
                case .failure(let refusal): registry.refuse(file: file, reason: refusal.reason)
                }
            }
        }
        return opened
    }

    /// Keeps the candidates that get every name of `kind` they claim; refuses the others whole.
    /// `claimant` is who holds a name of this kind (a file or a plugin name), `file` the library
    /// file a refusal is logged under.
    private static func decide<Candidate>(_ kind: NameKind, _ candidates: [Candidate], claimant: KeyPath<Candidate, String>,
                                          file: KeyPath<Candidate, String>, names: (Candidate) -> [String],
                                          assignments: inout NameAssignments, now: Int64, registry: PluginRegistry) -> [Candidate] {
        var claimants: [String: [String]] = [:]
        for candidate in candidates { for name in names(candidate) { claimants[name, default: []].append(candidate[keyPath: claimant]) } }
        // A plugin is named with its file, so a refusal says which library is which.
        func describe(_ holder: String) -> String {
            guard kind != .plugin else { return holder }
            let file = candidates.first { $0[keyPath: claimant] == holder }.map { " (\($0[keyPath: file]))" } ?? ""
            return "plugin \(holder)\(file)"
        }
        var refusals: [String: String] = [:]
        for name in claimants.keys.sorted() {
            let outcome = assignments.decide(kind, name, claimants: claimants[name]!, nowMs: now, describe: describe)
            for (loser, reason) in outcome where refusals[loser] == nil {
                refusals[loser] = reason
            }
        }
        return candidates.filter { candidate in
            guard let reason = refusals[candidate[keyPath: claimant]] else { return true }
            registry.refuse(file: candidate[keyPath: file], reason: reason)
            return false
        }
    }

    private static func open(_ pluginFile: PluginFile) -> Result<OpenedLibrary, Refusal> {
        // RTLD_NOW: unresolved symbols fail here, not at first call. RTLD_NODELETE: never unmap
        // (the Swift runtime keeps pointers into a library's metadata after dlclose).
        guard let handle = dlopen(pluginFile.loadPath, RTLD_NOW | RTLD_LOCAL | cshims_rtld_nodelete()) else {
            let message = lastDLError().replacingOccurrences(of: pluginFile.loadPath, with: pluginFile.file)
            pluginFile.discard()
            return .failure(Refusal(reason: "cannot load library: \(message)"))
        }
        guard let symbol = cshims_dlsym(handle, TOOLHOST_PLUGIN_ENTRY_SYMBOL) else {
            return .failure(Refusal(reason: "no \(TOOLHOST_PLUGIN_ENTRY_SYMBOL) symbol: not a Toolhost plugin (or it was not exported)"))
        }
        let entry = unsafeBitCast(symbol, to: th_plugin_entry_fn.self)
        guard let infoPointer = entry() else { return .failure(Refusal(reason: "\(TOOLHOST_PLUGIN_ENTRY_SYMBOL) returned NULL")) }
        // The magic block is checked before any other plugin code runs.
        if let mismatch = checkMagic(infoPointer) { return .failure(Refusal(reason: mismatch)) }
        let info = infoPointer.pointee
        let name = info.name.map { String(cString: $0) } ?? ""
        guard isValidName(name) else { return .failure(Refusal(reason: "plugin name \"\(name)\" is not [a-z0-9_-]{1,32}")) }
        return .success(OpenedLibrary(file: pluginFile, info: info, name: name))
    }

    private static func initialize(_ library: OpenedLibrary, context: Context) -> Result<LoadedPlugin, Refusal> {
        let info = library.info
        let plugin = LoadedPlugin(name: library.name, version: info.version.map { String(cString: $0) } ?? "0",
                                  description: info.description.map { String(cString: $0) } ?? "",
                                  file: library.file.file, abiMinor: Int(info.abi_minor))
        guard let initialize = info.`init` else { return .failure(Refusal(reason: "plugin info has no init function")) }
        return runInit(initialize, plugin: plugin, context: context).flatMap { plugin in
            if let problem = MigrationCheck.firstFailure(plugin.migrations) { return .failure(Refusal(reason: problem)) }
            return .success(plugin)
        }
    }

    /// PostgreSQL's PG_MODULE_MAGIC lesson: compare the build facts and say which one differs.
    static func checkMagic(_ info: UnsafePointer<th_plugin_info>) -> String? {
        let declaredSize = Int(info.pointee.struct_size)
        let minimumSize = MemoryLayout<th_plugin_info>.offset(of: \th_plugin_info.`init`)! + MemoryLayout<th_init_fn?>.size
        let raw = UnsafeRawPointer(info)
        let major = Int(raw.load(fromByteOffset: 4, as: UInt16.self))
        let minor = Int(raw.load(fromByteOffset: 6, as: UInt16.self))
        let pointerSize = Int(raw.load(fromByteOffset: 8, as: UInt16.self))
        if major != hostABIMajor {
            return "built for plugin ABI major \(major) (\(major).\(minor)), this host speaks ABI major \(hostABIMajor) (\(hostABIMajor).\(hostABIMinor)); rebuild it against this host's toolhost_plugin.h"
        }
        if minor > hostABIMinor {
            return "built for plugin ABI \(major).\(minor), newer minor than this host's \(hostABIMajor).\(hostABIMinor); upgrade toolhost or rebuild the plugin against the older header"
        }
        if pointerSize != MemoryLayout<UnsafeRawPointer>.size {
            return "built with pointer size \(pointerSize), this host has \(MemoryLayout<UnsafeRawPointer>.size)"
        }
        if declaredSize < minimumSize {
            return "plugin info struct_size is \(declaredSize) bytes, smaller than the \(minimumSize) bytes ABI \(major).0 requires"
        }
        return nil
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 32 && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }
    }

    private static func lastDLError() -> String {
        guard let message = dlerror() else { return "unknown dlopen error" }
        return String(cString: message)
    }

    // MARK: init and registration

    private static func runInit(_ initialize: th_init_fn, plugin: LoadedPlugin, context: Context) -> Result<LoadedPlugin, Refusal> {
        let session = RegistrationSession(plugin: plugin, plans: context.plans)
        let sessionPointer = Unmanaged.passRetained(session).toOpaque()
        defer { Unmanaged<RegistrationSession>.fromOpaque(sessionPointer).release() }

        var registrar = th_registrar()
        registrar.struct_size = UInt32(MemoryLayout<th_registrar>.size)
        registrar.host = sessionPointer
        registrar.add_toolset = { host, definition in
            RegistrationSession.from(host).addToolset(definition)
        }
        registrar.add_migration = { host, version, sql in
            RegistrationSession.from(host).addMigration(version: version, sql: sql)
        }
        registrar.set_error = { host, message in
            RegistrationSession.from(host).initError = message.map { String(cString: $0) }
        }
        registrar.add_operator_command = { host, group, name, summary, run, release, data in  // ABI 1.1
            RegistrationSession.from(host).addOperatorCommand(group, name, summary, run, release, data)
        }
        registrar.add_job_handler = { host, handler in  // ABI 1.2
            RegistrationSession.from(host).addJobHandler(handler)
        }
        registrar.add_operator_command_ex = { host, definition in  // ABI 1.2, header section 7a
            RegistrationSession.from(host).addOperatorCommand(definition)
        }
        registrar.add_http_handler = { host, definition in  // ABI 1.2, header section 11
            RegistrationSession.from(host).addHTTPHandler(definition)
        }

        let hostAPI = context.services.makeHostAPI(for: plugin)
        plugin.hostAPI = hostAPI
        let status = initialize(hostAPI, &registrar)
        // What the host itself refused during registration (a duplicate toolset, a bad schema) is
        // the precise reason; an init that failed because of it would only echo it less exactly.
        if let problem = session.firstProblem { return .failure(Refusal(reason: problem)) }
        if status != TH_OK {
            let detail = session.initError ?? "no message given"
            return .failure(Refusal(reason: "init failed with status \(status.rawValue): \(detail)"))
        }
        if session.toolsets.isEmpty { return .failure(Refusal(reason: "init registered no toolsets")) }
        if let problem = plugin.operatorCommandProblem(toolsets: session.toolsets) { return .failure(Refusal(reason: problem)) }
        plugin.toolsets = session.toolsets
        plugin.migrations = session.migrations
        plugin.jobHandlers = session.jobHandlers
        plugin.httpHandlers = session.httpHandlers
        return .success(plugin)
    }
}

/// Collects what a plugin registers during init, validating as it goes. Nothing reaches the
/// registry until init returned successfully and every definition was sound: a failing init's
/// registrations are dropped whole. Whether its names are free is decided after every init ran
/// (PluginLoader step 4), so it never depends on which library happened to load first.
private final class RegistrationSession {
    let plugin: LoadedPlugin
    /// The plan names `min_plan` may use.
    let plans: PlanCatalog
    var toolsets: [RegisteredToolset] = []
    var migrations: [String] = []
    var jobHandlers: [String: RegisteredJobHandler] = [:]
    var httpHandlers: [RegisteredHTTPHandler] = []
    var initError: String?
    var firstProblem: String?

    init(plugin: LoadedPlugin, plans: PlanCatalog) {
        self.plugin = plugin
        self.plans = plans
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> RegistrationSession {
        Unmanaged<RegistrationSession>.fromOpaque(pointer!).takeUnretainedValue()
    }

    func addOperatorCommand(_ group: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ summary: UnsafePointer<CChar>?,
                            _ run: th_operator_fn?, _ release: th_release_fn?, _ data: UnsafeMutableRawPointer?) -> th_status {
        if let refusal = plugin.registerOperatorCommand(group: group, name: name, summary: summary, run: run,
                                                        release: release, data: data) { return problem(refusal) }
        return TH_OK
    }

    func addOperatorCommand(_ pointer: UnsafePointer<th_operator_command_def>?) -> th_status {
        guard let pointer else { return problem("add_operator_command_ex called with NULL") }
        if let refusal = plugin.registerOperatorCommand(readSized(pointer, zero: th_operator_command_def())) { return problem(refusal) }
        return TH_OK
    }

    func addJobHandler(_ pointer: UnsafePointer<th_job_handler_def>?) -> th_status {
        guard let pointer else { return problem("add_job_handler called with NULL") }
        let definition = readSized(pointer, zero: th_job_handler_def())
        let kind = string(definition.kind)
        guard RegisteredJobHandler.isValidName(kind) else { return problem("job kind \"\(kind)\" is not [a-z0-9_.-]{1,64}") }
        guard jobHandlers[kind] == nil else { return problem("job kind \"\(kind)\" registered twice") }
        let toolsetName = string(definition.toolset)
        // Toolsets are registered before the handlers that name them.
        guard let toolset = toolsets.first(where: { $0.name == toolsetName }) else {
            return problem("job kind \"\(kind)\" names toolset \"\(toolsetName)\", which this plugin has not registered (register the toolset first)")
        }
        guard let run = definition.run, let release = definition.release else {
            return problem("job kind \"\(kind)\" lacks its run or release function")
        }
        jobHandlers[kind] = RegisteredJobHandler(
            kind: kind, toolset: toolset, run: run, release: release, handlerData: definition.handler_data,
            maxConcurrency: definition.max_concurrency, timeoutMs: definition.timeout_ms, maxAttempts: definition.max_attempts,
            retryDelayMs: definition.retry_delay_ms)
        return TH_OK
    }

    func addHTTPHandler(_ pointer: UnsafePointer<th_http_handler_def>?) -> th_status {
        guard let pointer else { return problem("add_http_handler called with NULL") }
        switch RegisteredHTTPHandler.make(readSized(pointer, zero: th_http_handler_def()), plugin: plugin, existing: httpHandlers) {
        case .success(let handler): httpHandlers.append(handler)
        case .failure(let refusal): return problem(refusal.reason)
        }
        return TH_OK
    }

    private func problem(_ text: String) -> th_status {
        if firstProblem == nil { firstProblem = text }
        return TH_INVALID_ARGUMENT
    }

    func addMigration(version: UInt32, sql: UnsafePointer<CChar>?) -> th_status {
        guard let sql else { return problem("migration \(version) has no SQL") }
        guard Int(version) == migrations.count + 1 else {
            return problem("migration \(version) registered out of order (expected \(migrations.count + 1))")
        }
        migrations.append(String(cString: sql))
        return TH_OK
    }

    func addToolset(_ pointer: UnsafePointer<th_toolset_def>?) -> th_status {
        guard let pointer else { return problem("add_toolset called with NULL") }
        let minimum = MemoryLayout<th_toolset_def>.offset(of: \th_toolset_def.restriction_keys)!
        guard Int(pointer.pointee.struct_size) >= minimum else {
            return problem("toolset definition struct_size \(pointer.pointee.struct_size) is smaller than ABI 1.0's \(minimum)")
        }
        let definition = readSized(pointer, zero: th_toolset_def())
        let name = string(definition.name)
        guard PluginLoader.isValidName(name) else { return problem("toolset name \"\(name)\" is not [a-z0-9_-]{1,32}") }
        if toolsets.contains(where: { $0.name == name }) { return problem("toolset \"\(name)\" registered twice") }
        guard let call = definition.call, let release = definition.release_result else {
            return problem("toolset \"\(name)\" lacks a call or release_result function")
        }
        let minPlan = definition.min_plan.map { String(cString: $0) }
        if let refusal = unknownPlan(minPlan, of: "toolset \"\(name)\"") { return problem(refusal) }
        var restrictionKeys = JSONObject()
        if let keys = definition.restriction_keys {
            guard let parsed = try? JSONParser.parse(String(cString: keys)), let object = parsed.objectValue else {
                return problem("toolset \"\(name)\" restriction_keys is not a JSON object")
            }
            restrictionKeys = object
        }
        let toolset = RegisteredToolset(
            name: name, title: definition.title.map { String(cString: $0) } ?? name,
            description: string(definition.description), minPlan: minPlan,
            restrictionKeys: restrictionKeys, call: call, release: release, toolsetData: definition.toolset_data, plugin: plugin)
        let stride = Int(definition.tool_def_size)
        guard definition.tool_count == 0 || stride >= MemoryLayout<th_tool_def>.offset(of: \th_tool_def.min_plan)! else {
            return problem("toolset \"\(name)\" tool_def_size \(stride) is smaller than ABI 1.0's th_tool_def")
        }
        for index in 0..<Int(definition.tool_count) {
            let toolPointer = UnsafeRawPointer(definition.tools!).advanced(by: index * stride).assumingMemoryBound(to: th_tool_def.self)
            switch makeTool(readSized(toolPointer, zero: th_tool_def()), toolset: toolset) {
            case .success(let tool): toolset.add(tool)
            case .failure(let refusal): return problem(refusal.reason)
            }
        }
        switch ScopeDefinitions.read(definition, toolset: toolset) {
        case .success(let scopes): scopes.forEach(toolset.add)
        case .failure(let refusal): return problem(refusal.reason)
        }
        toolsets.append(toolset)
        return TH_OK
    }

    private func makeTool(_ definition: th_tool_def, toolset: RegisteredToolset) -> Result<RegisteredTool, PluginLoader.Refusal> {
        let name = string(definition.name)
        let label = "tool \"\(name)\" of toolset \"\(toolset.name)\""
        guard isValidToolName(name) else { return .failure(.init(reason: "\(label): name must be 1–64 of A–Z a–z 0–9 _ - ." )) }
        guard toolset.toolsByName[name] == nil else { return .failure(.init(reason: "\(label) registered twice")) }
        let description = string(definition.description)
        guard !description.isEmpty else { return .failure(.init(reason: "\(label) has no description")) }
        guard let inputText = definition.input_schema, let input = try? JSONParser.parse(String(cString: inputText)) else {
            return .failure(.init(reason: "\(label): input_schema is missing or not valid JSON"))
        }
        guard input["type"]?.stringValue == "object" else {
            return .failure(.init(reason: "\(label): input_schema root must have \"type\": \"object\""))
        }
        let inputValidator: CompiledSchema
        do { inputValidator = try CompiledSchema.compile(input) } catch {
            return .failure(.init(reason: "\(label): input_schema: \(error.message)"))
        }
        var output: JSONValue?
        var outputValidator: CompiledSchema?
        if let outputText = definition.output_schema {
            guard let parsed = try? JSONParser.parse(String(cString: outputText)) else {
                return .failure(.init(reason: "\(label): output_schema is not valid JSON"))
            }
            do { outputValidator = try CompiledSchema.compile(parsed) } catch {
                return .failure(.init(reason: "\(label): output_schema: \(error.message)"))
            }
            output = parsed
        }
        let minPlan = definition.min_plan.map { String(cString: $0) }
        if let refusal = unknownPlan(minPlan, of: label) { return .failure(.init(reason: refusal)) }
        return .success(RegisteredTool(
            name: name, title: definition.title.map { String(cString: $0) }, description: description,
            inputSchema: input, outputSchema: output, inputValidator: inputValidator, outputValidator: outputValidator,
            annotations: ToolAnnotations(set: definition.annotations_set, values: definition.annotations),
            minPlan: minPlan, toolset: toolset))
    }

    /// A plan name the deployer's plan catalogue does not know could never be satisfied: the
    /// toolset would load and refuse every call forever, so the plugin is refused at load instead.
    private func unknownPlan(_ plan: String?, of what: String) -> String? {
        guard let plan, !plans.isKnown(plan) else { return nil }
        return "\(what) requires min_plan \"\(plan)\", which is not a plan of this host (\(plans.allPlans.joined(separator: ", "))); "
            + "fix the plugin or add the plan under \"plans\" in toolhost.json"
    }

    private func isValidToolName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy {
            ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
        }
    }

    private func string(_ pointer: UnsafePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
}

/// Vulkan/OBS rule: copy only the bytes the writer declared (its struct_size); fields beyond
/// that stay zero, so an older plugin's shorter struct reads as "absent" for newer fields.
func readSized<T>(_ pointer: UnsafePointer<T>, zero: T) -> T {
    var value = zero
    let declared = Int(UnsafeRawPointer(pointer).load(as: UInt32.self))
    let count = min(declared, MemoryLayout<T>.size)
    withUnsafeMutableBytes(of: &value) { destination in
        destination.copyMemory(from: UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: count))
    }
    return value
}

extension PluginLoader {
    /// The plugins as `settings` would load them for the daemon (same plan names, same host.db
    /// assignments, same plugin configuration), leaving the data folder untouched: nothing is
    /// created, migrated or remembered. For `toolhost plugins`, help and command lookup.
    static func preview(_ settings: Settings) -> PluginRegistry {
        let data = settings.dataDirectory
        let plans = (try? Configuration.load(dataDirectory: data))?.plans ?? .standard
        let context = Context(services: HostServices(events: nil, configurationFile: data + "/plugins.json"), plans: plans,
                              assignments: NameAssignments(HostStore.readPluginAssignments(dataDirectory: data)))
        return loadAll(from: settings.pluginsDirectory, namePrefix: settings.pluginNamePrefix, context: context)
    }
}
