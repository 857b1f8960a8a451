import JSON

/// Keywords about the value itself: `type`, `enum`, `const`, string and number bounds, `format`.
extension SchemaCompiler {
    func appendValueChecks(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        if let type = object["type"] { checks.append(try compileType(type, at: path)) }
        if let options = object["enum"] {
            guard case .array(let values) = options else { throw invalid("enum", path, "\"enum\" must be an array") }
            let list = values.map(\.jsonString).joined(separator: ", ")
            checks.append(.enumeration(values, message: "must be one of: \(list)"))
        }
        if let constant = object["const"] {
            checks.append(.constant(constant, message: "must be exactly \(constant.jsonString)"))
        }
    }

    func appendStringChecks(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        if let n = try count("minLength", object, path) { checks.append(.minLength(n)) }
        if let n = try count("maxLength", object, path) { checks.append(.maxLength(n)) }
        if let pattern = object["pattern"] {
            guard case .string(let source) = pattern else { throw invalid("pattern", path, "\"pattern\" must be a string") }
            checks.append(.pattern(try compilePattern(source, keyword: "pattern", at: path)))
        }
        if let format = object["format"] { checks.append(.format(try compileFormat(format, at: path))) }
    }

    /// JSON Schema 2020-12 makes `format` an annotation unless a validator opts in. Toolhost opts
    /// in: tool authors write `"format": "date-time"` expecting it to hold. A name Toolhost has no
    /// checker for is refused, not passed through unchecked.
    private func compileFormat(_ value: JSONValue, at path: String) throws(SchemaError) -> StringFormat {
        guard case .string(let name) = value else { throw invalid("format", path, "\"format\" must be a string") }
        if let known = StringFormat(name: name) { return known }
        let supported = StringFormat.allCases.map(\.name).joined(separator: ", ")
        throw SchemaError(.unknownFormat, keyword: name, at: path, message: """
            unsupported JSON Schema format \(value.jsonString) at \(path.isEmpty ? "the root" : path): \
            Toolhost enforces every format it accepts (\(supported)); see \(Self.docs)
            """)
    }

    func appendNumberChecks(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        if let bound = try number("minimum", object, path) { checks.append(.minimum(bound, exclusive: false)) }
        if let bound = try number("maximum", object, path) { checks.append(.maximum(bound, exclusive: false)) }
        if let bound = try exclusiveBound("exclusiveMinimum", object, path) { checks.append(.minimum(bound, exclusive: true)) }
        if let bound = try exclusiveBound("exclusiveMaximum", object, path) { checks.append(.maximum(bound, exclusive: true)) }
        if let divisor = try number("multipleOf", object, path) {
            switch divisor {
            case .int(let i) where i > 0: break
            case .double(let d) where d > 0: break
            default: throw invalid("multipleOf", path, "\"multipleOf\" must be a number greater than 0")
            }
            checks.append(.multipleOf(divisor))
        }
    }

    /// Draft-04 wrote `"minimum": 0, "exclusiveMinimum": true`; since draft-06 the bound itself
    /// goes in `exclusiveMinimum`. The boolean form is refused with a hint rather than guessed.
    private func exclusiveBound(_ keyword: String, _ object: JSONObject, _ path: String) throws(SchemaError) -> SchemaNumber? {
        if case .bool? = object[keyword] {
            let plain = keyword == "exclusiveMinimum" ? "minimum" : "maximum"
            throw invalid(keyword, path, """
                "\(keyword)" must be a number: the draft-04 boolean form is not supported \
                (write "\(keyword)": <bound> instead of "\(plain)": <bound>, "\(keyword)": true)
                """)
        }
        return try number(keyword, object, path)
    }

    private func number(_ keyword: String, _ object: JSONObject, _ path: String) throws(SchemaError) -> SchemaNumber? {
        switch object[keyword] {
        case nil: return nil
        case .int(let i)?: return .int(i)
        case .double(let d)? where d.isFinite: return .double(d)
        default: throw invalid(keyword, path, "\"\(keyword)\" must be a number")
        }
    }

    private func compileType(_ type: JSONValue, at path: String) throws(SchemaError) -> Check {
        func parse(_ name: JSONValue) throws(SchemaError) -> (TypeSet, String) {
            switch name.stringValue {
            case "null": return (.null, "null")
            case "boolean": return (.boolean, "boolean")
            case "integer": return (.integer, "integer")
            case "number": return (.number, "number")
            case "string": return (.string, "string")
            case "array": return (.array, "array")
            case "object": return (.object, "object")
            default:
                throw invalid("type", path, "\"type\" has an unknown type \(name.jsonString) (expected null, boolean, integer, number, string, array or object)")
            }
        }
        switch type {
        case .string:
            let (set, name) = try parse(type)
            return .type(set, expected: name == "null" ? "null" : (name.first.map { "aeiou".contains($0) } == true ? "an \(name)" : "a \(name)"))
        case .array(let names) where !names.isEmpty:
            var set = TypeSet()
            var list: [String] = []
            for name in names {
                let (one, text) = try parse(name)
                set.formUnion(one)
                list.append(text)
            }
            if list.count == 1 { return try compileType(names[0], at: path) }
            return .type(set, expected: "one of types \(list.joined(separator: ", "))")
        default:
            throw invalid("type", path, "\"type\" must be a type name or a non-empty array of type names")
        }
    }
}
