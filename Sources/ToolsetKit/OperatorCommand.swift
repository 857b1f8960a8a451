import Foundation
import JSON
import PluginABI
import SQLite
#if canImport(Glibc)
import Glibc
#endif

// ABI 1.1 operator commands in Swift (header section 7):
//
//     OperatorCommand(group: "knowledge", name: "promote", summary: "Make a draft live") { ctx, args in
//         let id = try args.positional(0, "ID")                      // ToolError → {"error": …}, exit 1
//         try ctx.database.run("UPDATE …", [.text(id)])
//         ctx.emit("knowledge.promoted", ["id": .string(id)])        // recorded in the host's audit trail
//         return .ok(text: "Promoted \(id)", data: ["id": .string(id)])
//     }
//
// A plugin built with these on a 1.0 host (no add_operator_command) still loads; the commands are skipped.

/// What an operator command returns: text for people, data for `--json`.
public enum OperatorResult: Sendable {
    case ok(text: String, data: JSONValue? = nil)
    /// An operator mistake (unknown id, bad option): printed on stderr, exit code 1.
    case error(String)
}

/// `{"positional": [...], "options": {...}}` as the host parsed the command line.
public struct OperatorArguments: Sendable {
    public let positional: [String]
    public let options: JSONObject

    public init(positional: [String], options: JSONObject) {
        self.positional = positional
        self.options = options
    }

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
    private let dbHandle: OpaquePointer?
    private var borrowed: Database?
    private(set) var events: [JSONValue] = []

    init(tenant: String, operatorName: String, requestID: String, db: OpaquePointer?) {
        self.tenant = tenant
        self.operatorName = operatorName
        self.requestID = requestID
        self.dbHandle = db
    }

    /// The (tenant, plugin) database leased to this run, already migrated by the host.
    public var database: Database {
        get throws {
            if let borrowed { return borrowed }
            guard let dbHandle else { throw InternalError("the host passed no database handle for this operator command") }
            let db = Database(borrowing: dbHandle)
            borrowed = db
            return db
        }
    }

    func endLease() { borrowed = nil }

    /// Queues an audit event the host records once the command returns successfully.
    public func emit(_ kind: String, _ details: JSONValue = .object(JSONObject())) {
        events.append(["kind": .string(kind), "details": details])
    }

    public func log(_ message: String, level: LogLevel = .info) { HostServices.log(message, level: level) }

    public var nowMilliseconds: Int64 { HostServices.nowMilliseconds() }

    public var configuration: JSONObject { HostServices.shared?.configuration ?? JSONObject() }
}

public typealias OperatorHandler = @Sendable (OperatorContext, OperatorArguments) throws -> OperatorResult

public struct OperatorCommand: Sendable {
    public let group: String
    public let name: String
    public let summary: String
    public let handler: OperatorHandler

    public init(group: String, name: String, summary: String, handler: @escaping OperatorHandler) {
        self.group = group
        self.name = name
        self.summary = summary
        self.handler = handler
    }
}

// MARK: - The C boundary

final class RegisteredOperatorCommand: @unchecked Sendable {
    let command: OperatorCommand
    init(_ command: OperatorCommand) { self.command = command }
}

extension ExportedPlugin {
    /// Registers the definition's operator commands when the host's registrar offers ABI 1.1's member.
    static func registerOperatorCommands(_ definition: PluginDefinition, _ registrarPointer: UnsafePointer<th_registrar>) -> (th_status, String)? {
        guard !definition.operatorCommands.isEmpty else { return nil }
        guard hasField(registrarPointer, \th_registrar.add_operator_command),
              let add = registrarPointer.pointee.add_operator_command else {
            HostServices.log("this host predates ABI 1.1 operator commands; \(definition.operatorCommands.count) command(s) not offered", level: .warning)
            return nil
        }
        for command in definition.operatorCommands {
            let data = Unmanaged.passRetained(RegisteredOperatorCommand(command)).toOpaque()
            let status = add(registrarPointer.pointee.host, command.group, command.name, command.summary,
                             operatorThunk, releaseThunk, data)
            if status != TH_OK { return (status, "the host refused operator command \"\(command.group) \(command.name)\"") }
        }
        return nil
    }
}

let operatorThunk: th_operator_fn = { data, context, args, length, result in
    OperatorDispatcher.dispatch(data, context, args, length, result)
}

enum OperatorDispatcher {
    static func dispatch(
        _ data: UnsafeMutableRawPointer?, _ contextPointer: UnsafePointer<th_operator_context>?,
        _ args: UnsafePointer<CChar>?, _ length: Int, _ result: UnsafeMutablePointer<th_call_result>?
    ) -> th_status {
        guard let result else { return TH_INVALID_ARGUMENT }
        func fail(_ status: th_status, _ message: String) -> th_status { failCall(result, status, message) }
        guard let data else { return fail(TH_INVALID_ARGUMENT, "operator command was given no command_data") }
        let command = Unmanaged<RegisteredOperatorCommand>.fromOpaque(data).takeUnretainedValue().command

        var positional: [String] = []
        var options = JSONObject()
        if let args, length > 0 {
            guard let parsed = try? JSONParser.parse(UnsafeRawBufferPointer(start: UnsafeRawPointer(args), count: length)),
                  case .object(let object) = parsed else {
                return fail(TH_INVALID_ARGUMENT, "operator arguments are not a JSON object")
            }
            positional = (object["positional"]?.arrayValue ?? []).compactMap(\.stringValue)
            options = object["options"]?.objectValue ?? JSONObject()
        }
        func string(_ field: KeyPath<th_operator_context, UnsafePointer<CChar>?>) -> String {
            guard let contextPointer, let value = loadField(contextPointer, field), let value else { return "" }
            return String(cString: value)
        }
        var db: OpaquePointer?
        if let contextPointer, let raw = loadField(contextPointer, \th_operator_context.db), let raw { db = OpaquePointer(raw) }
        let context = OperatorContext(tenant: string(\.tenant), operatorName: string(\.operator_name),
                                      requestID: string(\.request_id), db: db)
        var object = JSONObject()
        do {
            switch try command.handler(context, OperatorArguments(positional: positional, options: options)) {
            case .ok(let text, let data):
                object["text"] = .string(text)
                object["data"] = data ?? .null
                if !context.events.isEmpty { object["events"] = .array(context.events) }
            case .error(let message):
                object["error"] = .string(message)
            }
        } catch let error as ToolError {
            object["error"] = .string(error.message)
        } catch {
            context.endLease()
            HostServices.log("operator command \(command.group) \(command.name) failed: \(error)", level: .error)
            return fail(TH_ERROR, "operator command \(command.group) \(command.name) failed: \(error)")
        }
        context.endLease()
        let bytes = JSONValue.object(object).serialized()
        guard let memory = malloc(max(bytes.count, 1)) else { return fail(TH_ERROR, "out of memory") }
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        result.pointee.json = UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
        result.pointee.json_len = bytes.count
        result.pointee.release_data = nil
        return TH_OK
    }
}
