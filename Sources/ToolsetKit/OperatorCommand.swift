import Foundation
import JSON
import PluginABI
import SQLite

// ABI 1.1 operator commands in Swift (header section 7):
//
//     OperatorCommand(group: "knowledge", name: "promote", summary: "Make a draft live") { ctx, args in
//         let id = try args.positional(0, "ID")                      // ToolError → {"error": …}, exit 1
//         try ctx.database.run("UPDATE …", [.text(id)])
//         ctx.emit("knowledge.promoted", ["id": .string(id)])        // recorded in the host's audit trail
//         return .ok(text: "Promoted \(id)", data: ["id": .string(id)])
//     }
//
// ToolsetKit declares its header's ABI minor (1.2 now) in every plugin it exports, so an older host refuses
// the plugin at its magic check (header section 2: a plugin built against a newer minor may rely on what
// the host lacks). Console-ready commands (ABI 1.2, section 7a): OperatorCommandDetails.swift.

/// What an operator command returns: text for people, data for `--json`.
public enum OperatorResult: Sendable {
    case ok(text: String, data: JSONValue? = nil)
    /// An operator mistake (unknown id, bad option): printed on stderr, exit code 1.
    case error(String)
}

/// What the command was given. A 1.1 command: `{"positional": [...], "options": {...}}` as the host
/// parsed the command line. A 1.2 command (with details): the arguments object the host built from
/// the command line and validated against the input schema, in `values` (and in `options`).
public struct OperatorArguments: Sendable {
    public let positional: [String]
    public let options: JSONObject

    public init(positional: [String], options: JSONObject) {
        self.positional = positional
        self.options = options
    }

    /// The validated arguments object of a 1.2 command, read with ToolArguments' typed accessors.
    public var values: ToolArguments { ToolArguments(options) }

    /// Positional argument `index`, or a ToolError naming it as `label` (e.g. "ID").
    public func positional(_ index: Int, _ label: String) throws(ToolError) -> String {
        guard index < positional.count, !positional[index].isEmpty else { throw ToolError("\(label) is required") }
        return positional[index]
    }

    /// The value of `--name VALUE`; a bare `--name` is an error.
    public func option(_ name: String) throws(ToolError) -> String? {
        guard let value = options[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw ToolError("--\(name) needs a value") }
        return text
    }

    public func flag(_ name: String) -> Bool { options[name]?.boolValue == true }

    /// Refuses options other than `known` so a typo never silently changes what a command does.
    public func allowOnly(_ known: Set<String>) throws(ToolError) {
        for key in options.keys where !known.contains(key) {
            let list = known.sorted().map { "--\($0)" }.joined(separator: ", ")
            throw ToolError("unknown option --\(key) (known: \(list.isEmpty ? "none" : list))")
        }
    }
}

/// The run of one operator command. Valid only while the handler runs: do not keep it (or its database).
public final class OperatorContext {
    public let tenant: String
    /// Who runs it, e.g. "cli:root".
    public let operatorName: String
    public let requestID: String
    /// ABI 1.2: the operator's role ("viewer", "admin", "owner") and channel ("cli", "console");
    /// empty on a host that does not say.
    public let operatorRole: String
    public let channel: String
    private var lease: DatabaseLease
    private(set) var events: [JSONValue] = []

    /// ABI 1.2: the host's handle of this run (job functions act for it); nil on older hosts.
    let callHandle: UnsafeMutableRawPointer?

    init(tenant: String, operatorName: String, requestID: String, operatorRole: String = "", channel: String = "",
         callHandle: UnsafeMutableRawPointer? = nil, db: OpaquePointer?) {
        self.callHandle = callHandle
        self.tenant = tenant
        self.operatorName = operatorName
        self.requestID = requestID
        self.operatorRole = operatorRole
        self.channel = channel
        self.lease = DatabaseLease(handle: db, holder: "operator command")
    }

    /// The (tenant, plugin) database leased to this run, already migrated by the host.
    public var database: Database {
        get throws { try lease.database() }
    }

    func endLease() { lease.end() }

    /// Queues an audit event the host records once the command returns successfully.
    public func emit(_ kind: String, _ details: JSONValue = .object(JSONObject())) {
        events.append(["kind": .string(kind), "details": details])
    }

    public func log(_ message: String, level: LogLevel = .info) { HostAPI.log(message, level: level) }

    public var nowMilliseconds: Int64 { HostAPI.nowMilliseconds() }

    public var configuration: JSONObject { HostAPI.configurationObject }
}

public typealias OperatorHandler = @Sendable (OperatorContext, OperatorArguments) throws -> OperatorResult

public struct OperatorCommand: Sendable {
    public let group: String
    public let name: String
    public let summary: String
    /// nil: an ABI 1.1 command (header section 7); otherwise console-ready (section 7a).
    public let details: OperatorCommandDetails?
    public let handler: OperatorHandler

    public init(group: String, name: String, summary: String, handler: @escaping OperatorHandler) {
        self.group = group
        self.name = name
        self.summary = summary
        self.details = nil
        self.handler = handler
    }

    /// A console-ready command (ABI 1.2): the host builds its options from `input`, validates them
    /// and `data` against `output`, and gates it by `toolset` and `role`.
    public init(group: String, name: String, title: String, summary: String, description: String? = nil,
                input: Schema? = nil, output: Schema? = nil, view: OperatorView = .text, annotations: [ToolAnnotation] = [],
                toolset: String? = nil, role: OperatorRole = .admin, handler: @escaping OperatorHandler) {
        self.group = group
        self.name = name
        self.summary = summary
        self.details = OperatorCommandDetails(title: title, description: description, input: input, output: output, view: view,
                                              annotations: annotations, toolset: toolset, role: role)
        self.handler = handler
    }
}
