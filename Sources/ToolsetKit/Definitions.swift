// ToolsetKit: what a Swift toolset links statically to become a Toolhost plugin.
//
//     let plugin = PluginDefinition(name: "x", version: "1.0.0", description: "…", migrations: ["CREATE TABLE …"],
//         toolsets: [Toolset(name: "x", description: "…", tools: [
//             Tool(name: "get_thing", description: "…", input: .object(properties: ["id": .string()], required: ["id"]),
//                  output: .object(…), annotations: [.readOnly, .idempotent]) { call in
//                 let id = try call.arguments.string("id")        // ToolError "\"id\" is required" etc.
//                 guard let row = try call.database.queryOne(…) else { throw ToolError("No thing \(id)") }
//                 return .structured(json)
//             }])])
//     @_cdecl("toolhost_plugin_entry") public func toolhostPluginEntry() -> UnsafeRawPointer { plugin.export() }
//
// A thrown ToolError becomes an isError result (TH_OK); any other error becomes TH_ERROR with a message.
import JSON

/// MCP tool annotations (hints to clients). State only what you mean: an annotation that is not
/// listed is not sent at all; the `not…` forms state an explicit `false`.
public enum ToolAnnotation: Sendable, Hashable {
    case readOnly, notReadOnly
    case destructive, notDestructive
    case idempotent, notIdempotent
    case openWorld, closedWorld
}

/// What a tool's handler returns.
public enum ToolResult: Sendable {
    /// `structuredContent` = json; one text block holding `text`, or the serialized json when nil.
    case structured(JSONValue, text: String? = nil)
    /// As `structured`, with more content blocks after the text block (a resource_link, an image);
    /// build it with `.structured(json, text:, content:)` (ContentBlock.swift).
    case structuredWithContent(JSONValue, text: String?, content: [ContentBlock])
    /// A plain text result (no structuredContent: only for tools without an output schema).
    case text(String)
    /// A domain failure the model can act on: `isError: true` with this text.
    case error(String)
}

/// Throw this from a tool for a failure the caller can fix; it becomes an `isError` result with
/// `message` as its text. Any other error is reported to the host as an internal failure.
public struct ToolError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public typealias ToolHandler = @Sendable (ToolCall) throws -> ToolResult

public struct Tool: Sendable {
    public let name: String
    public let title: String?
    public let description: String
    public let input: Schema
    public let output: Schema?
    public let annotations: [ToolAnnotation]
    /// Stricter minimum plan than the toolset's, if any.
    public let minPlan: String?
    public let handler: ToolHandler

    public init(
        name: String,
        title: String? = nil,
        description: String,
        input: Schema = .object(),
        output: Schema? = nil,
        annotations: [ToolAnnotation] = [],
        minPlan: String? = nil,
        handler: @escaping ToolHandler
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.input = input
        self.output = output
        self.annotations = annotations
        self.minPlan = minPlan
        self.handler = handler
    }
}

public struct Toolset: Sendable {
    public let name: String
    public let title: String?
    public let description: String
    public let minPlan: String?
    /// `{"key": {"description": "...", "type": "array"}}` for resource restrictions this toolset understands.
    public let restrictionKeys: JSONValue?
    public let tools: [Tool]
    /// ABI 1.2: named sets of these tools that tokens can be granted (header section 9).
    public let scopes: [ToolsetScope]

    public init(
        name: String,
        title: String? = nil,
        description: String,
        minPlan: String? = nil,
        restrictionKeys: JSONValue? = nil,
        tools: [Tool],
        scopes: [ToolsetScope] = []
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.minPlan = minPlan
        self.restrictionKeys = restrictionKeys
        self.tools = tools
        self.scopes = scopes
    }
}

