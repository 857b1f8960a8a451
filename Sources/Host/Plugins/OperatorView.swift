import JSON

/// The view hint of a console-ready operator command (header section 7a): how a console shows the
/// command's `data`. Checked when the plugin loads, so a console can render any view the host
/// accepted without second-guessing it: a wrong view refuses the plugin instead of breaking a page.
struct OperatorView: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case text, record, table
    }

    let kind: Kind
    /// The hint as registered (the default text view when none was given), for `plugins --json`.
    let json: JSONValue
    /// The commands of the same group its row actions name.
    let actionCommands: [String]

    static let text = OperatorView(kind: .text, json: ["kind": "text"], actionCommands: [])

    /// The members each kind may carry; anything else is refused rather than silently ignored.
    private static let members: [Kind: Set<String>] = [
        .text: ["kind"], .record: ["kind"], .table: ["kind", "rows", "columns", "row_actions"],
    ]

    /// Parses and checks a view's shape; the error says what is wrong. Whether the action commands
    /// exist is checked once init has registered them all (`unknownAction`).
    static func parse(_ json: JSONValue) -> Result<OperatorView, DefinitionProblem> {
        guard case .object(let object) = json else { return .failure("view_json must be a JSON object") }
        guard let kindName = object["kind"]?.stringValue, let kind = Kind(rawValue: kindName) else {
            return .failure("view kind must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let extra = object.keys.first(where: { !members[kind]!.contains($0) }) {
            return .failure("a \(kind.rawValue) view has no member \"\(extra)\"")
        }
        guard kind == .table else { return .success(OperatorView(kind: kind, json: json, actionCommands: [])) }
        if let problem = checkRows(object["rows"]) ?? checkColumns(object["columns"]) { return .failure(problem) }
        return parseActions(object["row_actions"]).map { OperatorView(kind: kind, json: json, actionCommands: $0) }
    }

    /// The first row action naming a command that `group` does not have, as a refusal.
    func unknownAction(groupCommands: Set<String>) -> String? {
        actionCommands.first { !groupCommands.contains($0) }.map { "row action names command \"\($0)\", which its group does not register" }
    }

    // MARK: table parts

    /// A JSON Pointer (RFC 6901): "" or "/…".
    private static func checkRows(_ rows: JSONValue?) -> DefinitionProblem? {
        guard let rows else { return "a table view needs \"rows\", a JSON Pointer to the array in data (\"\" for data itself)" }
        guard let pointer = rows.stringValue, pointer.isEmpty || pointer.hasPrefix("/") else {
            return "table \"rows\" must be a JSON Pointer string: \"\" or starting with \"/\""
        }
        return nil
    }

    private static func checkColumns(_ columns: JSONValue?) -> DefinitionProblem? {
        guard let list = columns?.arrayValue, !list.isEmpty else { return "a table view needs \"columns\", a non-empty array" }
        for (index, column) in list.enumerated() {
            guard let key = column["key"]?.stringValue, !key.isEmpty else { return "table column \(index) needs a non-empty string \"key\"" }
            if let title = column["title"], title.stringValue == nil { return "table column \"\(key)\": \"title\" must be a string" }
            if let extra = column.objectValue?.keys.first(where: { $0 != "key" && $0 != "title" }) {
                return "table column \"\(key)\" has no member \"\(extra)\""
            }
        }
        return nil
    }

    private static func parseActions(_ actions: JSONValue?) -> Result<[String], DefinitionProblem> {
        guard let actions else { return .success([]) }
        guard let list = actions.arrayValue else { return .failure("table \"row_actions\" must be an array") }
        var commands: [String] = []
        for (index, action) in list.enumerated() {
            guard let command = action["command"]?.stringValue, !command.isEmpty else {
                return .failure("row action \(index) needs a string \"command\"")
            }
            if let label = action["label"], label.stringValue == nil { return .failure("row action \"\(command)\": \"label\" must be a string") }
            if let args = action["args"], args.objectValue == nil { return .failure("row action \"\(command)\": \"args\" must be an object") }
            if let extra = action.objectValue?.keys.first(where: { !["command", "label", "args"].contains($0) }) {
                return .failure("row action \"\(command)\" has no member \"\(extra)\"")
            }
            commands.append(command)
        }
        return .success(commands)
    }
}

/// Why an operator command definition (its view, schemas or role) was refused.
struct DefinitionProblem: Error, ExpressibleByStringInterpolation, CustomStringConvertible {
    let description: String
    init(stringLiteral value: String) { description = value }
    init(_ value: String) { description = value }
}
