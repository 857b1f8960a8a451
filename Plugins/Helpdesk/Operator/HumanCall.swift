import ToolsetKit

/// What the humans' commands share: the store at the command's instant, the deployer's settings,
/// and the operator as the actor (`cli:dana`), so their actions are attributed to them.
struct HumanCall {
    let store: HelpdeskStore
    let settings: HelpdeskSettings
    let human: Actor
    let context: OperatorContext

    init(_ context: OperatorContext) throws {
        store = HelpdeskStore(try context.database, now: context.nowMilliseconds)
        settings = HelpdeskSettings(context.configuration)
        human = .user(name: context.operatorName)
        self.context = context
    }

    func write<T>(_ body: () throws -> T) throws -> T { try store.database.transaction(body) }

    func conversation(_ id: String) throws -> Conversation {
        guard let conversation = try store.conversation(id: id, scope: .everything) else { throw ToolError(HelpdeskStore.noConversation(id)) }
        return conversation
    }

    func inbox(_ slug: String) throws -> Inbox {
        guard let inbox = try store.inbox(slug: slug) else {
            let known = try store.inboxes().map(\.slug)
            throw ToolError("no inbox \"\(slug)\" (inboxes: \(known.isEmpty ? "none yet; create one with toolhost helpdesk inbox create" : known.joined(separator: ", ")))")
        }
        return inbox
    }

    /// Records the human's action in the host's audit trail too (the events feed is the agents' view).
    func audit(_ kind: String, _ details: JSONValue) { context.emit("helpdesk.\(kind)", details) }
}