/// A whole plugin: identity, ordered migrations (migration N = index N-1) and toolsets.
public struct PluginDefinition: Sendable {
    public let name: String
    public let version: String
    public let description: String
    public let migrations: [String]
    public let toolsets: [Toolset]
    /// ABI 1.1 operator commands (`toolhost <group> <name> …`). ToolsetKit builds every plugin against
    /// ABI 1.1, which a 1.0 host refuses at its magic check, with or without operator commands.
    public let operatorCommands: [OperatorCommand]
    /// ABI 1.2 background job kinds (header section 8; see Jobs.swift).
    public let jobs: [Job]
    /// ABI 1.2 handlers of host-signed links (header section 11; see Links.swift).
    public let httpHandlers: [HTTPHandler]

    public init(name: String, version: String, description: String, migrations: [String] = [], toolsets: [Toolset],
                operatorCommands: [OperatorCommand] = [], jobs: [Job] = [], httpHandlers: [HTTPHandler] = []) {
        self.httpHandlers = httpHandlers
        self.name = name
        self.version = version
        self.description = description
        self.migrations = migrations
        self.toolsets = toolsets
        self.operatorCommands = operatorCommands
        self.jobs = jobs
    }

    /// Problems that would make the host refuse the registration, found before talking to it.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        func isName(_ s: String, maxLength: Int, extra: Set<Character>) -> Bool {
            !s.isEmpty && s.count <= maxLength && s.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || extra.contains($0) }
        }
        if !isName(name, maxLength: 32, extra: ["_", "-"]) { problems.append("plugin name \"\(name)\" must match [a-z0-9_-]{1,32}") }
        var toolsetNames = Set<String>()
        for toolset in toolsets {
            if !isName(toolset.name, maxLength: 32, extra: ["_", "-"]) { problems.append("toolset name \"\(toolset.name)\" must match [a-z0-9_-]{1,32}") }
            if !toolsetNames.insert(toolset.name).inserted { problems.append("toolset \"\(toolset.name)\" is defined twice") }
            var toolNames = Set<String>()
            for tool in toolset.tools {
                let valid = !tool.name.isEmpty && tool.name.utf8.count <= 64 && tool.name.allSatisfy {
                    $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".")
                }
                if !valid { problems.append("tool name \"\(tool.name)\" must be 1-64 chars of A-Z a-z 0-9 _ - .") }
                if !toolNames.insert(tool.name).inserted { problems.append("tool \"\(tool.name)\" is defined twice in toolset \"\(toolset.name)\"") }
                if tool.input.rootType != "object" { problems.append("tool \"\(tool.name)\": input schema root type must be \"object\"") }
                if let output = tool.output, output.rootType != "object" { problems.append("tool \"\(tool.name)\": output schema root type must be \"object\"") }
            }
            var scopeNames = Set<String>()
            for scope in toolset.scopes {
                problems += scope.problems(in: toolset)
                if !scopeNames.insert(scope.name).inserted { problems.append("scope \"\(scope.name)\" is defined twice in toolset \"\(toolset.name)\"") }
            }
        }
        var commandNames = Set<String>()
        for command in operatorCommands {
            if !isName(command.group, maxLength: 32, extra: ["_", "-"]) || !isName(command.name, maxLength: 32, extra: ["_", "-"]) {
                problems.append("operator command \"\(command.group) \(command.name)\": group and name must match [a-z0-9_-]{1,32}")
            }
            if !commandNames.insert(command.group + " " + command.name).inserted {
                problems.append("operator command \"\(command.group) \(command.name)\" is defined twice")
            }
        }
        var kinds = Set<String>()
        for job in jobs {
            if !isName(job.kind, maxLength: 64, extra: ["_", "-", "."]) { problems.append("job kind \"\(job.kind)\" must match [a-z0-9_.-]{1,64}") }
            if !kinds.insert(job.kind).inserted { problems.append("job kind \"\(job.kind)\" is defined twice") }
            if !toolsetNames.contains(job.toolset) { problems.append("job kind \"\(job.kind)\" names toolset \"\(job.toolset)\", which this plugin does not define") }
        }
        return problems
    }
}
