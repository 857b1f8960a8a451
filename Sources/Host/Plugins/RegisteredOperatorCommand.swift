import Foundation
import JSON
import PluginABI

/// An operator command a plugin registered: `toolhost <group> <name> …`. A 1.1 registration (header
/// section 7) has only a summary; a 1.2 one (section 7a) also has `metadata`, from which the host
/// builds the command line, checks input and output, and gates the command by toolset and role.
/// What the command does with the tenant's database is the plugin's business.
// @unchecked: registered during plugin load and read-only after; holds the plugin's C function
// and data pointers, which Swift cannot check.
final class RegisteredOperatorCommand: @unchecked Sendable {
    let group: String
    let name: String
    let summary: String
    let run: th_operator_fn
    let release: th_release_fn
    let commandData: UnsafeMutableRawPointer?
    /// nil for a 1.1 registration.
    let metadata: OperatorCommandMetadata?
    unowned(unsafe) var plugin: LoadedPlugin

    init(group: String, name: String, summary: String, run: th_operator_fn, release: th_release_fn,
         commandData: UnsafeMutableRawPointer?, metadata: OperatorCommandMetadata? = nil, plugin: LoadedPlugin) {
        self.metadata = metadata
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

    /// The role an operator needs: what the registration says, or admin (1.1 commands say nothing).
    var requiredRole: OperatorRole { metadata?.requiredRole ?? .defaultRequired }

    /// Who runs the command, as th_operator_context tells it.
    struct Operator {
        let name: String
        let role: OperatorRole
        let channel: OperatorChannel
    }

    /// Calls the command with `database` leased for the duration of the call. `args` is what the
    /// plugin gets: {"positional","options"} for a 1.1 command, the validated object for a 1.2 one.
    func invoke(tenant: String, operator who: Operator, requestID: String, database: OpaquePointer, args: JSONValue) -> Outcome {
        let operatorName = who.name
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
        context.operator_role = c(who.role.rawValue)
        context.channel = c(who.channel.rawValue)
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
        if let problem = outputProblem(object["data"]) { return .failed("\(label) returned data that does not match its output schema: \(problem)") }
        return .ok(text: object["text"]?.stringValue ?? "", data: object["data"], events: events)
    }

    /// A console renders `data` by the output schema and view it was promised, so a mismatch is
    /// the plugin's failure, as for a tool's structuredContent.
    private func outputProblem(_ data: JSONValue?) -> String? {
        guard let validator = metadata?.outputValidator else { return nil }
        let failures = validator.validate(data ?? .null)
        return failures.isEmpty ? nil : failures.map(\.description).joined(separator: "; ")
    }
}
