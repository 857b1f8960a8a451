import Foundation
import JSON

/// Turns a schema document into `Node`s. Keyword names are looked up here, once; the
/// resulting tree only holds resolved checks. `$ref` targets are compiled once each into a
/// table (so recursive schemas are finite) and referenced by index.
///
/// Every member of every schema object is accounted for: enforced, an annotation, an `x-`
/// extension, or the schema is refused (see Vocabulary.swift for the lists and the reasons).
/// The keyword groups live in their own files: SchemaCompiler+Values (type, enum, const,
/// strings, numbers), +Arrays, +Objects, +References (`$ref`, `$defs`, `$schema`, `$id`).
struct SchemaCompiler {
    let root: JSONValue
    var dialect: Dialect = .draft2020
    var table: [Node?] = []
    /// `$ref` target (a decoded JSON Pointer) → index in `table`.
    var refIndex: [String: Int] = [:]

    init(root: JSONValue) { self.root = root }

    mutating func compileRoot() throws(SchemaError) -> Node {
        dialect = rootDialect()
        return try compile(root, at: "")
    }

    func finishedTable() -> [Node] { table.map { $0 ?? Node([]) } }

    mutating func compile(_ schema: JSONValue, at path: String) throws(SchemaError) -> Node {
        let object: JSONObject
        switch schema {
        case .bool(true): return Node([])
        case .bool(false): return Node([.never])
        case .object(let members): object = members
        default: throw invalid("", path, "a schema must be an object or a boolean, not \(schema.typeName)")
        }
        try checkVocabulary(object, at: path)
        try compileDefinitions(object, at: path)
        var checks: [Check] = []
        if dialect == .draft7, object["$ref"] != nil {
            // checkVocabulary refused every constraining sibling, which draft-07 would ignore.
            try appendReference(object, path, &checks)
            return Node(checks)
        }
        // The order is the order failures are reported in; "type" first, because when it fails
        // the validator skips the rest of the schema.
        try appendValueChecks(object, path, &checks)
        try appendStringChecks(object, path, &checks)
        try appendNumberChecks(object, path, &checks)
        try appendArrayChecks(object, path, &checks)
        try appendObjectChecks(object, path, &checks)
        try appendReference(object, path, &checks)
        try appendCombinators(object, path, &checks)
        return Node(checks)
    }

    // MARK: - Vocabulary

    /// Refuses keywords that would otherwise be ignored: unsupported ones and unknown ones.
    private func checkVocabulary(_ object: JSONObject, at path: String) throws(SchemaError) {
        for member in object.members {
            let keyword = member.key
            if Vocabulary.enforced.contains(keyword) || Vocabulary.annotations.contains(keyword)
                || Vocabulary.isExtension(keyword) {
                continue
            }
            switch keyword {
            case "$schema": try checkSchemaKeyword(member.value, at: path)
            case "$id": try checkIdKeyword(member.value, at: path)
            default:
                if let reason = Vocabulary.refused[keyword] { throw unsupported(keyword, path, reason) }
                throw unknownKeyword(keyword, path)
            }
        }
        if dialect == .draft7, object["$ref"] != nil {
            try checkDraft7ReferenceSiblings(object, at: path)
        }
    }

    /// Before 2019-09, `$ref` replaced its whole schema object: keywords beside it were ignored.
    /// Applying them would differ from what the author's draft-07 tooling does, ignoring them
    /// is what this module exists to prevent, so they are refused.
    private func checkDraft7ReferenceSiblings(_ object: JSONObject, at path: String) throws(SchemaError) {
        let harmless: Set<String> = ["$ref", "$defs", "definitions", "$schema", "$id"]
        for member in object.members {
            let keyword = member.key
            if harmless.contains(keyword) || Vocabulary.annotations.contains(keyword) || Vocabulary.isExtension(keyword) {
                continue
            }
            throw unsupported("$ref", path, """
                draft-07 ignores keywords next to "$ref" (here "\(keyword)"); \
                wrap the "$ref" in "allOf" or declare "$schema": "https://json-schema.org/draft/2020-12/schema"
                """)
        }
    }

    // MARK: - Combinators

