import Foundation
import JSON

/// What a toolset may put in a CallToolResult's `content` (spec digest §5), checked before any
/// result leaves the host, like `structuredContent` against the output schema: clients parse
/// these blocks strictly (the official Python client fails on a text block whose `text` is not a
/// string), so a malformed block is the toolset's failure, not the client's.
///   text           {text}
///   image, audio   {data (base64), mimeType}
///   resource_link  {uri, name, title?, description?, mimeType?, size?}
///   resource       {resource: {uri, mimeType?, text | blob}}
/// Any block may carry `annotations {audience?, priority?, lastModified?}` and `_meta`.
enum ContentBlocks {
    /// nil when every block is well-formed; otherwise which block and what is wrong with it.
    static func problem(in content: [JSONValue]) -> String? {
        for (index, block) in content.enumerated() {
            if let problem = problem(inBlock: block) { return "content[\(index)]: \(problem)" }
        }
        return nil
    }

    private static func problem(inBlock block: JSONValue) -> String? {
        guard let object = block.objectValue else { return "a content block must be an object, not \(block.typeName)" }
        guard let type = object["type"]?.stringValue else { return "\"type\" must be a string" }
        if let problem = sharedFieldsProblem(object) { return problem }
        switch type {
        case "text":
            return requireString(object, "text", of: type)
        case "image", "audio":
            return requireString(object, "data", of: type) ?? base64Problem(object["data"], of: type)
                ?? requireString(object, "mimeType", of: type)
        case "resource_link":
            return requireString(object, "uri", of: type) ?? requireString(object, "name", of: type)
                ?? optionalString(object, "title", of: type) ?? optionalString(object, "description", of: type)
                ?? optionalString(object, "mimeType", of: type) ?? optionalInteger(object, "size", of: type)
        case "resource":
            return embeddedResourceProblem(object["resource"])
        default:
            return "unknown content type \"\(type)\" (text, image, audio, resource_link or resource)"
        }
    }

    private static func embeddedResourceProblem(_ value: JSONValue?) -> String? {
        guard let resource = value?.objectValue else { return "a resource block needs \"resource\" (an object)" }
        if let problem = requireString(resource, "uri", of: "resource.resource") ?? optionalString(resource, "mimeType", of: "resource.resource") {
            return problem
        }
        switch (resource["text"], resource["blob"]) {
        case (.string?, nil): return nil
        case (nil, .string(let blob)?): return base64Problem(.string(blob), of: "resource.resource")
        default: return "resource.resource needs exactly one of \"text\" or \"blob\" (a string)"
        }
    }

    /// `annotations` and `_meta`, which every block type may carry.
    private static func sharedFieldsProblem(_ object: JSONObject) -> String? {
        if let meta = object["_meta"], meta.objectValue == nil { return "\"_meta\" must be an object" }
        guard let annotations = object["annotations"] else { return nil }
        guard let fields = annotations.objectValue else { return "\"annotations\" must be an object" }
        if let audience = fields["audience"] {
            guard let roles = audience.arrayValue, roles.allSatisfy({ $0 == "user" || $0 == "assistant" }) else {
                return "annotations.audience must be an array of \"user\" and \"assistant\""
            }
        }
        if let priority = fields["priority"] {
            guard let value = priority.doubleValue, value >= 0, value <= 1 else { return "annotations.priority must be a number from 0 to 1" }
        }
        if let modified = fields["lastModified"], modified.stringValue == nil { return "annotations.lastModified must be a string" }
        return nil
    }

    private static func requireString(_ object: JSONObject, _ key: String, of type: String) -> String? {
        object[key]?.stringValue == nil ? "\(article(type)) \(type) block needs \"\(key)\" (a string)" : nil
    }

    private static func optionalString(_ object: JSONObject, _ key: String, of type: String) -> String? {
        guard let value = object[key] else { return nil }
        return value.stringValue == nil ? "\"\(key)\" of \(article(type)) \(type) block must be a string" : nil
    }

    private static func optionalInteger(_ object: JSONObject, _ key: String, of type: String) -> String? {
        guard let value = object[key] else { return nil }
        return value.intValue.map { $0 >= 0 } == true ? nil : "\"\(key)\" of \(article(type)) \(type) block must be a non-negative integer"
    }

    private static func article(_ type: String) -> String {
        type.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }

    private static func base64Problem(_ value: JSONValue?, of type: String) -> String? {
        guard let text = value?.stringValue, Data(base64Encoded: text) == nil else { return nil }
        return "the data of \(article(type)) \(type) block is not base64"
    }
}
