import JSON
import JSONSchema

/// What a console-ready operator command (ABI 1.2, header section 7a) declares beyond a 1.1
/// command's group, name and summary: everything a console needs to render and gate it, and what
/// the host needs to build its command line and check its input and output.
struct OperatorCommandMetadata: Sendable {
    var title: String
    var description: String?
    /// nil: the command takes no arguments.
    var inputSchema: JSONValue?
    var inputValidator: CompiledSchema?
    var outputSchema: JSONValue?
    var outputValidator: CompiledSchema?
    var view: OperatorView
    var annotations: ToolAnnotations
    /// A toolset of the same plugin: while it is disabled for a tenant the command is refused there.
    var toolset: String?
    var requiredRole: OperatorRole

    var isDestructive: Bool { annotations.destructive == true && annotations.readOnly != true }

    /// The description `toolhost plugins --json` gives a console (the command's group, name and
    /// summary are added by the caller).
    var json: JSONObject {
        var object = JSONObject()
        object["title"] = .string(title)
        object["description"] = description.map { .string($0) } ?? .null
        object["input_schema"] = inputSchema ?? .null
        object["output_schema"] = outputSchema ?? .null
        object["view"] = view.json
        object["annotations"] = annotations.json ?? .object(JSONObject())
        object["toolset"] = toolset.map { .string($0) } ?? .null
        object["required_role"] = .string(requiredRole.rawValue)
        return object
    }
}
