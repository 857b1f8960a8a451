import JSON

/// Array keywords: `prefixItems`/`items` (and draft-07 array `items` + `additionalItems`),
/// `contains` with `minContains`/`maxContains`, item counts, `uniqueItems`.
extension SchemaCompiler {
    mutating func appendArrayChecks(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        if let items = try compileItems(object, path) { checks.append(items) }
        if let contains = try compileContains(object, path) { checks.append(contains) }
        if let n = try count("minItems", object, path) { checks.append(.minItems(n)) }
        if let n = try count("maxItems", object, path) { checks.append(.maxItems(n)) }
        if let unique = object["uniqueItems"] {
            guard case .bool(let flag) = unique else { throw invalid("uniqueItems", path, "\"uniqueItems\" must be a boolean") }
            if flag { checks.append(.uniqueItems) }
        }
    }

    /// 2020-12: `prefixItems` covers the first items, `items` the rest.
    /// Draft-07: an array `items` covers the first items, `additionalItems` the rest; with a
    /// schema `items` (or no `items`), `additionalItems` has no effect by the specification.
    private mutating func compileItems(_ object: JSONObject, _ path: String) throws(SchemaError) -> Check? {
        var prefix: [Node] = []
        var rest: Node?
        if let prefixItems = object["prefixItems"] {
            prefix = try schemaArray("prefixItems", prefixItems, path, allowEmpty: true)
        }
        let additional = try compileMember("additionalItems", object, path)
        switch object["items"] {
        case .array(let tuple)?:
            guard object["prefixItems"] == nil else {
                throw invalid("items", path, "\"items\" must be a schema when \"prefixItems\" is present")
            }
            prefix = try schemaArray("items", .array(tuple), path, allowEmpty: true)
            rest = additional
        case .some:
            rest = try compileMember("items", object, path)
        case nil:
            break
        }
        guard !prefix.isEmpty || rest != nil else { return nil }
        return .items(prefix: prefix, rest: rest)
    }

    /// `minContains`/`maxContains` only count with `contains`; alone they have no effect by the
    /// specification (their values are still checked).
    private mutating func compileContains(_ object: JSONObject, _ path: String) throws(SchemaError) -> Check? {
        let minimum = try count("minContains", object, path)
        let maximum = try count("maxContains", object, path)
        guard let node = try compileMember("contains", object, path) else { return nil }
        return .contains(node, min: minimum ?? 1, max: maximum)
    }
}
