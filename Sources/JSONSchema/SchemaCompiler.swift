import Foundation
import JSON

/// Turns a schema document into `Node`s. Keyword names are looked up here, once; the
/// resulting tree only holds resolved checks. `$ref` targets are compiled once each into a
/// table (so recursive schemas are finite) and referenced by index.
struct SchemaCompiler {
    let root: JSONValue
    private var table: [Node?] = []
    private var refIndex: [String: Int] = [:]

    init(root: JSONValue) { self.root = root }

    mutating func compileRoot() throws(SchemaError) -> Node {
        let node = try compile(root, at: "")
        // Compile definitions nobody references too, so mistakes in them surface at start-up.
        for container in ["$defs", "definitions"] {
            guard let defs = root[container]?.objectValue else { continue }
            for member in defs.members {
                _ = try resolve("#/\(container)/\(escapePointer(member.key))", at: "/\(container)")
            }
        }
        return node
    }

    func finishedTable() -> [Node] { table.map { $0 ?? Node([]) } }

    // MARK: - Errors

    private func error(_ path: String, _ message: String) -> SchemaError {
        SchemaError("invalid schema at \(path.isEmpty ? "root" : path): \(message)")
    }

    // MARK: - $ref

    private mutating func resolve(_ ref: String, at path: String) throws(SchemaError) -> Int {
        if let index = refIndex[ref] { return index }
        guard ref.hasPrefix("#") else {
            throw error(path, "\"$ref\" \(JSONValue.string(ref).jsonString) is not supported: only local references (#/$defs/...) are")
        }
        let fragment = String(ref.dropFirst()).removingPercentEncoding ?? String(ref.dropFirst())
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            throw error(path, "\"$ref\" \(JSONValue.string(ref).jsonString) is not supported: only JSON Pointer references (#/...) are")
        }
        var target = root
        if !fragment.isEmpty {
            for rawToken in fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                let token = rawToken.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                switch target {
                case .object(let object) where object[token] != nil:
                    target = object[token]!
                case .array(let array) where Int(token).map({ $0 >= 0 && $0 < array.count }) == true:
                    target = array[Int(token)!]
                default:
                    throw error(path, "\"$ref\" \(JSONValue.string(ref).jsonString) does not resolve to a schema")
                }
            }
        }
        let index = table.count
        table.append(nil)
        refIndex[ref] = index
        table[index] = try compile(target, at: fragment)
        return index
    }

    // MARK: - Keywords

    mutating func compile(_ schema: JSONValue, at path: String) throws(SchemaError) -> Node {
        switch schema {
        case .bool(true): return Node([])
        case .bool(false): return Node([.never])
        case .object: break
        default: throw error(path, "a schema must be an object or a boolean, not \(schema.typeName)")
        }
        let object = schema.objectValue!
        var checks: [Check] = []

        // Generic
        if let type = object["type"] { checks.append(try compileType(type, at: path)) }
        if let options = object["enum"] {
            guard case .array(let values) = options else { throw error(path, "\"enum\" must be an array") }
            let list = values.map(\.jsonString).joined(separator: ", ")
            checks.append(.enumeration(values, message: "must be one of: \(list)"))
        }
        if let constant = object["const"] {
            checks.append(.constant(constant, message: "must be exactly \(constant.jsonString)"))
        }

        // Strings
        if let n = try count("minLength", object, path) { checks.append(.minLength(n)) }
        if let n = try count("maxLength", object, path) { checks.append(.maxLength(n)) }
        if let pattern = object["pattern"] {
            guard case .string(let source) = pattern else { throw error(path, "\"pattern\" must be a string") }
            checks.append(.pattern(try compilePattern(source, keyword: "pattern", at: path)))
        }
        if let format = object["format"] {
            guard case .string(let name) = format else { throw error(path, "\"format\" must be a string") }
            if let known = StringFormat(name: name) { checks.append(.format(known)) }
        }

        // Numbers. Draft-04 spells exclusivity as booleans next to minimum/maximum.
        let exclusiveMinimum = object["exclusiveMinimum"], exclusiveMaximum = object["exclusiveMaximum"]
        if let bound = try number("minimum", object, path) {
            checks.append(.minimum(bound, exclusive: try draft4Flag("exclusiveMinimum", exclusiveMinimum, path)))
        }
        if let bound = try number("maximum", object, path) {
            checks.append(.maximum(bound, exclusive: try draft4Flag("exclusiveMaximum", exclusiveMaximum, path)))
        }
        if exclusiveMinimum?.boolValue == nil, let bound = try number("exclusiveMinimum", object, path) {
            checks.append(.minimum(bound, exclusive: true))
        }
        if exclusiveMaximum?.boolValue == nil, let bound = try number("exclusiveMaximum", object, path) {
            checks.append(.maximum(bound, exclusive: true))
        }
        if let divisor = try number("multipleOf", object, path) {
            switch divisor {
            case .int(let i) where i > 0: break
            case .double(let d) where d > 0: break
            default: throw error(path, "\"multipleOf\" must be a number greater than 0")
            }
            checks.append(.multipleOf(divisor))
        }

        // Arrays
        var prefix: [Node] = []
        var rest: Node?
        if let prefixItems = object["prefixItems"] {
            prefix = try schemaArray("prefixItems", prefixItems, path, allowEmpty: true)
        }
        if let items = object["items"] {
            if case .array = items {
                // Draft 4–7 tuple form; "additionalItems" then covers the rest.
                prefix = try schemaArray("items", items, path, allowEmpty: true)
                if let additional = object["additionalItems"] {
                    rest = try compile(additional, at: path + "/additionalItems")
                }
            } else {
                rest = try compile(items, at: path + "/items")
            }
        }
        if !prefix.isEmpty || rest != nil { checks.append(.items(prefix: prefix, rest: rest)) }
        if let n = try count("minItems", object, path) { checks.append(.minItems(n)) }
        if let n = try count("maxItems", object, path) { checks.append(.maxItems(n)) }
        if let unique = object["uniqueItems"] {
            guard case .bool(let flag) = unique else { throw error(path, "\"uniqueItems\" must be a boolean") }
            if flag { checks.append(.uniqueItems) }
        }

        // Objects
        if let required = object["required"] {
            guard case .array(let names) = required else { throw error(path, "\"required\" must be an array of strings") }
            var list: [String] = []
            for name in names {
                guard case .string(let s) = name else { throw error(path, "\"required\" must be an array of strings") }
                list.append(s)
            }
            if !list.isEmpty { checks.append(.required(list)) }
        }
        var known = Set<String>()
        if let properties = object["properties"] {
            guard case .object(let members) = properties else { throw error(path, "\"properties\" must be an object") }
            var rules: [PropertyRule] = []
            for member in members.members {
                known.insert(member.key)
                rules.append(PropertyRule(
                    name: member.key,
                    node: try compile(member.value, at: path + "/properties/" + escapePointer(member.key))))
            }
            if !rules.isEmpty { checks.append(.properties(rules)) }
        }
        var patterns: [Pattern] = []
        if let patternProperties = object["patternProperties"] {
            guard case .object(let members) = patternProperties else {
                throw error(path, "\"patternProperties\" must be an object")
            }
            var rules: [PatternRule] = []
            for member in members.members {
                let pattern = try compilePattern(member.key, keyword: "patternProperties", at: path)
                patterns.append(pattern)
                rules.append(PatternRule(
                    pattern: pattern,
                    node: try compile(member.value, at: path + "/patternProperties/" + escapePointer(member.key))))
            }
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
        if let n = try count("minProperties", object, path) { checks.append(.minProperties(n)) }
        if let n = try count("maxProperties", object, path) { checks.append(.maxProperties(n)) }

        // Composition
        if let ref = object["$ref"] {
            guard case .string(let target) = ref else { throw error(path, "\"$ref\" must be a string") }
            checks.append(.ref(try resolve(target, at: path)))
        }
        if let all = object["allOf"] { checks.append(.allOf(try schemaArray("allOf", all, path, allowEmpty: false))) }
        if let any = object["anyOf"] { checks.append(.anyOf(try schemaArray("anyOf", any, path, allowEmpty: false))) }
        if let one = object["oneOf"] { checks.append(.oneOf(try schemaArray("oneOf", one, path, allowEmpty: false))) }
        if let not = object["not"] { checks.append(.not(try compile(not, at: path + "/not"))) }
        if let condition = object["if"] {
            let ifNode = try compile(condition, at: path + "/if")
            let thenNode = try object["then"].map { v throws(SchemaError) in try compile(v, at: path + "/then") }
            let elseNode = try object["else"].map { v throws(SchemaError) in try compile(v, at: path + "/else") }
            if thenNode != nil || elseNode != nil {
                checks.append(.conditional(if: ifNode, then: thenNode, else: elseNode))
            }
        }
        return Node(checks)
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
                throw error(path, "\"type\" has an unknown type \(name.jsonString) (expected null, boolean, integer, number, string, array or object)")
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
            throw error(path, "\"type\" must be a type name or a non-empty array of type names")
        }
    }

    private func compilePattern(_ source: String, keyword: String, at path: String) throws(SchemaError) -> Pattern {
        do {
            return Pattern(source: source, regex: try NSRegularExpression(pattern: source, options: []))
        } catch {
            throw self.error(path, "\"\(keyword)\" \(JSONValue.string(source).jsonString) is not a valid regular expression")
        }
    }

    private func count(_ keyword: String, _ object: JSONObject, _ path: String) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        guard let n = value.intValue, n >= 0, n <= Int64(Int32.max) else {
            throw error(path, "\"\(keyword)\" must be a non-negative integer")
        }
        return Int(n)
    }

    private func number(_ keyword: String, _ object: JSONObject, _ path: String) throws(SchemaError) -> SchemaNumber? {
        switch object[keyword] {
        case nil: return nil
        case .int(let i)?: return .int(i)
        case .double(let d)? where d.isFinite: return .double(d)
        default: throw error(path, "\"\(keyword)\" must be a number")
        }
    }

    private func draft4Flag(_ keyword: String, _ value: JSONValue?, _ path: String) throws(SchemaError) -> Bool {
        if case .bool(let flag)? = value { return flag }
        return false
    }

    private mutating func schemaArray(_ keyword: String, _ value: JSONValue, _ path: String, allowEmpty: Bool) throws(SchemaError) -> [Node] {
        guard case .array(let schemas) = value, allowEmpty || !schemas.isEmpty else {
            throw error(path, "\"\(keyword)\" must be \(allowEmpty ? "an" : "a non-empty") array of schemas")
        }
        var nodes: [Node] = []
        for (index, schema) in schemas.enumerated() {
            nodes.append(try compile(schema, at: "\(path)/\(keyword)/\(index)"))
        }
        return nodes
    }
}

func escapePointer(_ key: String) -> String {
    key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) ? key.replacingTildeAndSlash() : key
}
