import JSON

/// An MCP content block a tool returns after its text block (spec: CallToolResult.content):
///
///     return .structured(json, text: "Download: \(url)",
///                        content: [.resourceLink(uri: url, name: "report.pdf", mimeType: "application/pdf", size: 1024)])
///
/// The host checks every block before the result leaves it (docs/BEHAVIOUR.md, "Content blocks"): a
/// malformed one fails the call as the toolset's fault, so clients never see it.
public enum ContentBlock: Sendable, Equatable {
    case text(String)
    /// A link to a resource the client may fetch (e.g. a signed download URL).
    case resourceLink(uri: String, name: String, title: String? = nil, description: String? = nil, mimeType: String? = nil,
                      size: Int64? = nil)
    /// Any other block (image, audio, resource) written as its JSON object.
    case raw(JSONValue)

    public var json: JSONValue {
        switch self {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .resourceLink(let uri, let name, let title, let description, let mimeType, let size):
            var object: JSONObject = ["type": "resource_link", "uri": .string(uri), "name": .string(name)]
            if let title { object["title"] = .string(title) }
            if let description { object["description"] = .string(description) }
            if let mimeType { object["mimeType"] = .string(mimeType) }
            if let size { object["size"] = .int(size) }
            return .object(object)
        case .raw(let json):
            return json
        }
    }
}

extension ToolResult {
    /// `structuredContent` = json; the text block (`text`, or the serialized json when nil) is
    /// followed by `content`, in order.
    public static func structured(_ json: JSONValue, text: String? = nil, content: [ContentBlock]) -> ToolResult {
        .structuredWithContent(json, text: text, content: content)
    }
}
