import JSON
import PipelineEngine
import ToolsetKit

/// What every pipelines tool needs from its call: the store at the call's instant, the arguments
/// and who is calling (every change is attributed to the token).
struct PipelinesCall {
    let call: ToolCall
    let store: PipelinesStore
    let arguments: ToolArguments
    /// The token id: what history and audit events record.
    let who: String
    let whoName: String

    init(_ call: ToolCall) throws {
        self.call = call
        store = PipelinesStore(try call.database, now: call.nowMilliseconds)
        arguments = call.arguments
        who = call.context.tokenID
        whoName = call.context.tokenName.isEmpty ? call.context.tokenID : call.context.tokenName
    }

    func write<T>(_ body: () throws -> T) throws -> T { try store.write(body) }

    /// Connections opened for this call (passwords unsealed with the tenant's key).
    func opener() throws -> ConnectionOpener {
        ConnectionOpener(store: store, folder: try call.filesFolder())
    }

    func limit() throws(ToolError) -> Int {
        try arguments.pageLimit(default: Limits.pageDefault, max: Limits.pageMax)
    }

    func cursor(_ list: CursorList, filters: [String] = []) throws(ToolError) -> Int64? {
        try arguments.cursorPosition(list: list.rawValue, filters: filters)
    }

    func nextCursor(_ list: CursorList, filters: [String] = [], position: Int64?) -> JSONValue {
        PageCursor.next(list: list.rawValue, filters: filters, position: position)
    }

    /// A bounded integer argument with a default, refused (not clamped) outside its range.
    func bounded(_ key: String, default value: Int, max: Int, min: Int = 1) throws(ToolError) -> Int {
        try arguments.integer(key, default: value, in: min...max)
    }

    /// Records the change in the host's audit trail with the token that made it.
    func audit(_ kind: AuditKind, _ details: JSONObject) {
        var details = details
        details["by"] = .string(who)
        details["by_name"] = .string(whoName)
        call.emit(kind.rawValue, .object(details))
    }
}

/// The lists that page, each with its cursors' tag.
enum CursorList: String {
    case workspaces = "pw1"
    case packages = "pp1"
    case connections = "pc1"
    case clusters = "pk1"
    case runs = "pr1"
    case schedules = "ps1"
}

/// Milliseconds as the RFC 3339 UTC text every tool returns.
func timeJSON(_ ms: Int64?) -> JSONValue { .time(ms) }
