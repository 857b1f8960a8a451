import JSON
import ToolsetKit

/// What the humans' commands share: the store at the command's instant and the operator
/// (`cli:dana`), who every audit event names.
struct HumanCall {
    let store: KanbanStore
    let context: OperatorContext

    init(_ context: OperatorContext) throws {
        store = KanbanStore(try context.database, now: context.nowMilliseconds)
        self.context = context
    }

    func write<T>(_ body: () throws -> T) throws -> T { try store.write(body) }

    /// Records the human's change in the host's audit trail, with who made it.
    func audit(_ kind: AuditKind, _ details: JSONObject) {
        var details = details
        details["by"] = .string(context.operatorName)
        context.emit(kind.rawValue, .object(details))
    }
}
