import JSON
import ToolsetKit

/// What the humans' commands share: the store at the command's instant and the operator
/// (`cli:dana`), whom every audit event and version names.
struct OperatorCall {
    let context: OperatorContext
    let store: PipelinesStore
    let values: ToolArguments

    init(_ context: OperatorContext, _ args: OperatorArguments) throws {
        self.context = context
        store = PipelinesStore(try context.database, now: context.nowMilliseconds)
        values = args.values
    }

    var who: String { context.operatorName }

    func write<T>(_ body: () throws -> T) throws -> T { try store.write(body) }

    func action<A: RawRepresentable>(_ type: A.Type) throws -> A where A.RawValue == String {
        let word = try values.string("action")
        guard let action = A(rawValue: word) else { throw ToolError("unknown action \"\(word)\"") }
        return action
    }

    func audit(_ kind: AuditKind, _ details: JSONObject) {
        var details = details
        details["by"] = .string(who)
        context.emit(kind.rawValue, .object(details))
    }
}
