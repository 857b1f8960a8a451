import JSON

extension ToolResult {
    /// The MCP CallToolResult for this outcome, as JSON bytes.
    var callToolResultBytes: [UInt8] {
        if case .structured(let json, nil) = self { return Self.structuredWithTextCopy(json) }
        var writer = JSONWriter(capacity: 512)
        writer.writeRaw("{\"content\":[{\"type\":\"text\",\"text\":")
        switch self {
        case .structured(let json, let text):
            writer.writeString(text ?? json.jsonString)
            writer.writeRaw("}],\"structuredContent\":")
            writer.write(json)
            writer.writeRaw(",\"isError\":false}")
        case .structuredWithContent(let json, let text, let content):
            writer.writeString(text ?? json.jsonString)
            writer.writeRaw("}")
            for block in content {
                writer.writeRaw(",")
                writer.write(block.json)
            }
            writer.writeRaw("],\"structuredContent\":")
            writer.write(json)
            writer.writeRaw(",\"isError\":false}")
        case .text(let text):
            writer.writeString(text)
            writer.writeRaw("}],\"isError\":false}")
        case .error(let message):
            writer.writeString(message)
            writer.writeRaw("}],\"isError\":true}")
        }
        return writer.bytes
    }

    /// The common case, structuredContent with its text copy for older clients: the value is
    /// serialized once and those bytes written twice (escaped as the text, verbatim as
    /// structuredContent), into a buffer sized for both up front.
    private static func structuredWithTextCopy(_ json: JSONValue) -> [UInt8] {
        let serialized = json.serialized()
        var writer = JSONWriter(capacity: 2 * serialized.count + 96)
        writer.writeRaw("{\"content\":[{\"type\":\"text\",\"text\":")
        serialized.withUnsafeBufferPointer { writer.writeString(utf8: $0) }
        writer.writeRaw("}],\"structuredContent\":")
        writer.writeRawJSON(serialized)
        writer.writeRaw(",\"isError\":false}")
        return writer.bytes
    }
}
