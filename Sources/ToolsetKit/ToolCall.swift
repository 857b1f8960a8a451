import Foundation
import JSON
import PluginABI
import SQLite

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
    public let arguments: ToolArguments
    public let context: CallContext
    let rawContext: UnsafePointer<th_call_context>?
    private var lease: DatabaseLease

    init(tool: String, arguments: ToolArguments, context: CallContext,
         rawContext: UnsafePointer<th_call_context>?, db: OpaquePointer?) {
        self.tool = tool
        self.arguments = arguments
        self.context = context
        self.rawContext = rawContext
        self.lease = DatabaseLease(handle: db, holder: "call")
    }

    /// The (tenant, plugin) database leased to this call, already migrated by the host.
    public var database: Database {
        get throws { try lease.database() }
    }

    /// Hands the wrapper back at the end of the call; its prepared statements stay cached for the
    /// next call that is leased the same connection.
    func endLease() { lease.end() }

    /// Records an audit event (e.g. "booking.created") attributed to this call. False if the host refused it.
    @discardableResult
    public func emit(_ kind: String, _ details: JSONValue = .object(JSONObject())) -> Bool {
        guard let host = HostAPI.current, let emit = host.table.emit_event, let rawContext else { return false }
        let bytes = details.serialized()
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                emit(host.table.host, rawContext, kind, $0, buffer.count)
            }
        }
        return status == TH_OK
    }

    public func log(_ message: String, level: LogLevel = .info) {
        HostAPI.log(message, level: level)
    }

    /// Wall-clock milliseconds since the Unix epoch, from the host (tests may pin it).
    public var nowMilliseconds: Int64 { HostAPI.nowMilliseconds() }

    /// The host clock as a Date.
    public var now: Date { Date(timeIntervalSince1970: Double(nowMilliseconds) / 1000) }

    /// This plugin's configuration object from the host ("{}" when none).
    public var configuration: JSONObject { HostAPI.configurationObject }
}
