/// Which keywords a schema may use, and what Toolhost does with each.
///
/// The rule: every keyword Toolhost accepts either constrains the value and is enforced, or is an
/// annotation that by the specification never constrains anything. A keyword that would
/// constrain but is not implemented is refused when the schema is compiled (that is, when the
/// plugin publishing it loads), so an invalid argument can never reach a tool because the host
/// silently skipped part of its schema. docs/JSON-SCHEMA.md is the reader-facing version of
/// these lists; keep the two in step.
enum Vocabulary {
    /// Keywords compiled into checks (or, for `$defs`/`definitions`, into `$ref` targets).
    /// Draft-07 spellings (`definitions`, `dependencies`, array `items` + `additionalItems`) are
    /// accepted alongside 2020-12 ones because tools still publish draft-07-style schemas.
    static let enforced: Set<String> = [
        "type", "enum", "const",
        "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "prefixItems", "items", "additionalItems", "contains", "minContains", "maxContains",
        "minItems", "maxItems", "uniqueItems",
        "required", "properties", "patternProperties", "additionalProperties", "propertyNames",
        "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "dependencies",
        "$ref", "$defs", "definitions", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    ]

    /// Keywords that never constrain a value: accepted and ignored. `$schema` and `$id` are
    /// checked separately (root only, known dialects only).
    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$comment", "deprecated", "readOnly", "writeOnly",
        "contentMediaType", "contentEncoding", "contentSchema",
    ]

    /// Keywords of the JSON Schema vocabularies that Toolhost does not implement, with the reason
    /// given in the refusal.
    static let refused: [String: String] = [
        "unevaluatedProperties": "it depends on annotations collected across subschemas, which Toolhost does not track; use \"additionalProperties\" instead",
        "unevaluatedItems": "it depends on annotations collected across subschemas, which Toolhost does not track; use \"items\" instead",
        "$dynamicRef": "dynamic scopes are not supported; use a local \"$ref\" (#/$defs/...)",
        "$dynamicAnchor": "dynamic scopes are not supported; use a local \"$ref\" (#/$defs/...)",
        "$recursiveRef": "dynamic scopes are not supported; use a local \"$ref\" (#/$defs/...)",
        "$recursiveAnchor": "dynamic scopes are not supported; use a local \"$ref\" (#/$defs/...)",
        "$anchor": "only JSON Pointer references (#/$defs/...) are supported",
        "$vocabulary": "custom meta-schemas are not supported",
    ]

    /// `$schema` values whose rules Toolhost implements. Draft-06 differs from draft-07 only in
    /// keywords Toolhost treats the same way, so it is read as draft-07.
    static func dialect(of uri: String) -> Dialect? {
        var uri = Substring(uri)
        if uri.hasSuffix("#") { uri = uri.dropLast() }
        switch uri {
        case "https://json-schema.org/draft/2020-12/schema": return .draft2020
        case "https://json-schema.org/draft/2019-09/schema": return .draft2019
        case "http://json-schema.org/draft-07/schema", "https://json-schema.org/draft-07/schema",
             "http://json-schema.org/draft-06/schema", "https://json-schema.org/draft-06/schema":
            return .draft7
        default: return nil
        }
    }

    /// Extension keywords (`x-internal`, `x-ui`) carry tool-specific metadata and are ignored;
    /// the prefix is the conventional way to say "not JSON Schema".
    static func isExtension(_ keyword: String) -> Bool { keyword.hasPrefix("x-") }

    /// Keywords from neighbouring formats (OpenAPI, draft-04) that authors paste in, with what to
    /// write instead.
    static let foreignHints: [String: String] = [
        "nullable": "OpenAPI's \"nullable\" is not JSON Schema; add \"null\" to \"type\", e.g. \"type\": [\"string\", \"null\"]",
        "id": "draft-04's \"id\" is spelled \"$id\" since draft-06",
        "example": "the JSON Schema annotation is \"examples\", an array",
        "discriminator": "OpenAPI's \"discriminator\" is not JSON Schema; use \"oneOf\" with a \"const\" property in each branch",
    ]

    /// The closest known keyword, for "did you mean" hints on typos (`requried`, `maxlength`,
    /// `tpye`). Short keywords get no fuzzy match: "id" is not a typo of "if".
    static func suggestion(for keyword: String) -> String? {
        let lowered = keyword.lowercased()
        let allowed = lowered.count <= 3 ? 0 : (lowered.count < 8 ? 1 : 2)
        var best: (keyword: String, distance: Int)?
        for candidate in enforced.union(annotations).sorted() {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= allowed, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.keyword
    }
}

/// Which specification the schema says it follows (`$schema`); 2020-12 when it does not say.
/// The one difference Toolhost acts on: before 2019-09 keywords next to `$ref` were ignored.
enum Dialect: Sendable {
    case draft7, draft2019, draft2020
}

/// Edit distance counting an insertion, deletion, substitution or swap of neighbours as one
/// (optimal string alignment); only used on keyword-sized strings when a schema is refused.
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    // d[i][j]: distance between the first i scalars of a and the first j of b.
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
