/// Kanban's closed vocabularies, each written once: schemas' enums, command dispatch and audit
/// kinds all come from these.

/// `toolhost kanban project create|list`.
enum ProjectAction: String, CaseIterable {
    case create, list
}

/// `toolhost kanban column add|rename|remove`.
enum ColumnAction: String, CaseIterable {
    case add, rename, remove
}

/// What the host's audit trail records of a change (`kanban.card_moved`, …). Stable: people filter on them.
enum AuditKind: String, CaseIterable {
    case cardAdded = "kanban.card_added"
    case cardMoved = "kanban.card_moved"
    case cardEdited = "kanban.card_edited"
    case cardArchived = "kanban.card_archived"
    case projectCreated = "kanban.project_created"
    case columnAdded = "kanban.column_added"
    case columnRenamed = "kanban.column_renamed"
    case columnRemoved = "kanban.column_removed"
}

/// The fields `kanban edit` can change, as the audit event and the answer name them.
enum CardField: String, CaseIterable {
    case title, description, assignee, due, labels
}

extension CaseIterable where Self: RawRepresentable, RawValue == String {
    static var names: [String] { allCases.map(\.rawValue) }
    static var namesText: String { names.joined(separator: ", ") }
}
