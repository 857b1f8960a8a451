import Foundation
import JSON
import PluginABI
import SQLite
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A miniature host: loads a plugin .so from disk, runs its init with a recording host API and
/// registrar, and calls tools through the C function pointers, exactly like the real host would.
final class TestHost: @unchecked Sendable {
    struct ToolInfo {
        let name: String
        let title: String?
        let description: String
        let inputSchema: JSONValue
        let outputSchema: JSONValue?
        let annotationsSet: UInt32
        let annotations: UInt32
    }

    struct RegisteredToolset {
        let name: String
        let title: String?
        let minPlan: String?
        let tools: [ToolInfo]
        let call: th_call_fn
        let release: th_release_fn
        let data: UnsafeMutableRawPointer?
    }

    struct Event: Equatable {
        let kind: String
        let details: JSONValue
        let requestID: String
    }

    struct CallOutcome {
        let status: th_status
        let result: JSONValue?
        let message: String?

        var isError: Bool { result?["isError"]?.boolValue ?? false }
        var text: String { result?["content"]?.arrayValue?.first?["text"]?.stringValue ?? "" }
        var structured: JSONValue { result?["structuredContent"] ?? .null }
    }

    private let lock = NSLock()
    var toolsets: [RegisteredToolset] = []
    var migrations: [(version: UInt32, sql: String)] = []
    var initError: String?
    var logs: [String] = []
    private(set) var events: [Event] = []
    var nowMilliseconds: Int64 = 1_795_417_200_000   // 2026-11-23T07:00:00Z

    var pointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
    static func from(_ raw: UnsafeMutableRawPointer?) -> TestHost { Unmanaged<TestHost>.fromOpaque(raw!).takeUnretainedValue() }

    func record(_ event: Event) { lock.withLock { events.append(event) } }
    func takeEvents() -> [Event] { lock.withLock { defer { events = [] }; return events } }

    // MARK: loading

    /// The folder holding the built products: next to the test bundle, else .build/debug.
    static func productsDirectory() -> String {
        var candidates: [String] = []
        if let exe = realpath("/proc/self/exe", nil) {
            candidates.append((String(cString: exe) as NSString).deletingLastPathComponent)
            free(exe)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug").path)
        for dir in candidates where FileManager.default.fileExists(atPath: dir + "/libToolhostScheduling.so") { return dir }
        return candidates.last!
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static func dlerrorString() -> String { dlerror().map { String(cString: $0) } ?? "unknown dlerror" }

    /// dlopen + dlsym + entry call. The info pointer comes from the plugin's static storage.
    static func entry(path: String) throws -> UnsafePointer<th_plugin_info> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw NSError(domain: "dlopen", code: 1, userInfo: [NSLocalizedDescriptionKey: dlerrorString()])
        }
        guard let symbol = dlsym(handle, TOOLHOST_PLUGIN_ENTRY_SYMBOL) else {
            throw NSError(domain: "dlsym", code: 2, userInfo: [NSLocalizedDescriptionKey: dlerrorString()])
        }
        let entry = unsafeBitCast(symbol, to: th_plugin_entry_fn.self)
        guard let info = entry() else { throw NSError(domain: "entry", code: 3) }
        return info
    }

