import ToolsetKit

/// Who wrote a message or made a change. A token always acts as its bot: the name and id of the
/// token it called with, never a person's name, whatever the call asked for.
enum Actor: Equatable {
    case contact(id: String, name: String?)
    case bot(tokenID: String, name: String)
    case user(name: String)
    case system

    /// The bot behind a tool call.
    static func bot(_ context: CallContext) -> Actor {
        .bot(tokenID: context.tokenID, name: context.tokenName.isEmpty ? "bot" : context.tokenName)
    }

    var type: String {
        switch self {
        case .contact: return "contact"
        case .bot: return "bot"
        case .user: return "user"
        case .system: return "system"
        }
    }

    var id: String? {
        switch self {
        case .contact(let id, _): return id
        case .bot(let tokenID, _): return tokenID
        case .user, .system: return nil
        }
    }

    var name: String? {
        switch self {
        case .contact(_, let name): return name
        case .bot(_, let name): return name
        case .user(let name): return name
        case .system: return nil
        }
    }

    /// Stored in conversations.started_by and shown as `by` in events: `bot:NAME (ID)`, `user:NAME`.
    var label: String {
        switch self {
        case .contact(let id, _): return "contact:\(id)"
        case .bot(let tokenID, let name): return "bot:\(name) (\(tokenID))"
        case .user(let name): return "user:\(name)"
        case .system: return "system"
        }
    }

    var json: JSONValue {
        ["type": .string(type), "id": id.map(JSONValue.string) ?? .null, "name": name.map(JSONValue.string) ?? .null]
    }

    init(type: String, id: String?, name: String?) {
        switch type {
        case "contact": self = .contact(id: id ?? "", name: name)
        case "bot": self = .bot(tokenID: id ?? "", name: name ?? "bot")
        case "user": self = .user(name: name ?? "")
        default: self = .system
        }
    }
}
