import JSON

/// The arguments object of a call, with typed getters whose errors are messages a model can act on.
/// A key that is absent or JSON null counts as "not given".
public struct ToolArguments: Sendable {
    public let raw: JSONObject

    public init(_ raw: JSONObject) { self.raw = raw }

    public subscript(key: String) -> JSONValue? { raw[key] }

    /// True if the key is present and not null.
    public func has(_ key: String) -> Bool {
        if let value = raw[key], !value.isNull { return true }
        return false
    }

    private func value(_ key: String) -> JSONValue? {
        guard let value = raw[key], !value.isNull else { return nil }
        return value
    }

    private func required(_ key: String) throws(ToolError) -> JSONValue {
        guard let value = value(key) else { throw ToolError("\"\(key)\" is required") }
        return value
    }

    public func string(_ key: String) throws(ToolError) -> String {
        guard let s = try required(key).stringValue else { throw ToolError("\"\(key)\" must be a string") }
        return s
    }

    public func optionalString(_ key: String) throws(ToolError) -> String? {
        guard let value = value(key) else { return nil }
        guard let s = value.stringValue else { throw ToolError("\"\(key)\" must be a string") }
        return s
    }

    public func int(_ key: String) throws(ToolError) -> Int {
        guard let i = try required(key).intValue, let int = Int(exactly: i) else { throw ToolError("\"\(key)\" must be an integer") }
        return int
    }

    public func optionalInt(_ key: String) throws(ToolError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let i = value.intValue, let int = Int(exactly: i) else { throw ToolError("\"\(key)\" must be an integer") }
        return int
    }

    public func bool(_ key: String) throws(ToolError) -> Bool {
        guard let b = try required(key).boolValue else { throw ToolError("\"\(key)\" must be a boolean") }
        return b
    }

    public func optionalBool(_ key: String) throws(ToolError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let b = value.boolValue else { throw ToolError("\"\(key)\" must be a boolean") }
        return b
    }

    public func object(_ key: String) throws(ToolError) -> JSONObject {
        guard let o = try required(key).objectValue else { throw ToolError("\"\(key)\" must be an object") }
        return o
    }

    public func optionalObject(_ key: String) throws(ToolError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let o = value.objectValue else { throw ToolError("\"\(key)\" must be an object") }
        return o
    }

    public func array(_ key: String) throws(ToolError) -> [JSONValue] {
        guard let a = try required(key).arrayValue else { throw ToolError("\"\(key)\" must be an array") }
        return a
    }

    public func optionalArray(_ key: String) throws(ToolError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let a = value.arrayValue else { throw ToolError("\"\(key)\" must be an array") }
        return a
    }
}
