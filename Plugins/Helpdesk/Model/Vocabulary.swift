/// The helpdesk's closed vocabularies, each written once: schemas' enums, SQL CHECKs' values and
/// validation all come from these.

enum ConversationStatus: String, CaseIterable {
    case open, pending, snoozed, resolved
}

enum MessageKind: String, CaseIterable {
    /// From the customer.
    case incoming
    /// To the customer, from a teammate or a bot.
    case outgoing
    /// A private note: only the team sees it.
    case note
    /// Something that happened (resolved, reopened, assigned), written by the system.
    case activity
}

enum Channel: String, CaseIterable {
    case email, web, api
}

enum Priority: String, CaseIterable {
    case low, medium, high, urgent
}

enum DraftStatus: String, CaseIterable {
    case pending, approved, rejected
}

/// What the events feed reports. Kinds are `noun.verb`, stable: agents filter on them.
enum EventKind: String, CaseIterable {
    case messageCreated = "message.created"
    case conversationCreated = "conversation.created"
    case conversationStatusChanged = "conversation.status_changed"
    case conversationAssigned = "conversation.assigned"
    case conversationLabelsChanged = "conversation.labels_changed"
    case draftCreated = "draft.created"
    case draftApproved = "draft.approved"
    case draftRejected = "draft.rejected"
    case contactCreated = "contact.created"
    case contactUpdated = "contact.updated"
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    static var names: [String] { allCases.map(\.rawValue) }
    static var namesText: String { names.joined(separator: ", ") }
}