    private mutating func appendCombinators(_ object: JSONObject, _ path: String, _ checks: inout [Check]) throws(SchemaError) {
        if let all = object["allOf"] { checks.append(.allOf(try schemaArray("allOf", all, path, allowEmpty: false))) }
        if let any = object["anyOf"] { checks.append(.anyOf(try schemaArray("anyOf", any, path, allowEmpty: false))) }
        if let one = object["oneOf"] { checks.append(.oneOf(try schemaArray("oneOf", one, path, allowEmpty: false))) }
        if let not = object["not"] { checks.append(.not(try compile(not, at: path + "/not"))) }
        // "then"/"else" without "if" have no effect by the specification; they are still compiled
        // so that mistakes inside them are reported.
        let condition = try compileMember("if", object, path)
        let thenNode = try compileMember("then", object, path)
        let elseNode = try compileMember("else", object, path)
        if let condition, thenNode != nil || elseNode != nil {
            checks.append(.conditional(if: condition, then: thenNode, else: elseNode))
        }
    }

    // MARK: - Shared helpers

    /// Compiles `object[keyword]` as a subschema, or returns nil when it is absent.
    mutating func compileMember(_ keyword: String, _ object: JSONObject, _ path: String) throws(SchemaError) -> Node? {
        guard let value = object[keyword] else { return nil }
        return try compile(value, at: path + "/" + keyword)
    }

    mutating func schemaArray(_ keyword: String, _ value: JSONValue, _ path: String, allowEmpty: Bool) throws(SchemaError) -> [Node] {
        guard case .array(let schemas) = value, allowEmpty || !schemas.isEmpty else {
            throw invalid(keyword, path, "\"\(keyword)\" must be \(allowEmpty ? "an" : "a non-empty") array of schemas")
        }
        var nodes: [Node] = []
        for (index, schema) in schemas.enumerated() {
            nodes.append(try compile(schema, at: "\(path)/\(keyword)/\(index)"))
        }
        return nodes
    }

    /// Compiles every member of a `{name: schema}` keyword (properties, dependentSchemas, …).
    mutating func schemaMap(_ keyword: String, _ value: JSONValue, _ path: String) throws(SchemaError) -> [PropertyRule] {
        guard case .object(let members) = value else { throw invalid(keyword, path, "\"\(keyword)\" must be an object") }
        var rules: [PropertyRule] = []
        for member in members.members {
            let node = try compile(member.value, at: path + "/" + keyword + "/" + escapePointer(member.key))
            rules.append(PropertyRule(name: member.key, node: node))
        }
        return rules
    }

    func stringArray(_ keyword: String, _ value: JSONValue, _ path: String) throws(SchemaError) -> [String] {
        guard case .array(let items) = value else { throw invalid(keyword, path, "\"\(keyword)\" must be an array of strings") }
        var strings: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw invalid(keyword, path, "\"\(keyword)\" must be an array of strings") }
            strings.append(s)
        }
        return strings
    }

    func count(_ keyword: String, _ object: JSONObject, _ path: String) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        guard let n = value.intValue, n >= 0, n <= Int64(Int32.max) else {
            throw invalid(keyword, path, "\"\(keyword)\" must be a non-negative integer")
        }
        return Int(n)
    }

    func compilePattern(_ source: String, keyword: String, at path: String) throws(SchemaError) -> Pattern {
        do {
            return Pattern(source: source, regex: try NSRegularExpression(pattern: source, options: []))
        } catch {
            throw invalid(keyword, path, "\"\(keyword)\" \(JSONValue.string(source).jsonString) is not a valid regular expression")
        }
    }

    // MARK: - Errors

    static let docs = "docs/JSON-SCHEMA.md"

    private static func location(_ path: String) -> String { path.isEmpty ? "the root" : path }

    func invalid(_ keyword: String, _ path: String, _ message: String) -> SchemaError {
        SchemaError(.invalidValue, keyword: keyword, at: path,
                    message: "invalid JSON Schema at \(Self.location(path)): \(message)")
    }

    func unsupported(_ keyword: String, _ path: String, _ reason: String) -> SchemaError {
        SchemaError(.unsupportedKeyword, keyword: keyword, at: path, message: """
            unsupported JSON Schema keyword "\(keyword)" at \(Self.location(path)): \(reason) \
            (Toolhost enforces every keyword it accepts; see \(Self.docs))
            """)
    }

    func unknownKeyword(_ keyword: String, _ path: String) -> SchemaError {
        let hint = Vocabulary.foreignHints[keyword].map { " (\($0))" }
            ?? Vocabulary.suggestion(for: keyword).map { " (did you mean \"\($0)\"?)" } ?? ""
        return SchemaError(.unknownKeyword, keyword: keyword, at: path, message: """
            unknown JSON Schema keyword \(JSONValue.string(keyword).jsonString) at \(Self.location(path))\(hint): \
            Toolhost refuses keywords it would otherwise ignore; prefix extensions with "x-" (see \(Self.docs))
            """)
    }
}

func escapePointer(_ key: String) -> String {
    key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) ? key.replacingTildeAndSlash() : key
}
