import Foundation
import JSON
import ToolsetKit

/// One step of a recipe, as the operator wrote it (JSON) and as a run executes it.
///
///     {"name": "card", "type": "tool", "tool": "kanban.add_card",
///      "arguments": {"project": "ops", "column": "To do", "title": "{{inputs.title}}"}}
///     {"name": "notify", "type": "http", "method": "POST", "url": "https://hooks.example.com/x",
///      "headers": {"X-Source": "toolhost"}, "body": {"card": "{{steps.card.output.id}}"},
///      "timeout_seconds": 10, "retries": 2}
///
/// Strings in `arguments`, `url`, `headers` and `body` may hold {{inputs.…}} and
/// {{steps.NAME.output.…}} (Template).
struct RecipeStep {
    let name: String
    let type: StepType
    let tool: String?
    let arguments: JSONValue
    let method: String
    let url: String?
    let headers: JSONObject
    let body: JSONValue?
    let timeoutSeconds: Double
    let retries: Int

    static let httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    /// Reads and checks one step; `position` (1-based) names it in errors.
    static func parse(_ json: JSONValue, position: Int) throws(ToolError) -> RecipeStep {
        let label = "step \(position)"
        guard let object = json.objectValue else { throw ToolError("\(label) must be an object") }
        let known: Set<String> = ["name", "type", "tool", "arguments", "method", "url", "headers", "body", "timeout_seconds", "retries"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw ToolError("\(label): unknown field \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = object["name"]?.stringValue, !name.isEmpty, name.count <= Limits.stepName,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw ToolError("\(label) needs a \"name\" of 1–\(Limits.stepName) letters, digits, _ or - (later steps refer to it)")
        }
        guard let typeName = object["type"]?.stringValue, let type = StepType(rawValue: typeName) else {
            throw ToolError("step \(name): \"type\" must be one of \(StepType.namesText)")
        }
        let timeout = object["timeout_seconds"]?.doubleValue ?? Limits.httpTimeoutDefault
        let retries = Int(object["retries"]?.intValue ?? 0)
        switch type {
        case .tool:
            guard let tool = object["tool"]?.stringValue, !tool.isEmpty, tool.count <= 130 else {
                throw ToolError("step \(name): a tool step needs \"tool\", e.g. \"kanban.add_card\"")
            }
            let arguments = object["arguments"] ?? .object(JSONObject())
            guard arguments.objectValue != nil else { throw ToolError("step \(name): \"arguments\" must be an object") }
            return RecipeStep(name: name, type: type, tool: tool, arguments: arguments, method: "POST", url: nil, headers: JSONObject(),
                              body: nil, timeoutSeconds: timeout, retries: 0)
        case .http:
            let method = (object["method"]?.stringValue ?? "POST").uppercased()
            guard httpMethods.contains(method) else { throw ToolError("step \(name): \"method\" must be one of \(httpMethods.joined(separator: ", "))") }
            guard let url = object["url"]?.stringValue else { throw ToolError("step \(name): \"url\" must be an http or https URL") }
            // Inputs come from agents: they may fill in a path or a query, never choose the server.
            if let origin = url.range(of: "://").map({ url[$0.upperBound...].prefix { $0 != "/" && $0 != "?" } }), origin.contains("{{") {
                throw ToolError("step \(name): the url's host may not hold placeholders (an agent's inputs must not choose where requests go)")
            }
            // Checked with each placeholder standing in as plain text (braces are not URL characters).
            let sample = Template.withPlaceholdersAs("x", in: url)
            guard let parsed = URL(string: sample), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  parsed.host?.isEmpty == false else {
                throw ToolError("step \(name): \"url\" must be an http or https URL")
            }
            let headers = object["headers"]?.objectValue ?? JSONObject()
            guard headers.members.allSatisfy({ $0.value.stringValue != nil }) else { throw ToolError("step \(name): header values must be strings") }
            guard (1...Limits.httpTimeoutMax).contains(timeout) else {
                throw ToolError("step \(name): \"timeout_seconds\" must be between 1 and \(Int(Limits.httpTimeoutMax))")
            }
            guard (0...Limits.httpRetriesMax).contains(retries) else {
                throw ToolError("step \(name): \"retries\" must be between 0 and \(Limits.httpRetriesMax)")
            }
            return RecipeStep(name: name, type: type, tool: nil, arguments: .object(JSONObject()), method: method, url: url, headers: headers,
                              body: object["body"], timeoutSeconds: timeout, retries: retries)
        }
    }

    /// A list of steps: 1–20, unique names, each referring only to steps before it.
    static func parseList(_ json: JSONValue) throws(ToolError) -> [RecipeStep] {
        guard let array = json.arrayValue, !array.isEmpty, array.count <= Limits.steps else {
            throw ToolError("\"steps\" must be an array of 1–\(Limits.steps) steps")
        }
        var steps: [RecipeStep] = []
        for (index, element) in array.enumerated() {
            let step = try parse(element, position: index + 1)
            if steps.contains(where: { $0.name == step.name }) { throw ToolError("two steps are named \"\(step.name)\"") }
            for reference in Template.stepReferences(in: step.templateParts) where !steps.contains(where: { $0.name == reference }) {
                throw ToolError("step \(step.name) refers to step \"\(reference)\", which does not come before it")
            }
            steps.append(step)
        }
        return steps
    }

    /// Every value that may hold placeholders.
    var templateParts: [JSONValue] {
        [arguments, .object(headers), body ?? .null, url.map(JSONValue.string) ?? .null]
    }

    var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "type": .string(type.rawValue)]
        switch type {
        case .tool:
            object["tool"] = .string(tool ?? "")
            object["arguments"] = arguments
        case .http:
            object["method"] = .string(method)
            object["url"] = .string(url ?? "")
            if !headers.isEmpty { object["headers"] = .object(headers) }
            if let body { object["body"] = body }
            object["timeout_seconds"] = .double(timeoutSeconds)
            object["retries"] = .int(Int64(retries))
        }
        return .object(object)
    }

    /// What agents see of a step in list_recipes: what it does, never the operator's headers.
    var summary: String {
        switch type {
        case .tool: return "\(name): calls \(tool ?? "?")"
        case .http: return "\(name): \(method) \(URL(string: url ?? "")?.host ?? "?")"
        }
    }
}
