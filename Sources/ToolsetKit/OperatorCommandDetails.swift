import JSON

// ABI 1.2 console-ready operator commands in Swift (header section 7a):
//
//     OperatorCommand(group: "knowledge", name: "promote", title: "Promote item", summary: "Make a draft live",
//                     input: .object(properties: ["id": .string()], required: ["id"]).positional("id"),
//                     annotations: [.idempotent], toolset: "knowledge", role: .admin) { ctx, args in
//         let id = try args.values.string("id")        // validated by the host before the handler runs
//         …
//     }
//
// The host builds the command line from `input` (`toolhost knowledge promote --tenant T ID`), validates
// what the operator typed, checks `data` against `output`, and refuses the command while `toolset` is
// disabled for the tenant or for an operator whose role ranks below `role`.

/// The lowest operator role that may run a command: viewer < admin < owner.
public enum OperatorRole: String, Sendable, CaseIterable {
    case viewer, admin, owner
}

/// How a console shows a command's `data`.
public enum OperatorView: Sendable {
    /// Show the text (the default).
    case text
    /// `data` is one object, shown as fields.
    case record
    /// An array at `rows` (a JSON Pointer into data; "" = data itself), one row per element.
    case table(rows: String = "", columns: [Column], rowActions: [RowAction] = [])

    public struct Column: Sendable {
        public let key: String
        public let title: String?
        public init(_ key: String, _ title: String? = nil) {
            self.key = key
            self.title = title
        }
    }

    /// A button on each row running another command of the same group; "{key}" in a string of
    /// `args` is replaced by the row's member.
    public struct RowAction: Sendable {
        public let command: String
        public let label: String?
        public let args: JSONObject
        public init(_ command: String, label: String? = nil, args: JSONObject = JSONObject()) {
            self.command = command
            self.label = label
            self.args = args
        }
    }

    var json: JSONValue {
        switch self {
        case .text: return ["kind": "text"]
        case .record: return ["kind": "record"]
        case .table(let rows, let columns, let actions):
            var object: JSONObject = ["kind": "table", "rows": .string(rows)]
            object["columns"] = .array(columns.map { column in
                var entry: JSONObject = ["key": .string(column.key)]
                if let title = column.title { entry["title"] = .string(title) }
                return .object(entry)
            })
            if !actions.isEmpty {
                object["row_actions"] = .array(actions.map { action in
                    var entry: JSONObject = ["command": .string(action.command)]
                    if let label = action.label { entry["label"] = .string(label) }
                    entry["args"] = .object(action.args)
                    return .object(entry)
                })
            }
            return .object(object)
        }
    }
}

/// What a console-ready command declares beyond its group, name and summary.
public struct OperatorCommandDetails: Sendable {
    public var title: String
    public var description: String?
    /// The arguments; nil = the command takes none. Give positional operands with `.positional(…)`.
    public var input: Schema?
    public var output: Schema?
    public var view: OperatorView
    public var annotations: [ToolAnnotation]
    public var toolset: String?
    public var role: OperatorRole
}

extension Schema {
    /// A secret property (header section 7a, "x-secret"): the CLI reads it from stdin with
    /// --NAME-stdin and refuses it on the command line; a console shows a password input.
    public var secret: Schema {
        guard case .object(var object) = json else { return self }
        object["x-secret"] = .bool(true)
        return Schema(.object(object))
    }

    /// The same object schema with "x-positional": the properties the command line's operands
    /// fill, in order (`toolhost knowledge promote --tenant T ID`).
    public func positional(_ names: String...) -> Schema {
        guard case .object(var object) = json else { return self }
        object["x-positional"] = .array(names.map { .string($0) })
        return Schema(.object(object))
    }
}
