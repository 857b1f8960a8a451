import JSON

extension JSONValue {
    /// The `method` of a single JSON-RPC message, if it is one Toolhost knows.
    var mcpMethod: MCPMethod? { self["method"]?.stringValue.flatMap(MCPMethod.init(rawValue:)) }
}
