import JSON

/// Object keywords: `required`, `properties`, `patternProperties`, `additionalProperties`,
/// `propertyNames`, member counts, `dependentRequired`/`dependentSchemas` and draft-07
/// `dependencies` (which is either of the two, per member).
extension SchemaCompiler {
    mutating func appendObjectChecks(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        if let required = object["required"] {
            let names = try stringArray("required", required, path)
            if !names.isEmpty { checks.append(.required(names)) }
        }
        var known = Set<String>()
        if let properties = object["properties"] {
            let rules = try schemaMap("properties", properties, path)
            for rule in rules { known.insert(rule.name) }
            if !rules.isEmpty { checks.append(.properties(rules)) }
        }
        var patterns: [Pattern] = []
        if let patternProperties = object["patternProperties"] {
            let rules = try compilePatternProperties(patternProperties, path)
            patterns = rules.map(\.pattern)
            if !rules.isEmpty { checks.append(.patternProperties(rules)) }
        }
        if let additional = object["additionalProperties"] {
            switch additional {
            case .bool(true): break
            case .bool(false): checks.append(.additionalProperties(known: known, patterns: patterns, schema: nil))
            default:
                let node = try compile(additional, at: path + "/additionalProperties")
                checks.append(.additionalProperties(known: known, patterns: patterns, schema: node))
            }
        }
        if let names = try compileMember("propertyNames", object, path) { checks.append(.propertyNames(names)) }
        if let n = try count("minProperties", object, path) { checks.append(.minProperties(n)) }
        if let n = try count("maxProperties", object, path) { checks.append(.maxProperties(n)) }
        try appendDependencies(object, path, &checks)
    }

    private mutating func compilePatternProperties(_ value: JSONValue, _ path: String) throws(SchemaError) -> [PatternRule] {
        guard case .object(let members) = value else {
            throw invalid("patternProperties", path, "\"patternProperties\" must be an object")
        }
        var rules: [PatternRule] = []
        for member in members.members {
            let pattern = try compilePattern(member.key, keyword: "patternProperties", at: path)
            let node = try compile(member.value, at: path + "/patternProperties/" + escapePointer(member.key))
            rules.append(PatternRule(pattern: pattern, node: node))
        }
        return rules
    }

    private mutating func appendDependencies(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        var required: [Dependency] = []
        var schemas: [PropertyRule] = []
        if let value = object["dependentRequired"] {
            guard case .object(let members) = value else {
                throw invalid("dependentRequired", path, "\"dependentRequired\" must be an object of string arrays")
            }
            for member in members.members {
                required.append(Dependency(name: member.key, required: try stringArray("dependentRequired", member.value, path)))
            }
        }
        if let value = object["dependentSchemas"] {
            schemas += try schemaMap("dependentSchemas", value, path)
        }
        if let value = object["dependencies"] {
            guard case .object(let members) = value else {
                throw invalid("dependencies", path, "\"dependencies\" must be an object")
            }
            for member in members.members {
                if case .array = member.value {
                    required.append(Dependency(name: member.key, required: try stringArray("dependencies", member.value, path)))
                } else {
                    let node = try compile(member.value, at: path + "/dependencies/" + escapePointer(member.key))
                    schemas.append(PropertyRule(name: member.key, node: node))
                }
            }
        }
        required.removeAll { $0.required.isEmpty }
        if !required.isEmpty { checks.append(.dependentRequired(required)) }
        if !schemas.isEmpty { checks.append(.dependentSchemas(schemas)) }
    }
}
