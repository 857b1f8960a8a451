import JSON

extension ToolResult {
    /// The MCP CallToolResult for this outcome, as JSON bytes.
    var callToolResultBytes: [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.writeRaw("{\"content\":[{\"type\":\"text\",\"text\":")
        switch self {
        case .structured(let json, let text):
            writer.writeString(text ?? json.jsonString)
            writer.writeRaw("}],\"structuredContent\":")
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
}
