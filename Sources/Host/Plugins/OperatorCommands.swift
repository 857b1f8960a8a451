import Foundation
import JSON
import PluginABI

/// An operator command a plugin registered (ABI 1.1, header section 7): `toolhost <group> <name> …`.
/// The host only routes and prints; what the command does with the tenant's database is the plugin's business.
final class RegisteredOperatorCommand: @unchecked Sendable {
    let group: String
    let name: String
    let summary: String
    let run: th_operator_fn
    let release: th_release_fn
    let commandData: UnsafeMutableRawPointer?
    unowned(unsafe) var plugin: LoadedPlugin

    init(group: String, name: String, summary: String, run: th_operator_fn, release: th_release_fn,
         commandData: UnsafeMutableRawPointer?, plugin: LoadedPlugin) {
        self.group = group
        self.name = name
        self.summary = summary
        self.run = run
        self.release = release
        self.commandData = commandData
        self.plugin = plugin
    }

    /// What the plugin answered, copied out of its result (which is released before this returns).
    enum Outcome {
        case ok(text: String, data: JSONValue?, events: [(kind: String, details: JSONValue)])
        case refused(String)  // {"error": "…"}: an operator mistake
        case failed(String)   // non-OK status or malformed result: the plugin failed
    }

    /// Calls the command with `database` leased for the duration of the call.
    func invoke(tenant: String, operatorName: String, requestID: String, database: OpaquePointer,
                positional: [String], options: JSONObject) -> Outcome {
        let args: JSONValue = ["positional": .array(positional.map { .string($0) }), "options": .object(options)]
        let bytes = args.serialized()
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar> { let p = strdup(s)!; strings.append(p); return UnsafePointer(p) }
        var context = th_operator_context()
        context.struct_size = UInt32(MemoryLayout<th_operator_context>.size)
        context.tenant = c(tenant)
        context.operator_name = c(operatorName)
        context.request_id = c(requestID)
        context.db = UnsafeMutableRawPointer(database)
        var result = th_call_result()
        result.struct_size = UInt32(MemoryLayout<th_call_result>.size)
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                run(commandData, &context, pointer, buffer.count, &result)
            }
        }
        var json: JSONValue?
        var parseProblem: String?
        if let pointer = result.json {
            do { json = try JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: result.json_len)) } catch {
                parseProblem = "\(error)"
            }
        }
        let message = result.message.map { String(cString: $0) }
        if result.json != nil || result.release_data != nil { release(commandData, &result) }

        let label = "\(group) \(name) (plugin \(plugin.name))"
        guard status == TH_OK else { return .failed("\(label) failed with status \(status.rawValue): \(message ?? "no message given")") }
        if let parseProblem { return .failed("\(label) returned invalid JSON: \(parseProblem)") }
        guard let object = json?.objectValue else { return .failed("\(label) returned no JSON object") }
        if let error = object["error"], !error.isNull { return .refused(error.stringValue ?? error.jsonString) }
        var events: [(kind: String, details: JSONValue)] = []
        for event in object["events"]?.arrayValue ?? [] {
            guard let kind = event["kind"]?.stringValue, !kind.isEmpty else { continue }
            events.append((kind, event["details"] ?? .null))
        }
        return .ok(text: object["text"]?.stringValue ?? "", data: object["data"], events: events)
    }
}

extension LoadedPlugin {
    /// Validates one add_operator_command call during init (nil = accepted).
    func registerOperatorCommand(
        group: UnsafePointer<CChar>?, name: UnsafePointer<CChar>?, summary: UnsafePointer<CChar>?,
        run: th_operator_fn?, release: th_release_fn?, data: UnsafeMutableRawPointer?, registry: PluginRegistry
    ) -> String? {
        let group = group.map { String(cString: $0) } ?? ""
        let name = name.map { String(cString: $0) } ?? ""
        guard PluginLoader.isValidName(group), PluginLoader.isValidName(name) else {
            return "operator command \"\(group) \(name)\": group and name must match [a-z0-9_-]{1,32}"
        }
        // The CLI's dispatch table answers these words first: such a group could never be reached.
        guard !BuiltInCommands.reservedNames.contains(group) else {
            return "operator command group \"\(group)\" collides with the built-in toolhost command of that name"
        }
        guard let run, let release else { return "operator command \"\(group) \(name)\" lacks its function or release function" }
        if let owner = registry.operatorCommand(group: group, name: name) {
            return "operator command \"\(group) \(name)\" is already registered by plugin \(owner.plugin.name); duplicate refused"
        }
        if operatorCommands.contains(where: { $0.group == group && $0.name == name }) {
            return "operator command \"\(group) \(name)\" registered twice"
        }
        operatorCommands.append(RegisteredOperatorCommand(
            group: group, name: name, summary: summary.map { String(cString: $0) } ?? "",
            run: run, release: release, commandData: data, plugin: self))
        return nil
    }
}

extension PluginRegistry {
    func operatorCommand(group: String, name: String) -> RegisteredOperatorCommand? {
        for plugin in plugins {
            if let command = plugin.operatorCommands.first(where: { $0.group == group && $0.name == name }) { return command }
        }
        return nil
    }

    func operatorCommands(group: String) -> [RegisteredOperatorCommand] {
        plugins.flatMap { $0.operatorCommands.filter { $0.group == group } }
    }
}
