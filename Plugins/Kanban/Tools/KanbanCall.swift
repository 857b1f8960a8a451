import JSON
import ToolsetKit

/// What every kanban tool needs from its call: the store at the call's instant, the arguments and
/// the token the call came with (cards it adds are attributed to it).
struct KanbanCall {
    let store: KanbanStore
    let arguments: ToolArguments
    let tokenID: String
    let tokenName: String

    init(_ call: ToolCall) throws {
        store = KanbanStore(try call.database, now: call.nowMilliseconds)
        arguments = call.arguments
        tokenID = call.context.tokenID
        tokenName = call.context.tokenName.isEmpty ? "external tool" : call.context.tokenName
    }

    func limit() throws(ToolError) -> Int {
        try arguments.pageLimit(default: Limits.pageDefault, max: Limits.pageMax)
    }

    /// Where the page given by the cursor argument starts (exclusive); nil without a cursor.
    func cursor(_ list: CursorList, filters: [String] = []) throws(ToolError) -> Int64? {
        try arguments.cursorPosition(list: list.rawValue, filters: filters)
    }

    /// next_cursor for a page that ended at `position`: null when there is no more.
    func nextCursor(_ list: CursorList, filters: [String] = [], position: Int64?) -> JSONValue {
        PageCursor.next(list: list.rawValue, filters: filters, position: position)
    }
}

/// The lists that page, each with its cursors' tag (versioned: a changed cursor layout gets a new tag).
enum CursorList: String {
    case projects = "p1"
    case cards = "c1"
}
