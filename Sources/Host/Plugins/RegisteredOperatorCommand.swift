import Foundation
import JSON
import PluginABI

/// An operator command a plugin registered (ABI 1.1, header section 7): `toolhost <group> <name> …`.
/// The host only routes and prints; what the command does with the tenant's database is the plugin's business.
// @unchecked: registered during plugin load and read-only after; holds the plugin's C function
// and data pointers, which Swift cannot check.
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
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func c(_ s: String) -> UnsafePointer<CChar> { let p = strdup(s)!; strings.append(p); return UnsafePointer(p) }
        var context = th_operator_context()
        context.struct_size = UInt32(MemoryLayout<th_operator_context>.size)
        context.tenant = c(tenant)
        context.operator_name = c(operatorName)
        context.request_id = c(requestID)
        context.db = UnsafeMutableRawPointer(database)
        let handle = CallHandle(tenant: tenant, plugin: plugin, origin: operatorName, requestID: requestID)
        context.call_handle = handle.opaque  // ABI 1.2: operator commands may enqueue jobs
        defer { withExtendedLifetime(handle) {} }
        let reply = PluginCall.run(arguments: args.serialized(), release: { release(commandData, $0) }) { pointer, count, result in
            run(commandData, &context, pointer, count, result)
        }
        let label = "\(group) \(name) (plugin \(plugin.name))"
        guard reply.status == TH_OK else { return .failed("\(label) failed with status \(reply.status.rawValue): \(reply.message ?? "no message given")") }
        if case .failure(let problem) = reply.json { return .failed("\(label) returned invalid JSON: \(problem)") }
        guard case .success(.object(let object)) = reply.json else { return .failed("\(label) returned no JSON object") }
        if let error = object["error"], !error.isNull { return .refused(error.stringValue ?? error.jsonString) }
        var events: [(kind: String, details: JSONValue)] = []
        for event in object["events"]?.arrayValue ?? [] {
            guard let kind = event["kind"]?.stringValue, !kind.isEmpty else { continue }
            events.append((kind, event["details"] ?? .null))
        }
        return .ok(text: object["text"]?.stringValue ?? "", data: object["data"], events: events)
    }
}
