import Foundation
import JSON
import PluginABI
import SQLite

/// The arguments object of a call, with typed getters whose errors are messages a model can act on.
/// A key that is absent or JSON null counts as "not given".
public struct Arguments: Sendable {
    public let raw: JSONObject

    public init(_ raw: JSONObject) { self.raw = raw }

    public subscript(key: String) -> JSONValue? { raw[key] }

    /// True if the key is present and not null.
    public func has(_ key: String) -> Bool {
        if let value = raw[key], !value.isNull { return true }
        return false
    }

    private func value(_ key: String) -> JSONValue? {
        guard let value = raw[key], !value.isNull else { return nil }
        return value
    }

    private func required(_ key: String) throws(ToolError) -> JSONValue {
        guard let value = value(key) else { throw ToolError("\"\(key)\" is required") }
        return value
    }

    public func string(_ key: String) throws(ToolError) -> String {
        guard let s = try required(key).stringValue else { throw ToolError("\"\(key)\" must be a string") }
        return s
    }

    public func optionalString(_ key: String) throws(ToolError) -> String? {
        guard let value = value(key) else { return nil }
        guard let s = value.stringValue else { throw ToolError("\"\(key)\" must be a string") }
        return s
    }

    public func int(_ key: String) throws(ToolError) -> Int {
        guard let i = try required(key).intValue, let int = Int(exactly: i) else { throw ToolError("\"\(key)\" must be an integer") }
        return int
    }

    public func optionalInt(_ key: String) throws(ToolError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let i = value.intValue, let int = Int(exactly: i) else { throw ToolError("\"\(key)\" must be an integer") }
        return int
    }

    public func bool(_ key: String) throws(ToolError) -> Bool {
        guard let b = try required(key).boolValue else { throw ToolError("\"\(key)\" must be a boolean") }
        return b
    }

    public func optionalBool(_ key: String) throws(ToolError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let b = value.boolValue else { throw ToolError("\"\(key)\" must be a boolean") }
        return b
    }

    public func object(_ key: String) throws(ToolError) -> JSONObject {
        guard let o = try required(key).objectValue else { throw ToolError("\"\(key)\" must be an object") }
        return o
    }

    public func optionalObject(_ key: String) throws(ToolError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let o = value.objectValue else { throw ToolError("\"\(key)\" must be an object") }
        return o
    }

    public func array(_ key: String) throws(ToolError) -> [JSONValue] {
        guard let a = try required(key).arrayValue else { throw ToolError("\"\(key)\" must be an array") }
        return a
    }

    public func optionalArray(_ key: String) throws(ToolError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let a = value.arrayValue else { throw ToolError("\"\(key)\" must be an array") }
        return a
    }
}

/// Who is calling, copied out of the host's borrowed th_call_context.
public struct CallContext: Sendable {
    public let tenant: String
    public let toolset: String
    public let tokenID: String
    public let tokenName: String
    public let scopes: [String]
    public let restrictions: JSONObject
    public let requestID: String

    public init(tenant: String, toolset: String, tokenID: String, tokenName: String,
                scopes: [String], restrictions: JSONObject, requestID: String) {
        self.tenant = tenant
        self.toolset = toolset
        self.tokenID = tokenID
        self.tokenName = tokenName
        self.scopes = scopes
        self.restrictions = restrictions
        self.requestID = requestID
    }
}

public enum LogLevel: Sendable {
    case debug, info, warning, error

    var c: th_log_level {
        switch self {
        case .debug: return TH_LOG_DEBUG
        case .info: return TH_LOG_INFO
        case .warning: return TH_LOG_WARNING
        case .error: return TH_LOG_ERROR
        }
    }
}

/// A failure of the plugin itself (not the caller's fault): reported to the host as TH_ERROR.
public struct InternalError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One tool invocation. Valid only while the handler runs: do not keep it (or its database).
public final class ToolCall {
    public let tool: String
    public let arguments: Arguments
    public let context: CallContext
    let rawContext: UnsafePointer<th_call_context>?
    private let dbHandle: OpaquePointer?
    private var borrowed: Database?

    init(tool: String, arguments: Arguments, context: CallContext,
         rawContext: UnsafePointer<th_call_context>?, db: OpaquePointer?) {
        self.tool = tool
        self.arguments = arguments
        self.context = context
        self.rawContext = rawContext
        self.dbHandle = db
    }

    /// The (tenant, plugin) database leased to this call, already migrated by the host.
    public var database: Database {
        get throws {
            if let borrowed { return borrowed }
            guard let dbHandle else { throw InternalError("the host passed no database handle for this call") }
            let db = BorrowedDatabases.wrapper(for: dbHandle)
            borrowed = db
            return db
        }
    }

    /// Forgets the wrapper at the end of the call; its prepared statements stay cached for the
    /// next call that is leased the same connection.
    func endLease() { borrowed = nil }

    /// Records an audit event (e.g. "booking.created") attributed to this call. False if the host refused it.
    @discardableResult
    public func emit(_ kind: String, _ details: JSONValue = .object(JSONObject())) -> Bool {
        guard let host = HostServices.shared, let emit = host.api.emit_event, let rawContext else { return false }
        let bytes = details.serialized()
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                emit(host.api.host, rawContext, kind, $0, buffer.count)
            }
        }
        return status == TH_OK
    }

    public func log(_ message: String, level: LogLevel = .info) {
        HostServices.log(message, level: level)
    }

    /// Wall-clock milliseconds since the Unix epoch, from the host (tests may pin it).
    public var nowMilliseconds: Int64 { HostServices.nowMilliseconds() }

    /// The host clock as a Date.
    public var now: Date { Date(timeIntervalSince1970: Double(nowMilliseconds) / 1000) }

    /// This plugin's configuration object from the host ("{}" when none).
    public var configuration: JSONObject { HostServices.shared?.configuration ?? JSONObject() }
}

/// One `Database` wrapper per connection the host hands out, so prepared statements survive
/// from call to call: preparing (parsing SQL) costs more than running a simple query.
/// Safe because the host keeps its connections for the life of the process and leases each to
/// one call at a time (header, sections 4–5), and because a connection closed with
/// sqlite3_close_v2 stays allocated while statements exist, so its address cannot be reused.
enum BorrowedDatabases {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var wrappers: [OpaquePointer: Database] = [:]

    static func wrapper(for handle: OpaquePointer) -> Database {
        lock.lock()
        defer { lock.unlock() }
        if let existing = wrappers[handle] { return existing }
        let created = Database(borrowing: handle)
        wrappers[handle] = created
        return created
    }
}