    /// Calls init with this host's API table and registrar.
    func initialize(_ info: UnsafePointer<th_plugin_info>) -> th_status {
        var api = th_host_api()
        api.struct_size = UInt32(MemoryLayout<th_host_api>.stride)
        api.abi_major = UInt16(TOOLHOST_ABI_MAJOR)
        api.abi_minor = UInt16(TOOLHOST_ABI_MINOR)
        api.host = pointer
        api.log = { host, level, message in
            let host = TestHost.from(host)
            host.lock.withLock { host.logs.append("[\(level.rawValue)] " + (message.map { String(cString: $0) } ?? "")) }
        }
        api.now_ms = { host in TestHost.from(host).nowMilliseconds }
        api.emit_event = { host, context, kind, json, length in
            let details: JSONValue
            if let json, length > 0 {
                guard let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(json), count: length)) else {
                    return TH_INVALID_ARGUMENT
                }
                details = parsed
            } else {
                details = .null
            }
            let requestID = context?.pointee.request_id.map { String(cString: $0) } ?? ""
            TestHost.from(host).record(Event(kind: kind.map { String(cString: $0) } ?? "", details: details, requestID: requestID))
            return TH_OK
        }
        api.config_json = { host in UnsafePointer(TestHost.from(host).configCString) }

        var registrar = th_registrar()
        registrar.struct_size = UInt32(MemoryLayout<th_registrar>.stride)
        registrar.host = pointer
        registrar.add_toolset = { host, def in
            guard let def else { return TH_INVALID_ARGUMENT }
            return TestHost.from(host).addToolset(def)
        }
        registrar.add_migration = { host, version, sql in
            let host = TestHost.from(host)
            guard let sql, version == UInt32(host.migrations.count + 1) else { return TH_INVALID_ARGUMENT }
            host.migrations.append((version, String(cString: sql)))
            return TH_OK
        }
        registrar.set_error = { host, message in
            TestHost.from(host).initError = message.map { String(cString: $0) }
        }
        if offersOperatorCommands {  // ABI 1.1; off = behave like a 1.0 host (the member lies beyond struct_size)
            registrar.add_operator_command = { host, group, name, summary, run, release, data in
                guard let group, let name, let run, let release else { return TH_INVALID_ARGUMENT }
                TestHost.from(host).operatorCommands.append(OperatorCommandInfo(
                    group: String(cString: group), name: String(cString: name), summary: summary.map { String(cString: $0) } ?? "",
                    run: run, release: release, data: data))
                return TH_OK
            }
            registrar.add_operator_command_ex = { host, def in  // ABI 1.2
                guard let def else { return TH_INVALID_ARGUMENT }
                return TestHost.from(host).addConsoleCommand(def.pointee)
            }
        } else {
            registrar.struct_size = UInt32(MemoryLayout<th_registrar>.offset(of: \th_registrar.add_operator_command)!)
        }
        // Like the real host: the tables only need to live for the duration of init().
        return withUnsafePointer(to: &api) { apiPointer in
            withUnsafePointer(to: &registrar) { registrarPointer in
                info.pointee.`init`!(apiPointer, registrarPointer)
            }
        }
    }

    nonisolated(unsafe) static let configJSON: UnsafeMutablePointer<CChar> = strdup("{\"greeting\":\"hello\"}")

    /// The plugin configuration handed out by config_json (set before initialize()).
    var configCString: UnsafeMutablePointer<CChar> = TestHost.configJSON
    func setConfiguration(_ json: String) { configCString = strdup(json)! }  // leaked on purpose: the plugin may keep it

    // MARK: operator commands (ABI 1.1)

    struct OperatorCommandInfo {
        let group: String
        let name: String
        let summary: String
        let run: th_operator_fn
        let release: th_release_fn
        let data: UnsafeMutableRawPointer?
        /// ABI 1.2 (console-ready) commands only.
        var console: ConsoleInfo? = nil
    }

    var operatorCommands: [OperatorCommandInfo] = []
    /// False: hand out a 1.0-sized registrar, as an older host would.
    var offersOperatorCommands = true

    /// Runs `group name` like the host's CLI does; returns the parsed result object, the status and message.
    func runOperator(_ group: String, _ name: String, positional: [String] = [], options: JSONObject = JSONObject(),
                     database: Database, operatorName: String = "cli:test") -> (status: th_status, result: JSONValue?, message: String?) {
        guard let command = operatorCommands.first(where: { $0.group == group && $0.name == name }) else { return (TH_NOT_FOUND, nil, "no command") }
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar> { let p = strdup(s)!; strings.append(p); return UnsafePointer(p) }
        var context = th_operator_context()
        context.struct_size = UInt32(MemoryLayout<th_operator_context>.stride)
        context.tenant = c("demo")
        context.operator_name = c(operatorName)
        context.request_id = c("op-1")
        context.db = UnsafeMutableRawPointer(database.handle)
        var result = th_call_result()
        result.struct_size = UInt32(MemoryLayout<th_call_result>.stride)
        context.operator_role = c("owner")
        context.channel = c("cli")
        let args: JSONValue
        if let console = command.console {
            // What the host does before a 1.2 command runs: build the object, refuse invalid input.
            switch console.arguments(positional: positional, options: options) {
            case .success(let object): args = .object(object)
            case .failure(let refusal): return (TH_OK, ["error": .string(refusal.message)], nil)
            }
        } else {
            args = ["positional": .array(positional.map { .string($0) }), "options": .object(options)]
        }
        let bytes = args.serialized()
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                withUnsafePointer(to: &context) { command.run(command.data, $0, pointer, buffer.count, &result) }
            }
        }
        var json: JSONValue?
        if let pointer = result.json {
            json = try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: result.json_len))
        }
        let message = result.message.map { String(cString: $0) }
        if result.json != nil || result.release_data != nil { command.release(command.data, &result) }
        if status == TH_OK, let console = command.console, let problem = console.outputProblem(json) {
            return (TH_ERROR, json, problem)  // the host fails a command whose data breaks its output schema
        }
        return (status, json, message)
    }

    private func addToolset(_ def: UnsafePointer<th_toolset_def>) -> th_status {
        let toolset = def.pointee
        guard let name = toolset.name, let call = toolset.call, let release = toolset.release_result else { return TH_INVALID_ARGUMENT }
        let nameString = String(cString: name)
        if toolsets.contains(where: { $0.name == nameString }) { return TH_INVALID_ARGUMENT }
        var tools: [ToolInfo] = []
        let base = UnsafeRawPointer(toolset.tools!)
        for index in 0..<Int(toolset.tool_count) {
            let tool = (base + index * Int(toolset.tool_def_size)).assumingMemoryBound(to: th_tool_def.self).pointee
            func parse(_ text: UnsafePointer<CChar>?) -> JSONValue? { text.flatMap { try? JSONParser.parse(String(cString: $0)) } }
            guard let inputSchema = parse(tool.input_schema) else { return TH_INVALID_ARGUMENT }
            tools.append(ToolInfo(
                name: String(cString: tool.name!), title: tool.title.map { String(cString: $0) },
                description: String(cString: tool.description!), inputSchema: inputSchema,
                outputSchema: parse(tool.output_schema), annotationsSet: tool.annotations_set, annotations: tool.annotations))
        }
        toolsets.append(RegisteredToolset(
            name: nameString, title: toolset.title.map { String(cString: $0) },
            minPlan: toolset.min_plan.map { String(cString: $0) }, tools: tools, call: call, release: release,
            data: toolset.toolset_data))
        return TH_OK
    }

    // MARK: calling

    func toolset(_ name: String) -> RegisteredToolset? { toolsets.first { $0.name == name } }

    /// Calls `tool` with JSON `arguments` the way the host does, copies the result out and releases it.
    func call(_ toolsetName: String, _ tool: String, _ arguments: JSONValue, database: Database?,
              tokenName: String = "ci-token", requestID: String = "req-1") -> CallOutcome {
        guard let toolset = toolset(toolsetName) else { return CallOutcome(status: TH_NOT_FOUND, result: nil, message: "no toolset") }
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar> { let p = strdup(s)!; strings.append(p); return UnsafePointer(p) }
        var context = th_call_context()
        context.struct_size = UInt32(MemoryLayout<th_call_context>.stride)
        context.tenant = c("demo")
        context.toolset = c(toolsetName)
        context.token_id = c("tok_123")
        context.token_name = c(tokenName)
        context.scopes_json = c("[\"\(toolsetName)\"]")
        context.restrictions_json = c("{}")
        context.request_id = c(requestID)
        context.db = database.map { UnsafeMutableRawPointer($0.handle) }
        var result = th_call_result()
        result.struct_size = UInt32(MemoryLayout<th_call_result>.stride)
        let bytes = arguments.serialized()
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { args in
                withUnsafePointer(to: &context) { ctx in
                    toolset.call(toolset.data, ctx, c(tool), args, buffer.count, &result)
                }
            }
        }
        // As the host does: copy everything out, then release whenever json or release_data is set.
        var json: JSONValue?
        if let pointer = result.json {
            json = try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: result.json_len))
        }
        let message = result.message.map { String(cString: $0) }
        if result.json != nil || result.release_data != nil { toolset.release(toolset.data, &result) }
        return CallOutcome(status: status, result: json, message: message)
    }
}

/// A fresh tenant database with the plugin's migrations applied.
func migratedDatabase(_ host: TestHost) throws -> (Database, String) {
    let path = NSTemporaryDirectory() + "toolsetkit-\(UUID().uuidString).sqlite"
    let database = try Database(path: path)
    try database.migrate(host.migrations.map(\.sql))
    return (database, path)
}
