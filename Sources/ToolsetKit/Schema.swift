import JSON

/// A JSON Schema (2020-12 subset) built in Swift. Serialized once when the plugin registers.
///
///     .object(properties: ["id": .string(description: "The booking id")], required: ["id"])
///
/// Object properties keep the order they are written in, so the schema text is deterministic.
public struct Schema: Sendable, Equatable {
    public var json: JSONValue

    /// Wraps a schema written as raw JSON.
    public init(_ json: JSONValue) { self.json = json }

    public static func raw(_ json: JSONValue) -> Schema { Schema(json) }

    /// An object schema. `additionalProperties` defaults to false: tools should refuse unknown arguments.
    public static func object(
        description: String? = nil,
        properties: KeyValuePairs<String, Schema> = [:],
        required: [String] = [],
        additionalProperties: Bool = false
    ) -> Schema {
        var object = JSONObject()
        object["type"] = "object"
        if let description { object["description"] = .string(description) }
        var props = JSONObject()
        for (key, schema) in properties { props[key] = schema.json }
        object["properties"] = .object(props)
        if !required.isEmpty { object["required"] = .array(required.map { .string($0) }) }
        object["additionalProperties"] = .bool(additionalProperties)
        return Schema(.object(object))
    }

    public static func string(
        description: String? = nil,
        format: String? = nil,
        minLength: Int? = nil,
        maxLength: Int? = nil,
        pattern: String? = nil,
        enum values: [String]? = nil
    ) -> Schema {
        var object = JSONObject()
        object["type"] = "string"
        if let description { object["description"] = .string(description) }
        if let format { object["format"] = .string(format) }
        if let minLength { object["minLength"] = .int(Int64(minLength)) }
        if let maxLength { object["maxLength"] = .int(Int64(maxLength)) }
        if let pattern { object["pattern"] = .string(pattern) }
        if let values { object["enum"] = .array(values.map { .string($0) }) }
        return Schema(.object(object))
    }

    public static func integer(description: String? = nil, minimum: Int? = nil, maximum: Int? = nil) -> Schema {
        var object = JSONObject()
        object["type"] = "integer"
        if let description { object["description"] = .string(description) }
        if let minimum { object["minimum"] = .int(Int64(minimum)) }
        if let maximum { object["maximum"] = .int(Int64(maximum)) }
        return Schema(.object(object))
    }

    public static func number(description: String? = nil, minimum: Double? = nil, maximum: Double? = nil) -> Schema {
        var object = JSONObject()
        object["type"] = "number"
        if let description { object["description"] = .string(description) }
        if let minimum { object["minimum"] = .double(minimum) }
        if let maximum { object["maximum"] = .double(maximum) }
        return Schema(.object(object))
    }

    public static func boolean(description: String? = nil) -> Schema {
        var object = JSONObject()
        object["type"] = "boolean"
        if let description { object["description"] = .string(description) }
        return Schema(.object(object))
    }

    public static func array(of items: Schema, description: String? = nil, minItems: Int? = nil, maxItems: Int? = nil) -> Schema {
        var object = JSONObject()
        object["type"] = "array"
        if let description { object["description"] = .string(description) }
        object["items"] = items.json
        if let minItems { object["minItems"] = .int(Int64(minItems)) }
        if let maxItems { object["maxItems"] = .int(Int64(maxItems)) }
        return Schema(.object(object))
    }

    /// The same schema, also allowing JSON null (`"type": ["string", "null"]`). For output schemas.
    public var orNull: Schema {
        guard case .object(var object) = json, let type = object["type"] else { return self }
        switch type {
        case .string(let name): object["type"] = .array([.string(name), "null"])
        case .array(let names) where !names.contains(.string("null")): object["type"] = .array(names + ["null"])
        default: break
        }
        if case .array(let values)? = object["enum"], !values.contains(.null) { object["enum"] = .array(values + [.null]) }
        return Schema(.object(object))
    }

    /// The root "type" of the schema, if it names one.
    var rootType: String? { json["type"]?.stringValue }
}
