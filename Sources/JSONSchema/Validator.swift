import JSON

enum PathComponent {
    case key(String)
    case index(Int)
}

/// Walks a compiled schema over a value. Holds the current JSON Pointer as a stack of
/// components, rendered to a string only when a failure is recorded.
struct Validator {
    let table: [Node]
    let limit: Int
    var path: [PathComponent] = []
    var failures: [ValidationFailure] = []
    /// `$ref`s followed since the validator last descended into a child value. More hops than
    /// there are `$ref` targets means a cycle that would never terminate.
    var hopsSinceDescent = 0

    init(table: [Node], limit: Int) {
        self.table = table
        self.limit = limit
    }

    var isFull: Bool { failures.count >= limit }

    mutating func fail(_ message: String) {
        guard failures.count < limit else { return }
        failures.append(ValidationFailure(path: renderPath(), message: message))
    }

    mutating func fail(_ message: String, atKey key: String) {
        path.append(.key(key))
        fail(message)
        path.removeLast()
    }

    func renderPath() -> String {
        var result = ""
        for component in path {
            result.append("/")
            switch component {
            case .index(let i): result.append(String(i))
            case .key(let key):
                if key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                    result.append(key.replacingTildeAndSlash())
                } else {
                    result.append(key)
                }
            }
        }
        return result
    }

    /// A fresh validator at the same location, used to test a subschema without reporting
    /// (anyOf, oneOf, not, if).
    func probe() -> Validator {
        var copy = Validator(table: table, limit: 1)
        copy.path = path
        copy.hopsSinceDescent = hopsSinceDescent
        return copy
    }

    func matches(_ node: Node, _ value: JSONValue) -> Bool {
        var probe = probe()
        probe.validate(node, value)
        return probe.failures.isEmpty
    }

    mutating func descend(_ component: PathComponent, _ node: Node, _ value: JSONValue) {
        path.append(component)
        let savedHops = hopsSinceDescent
        hopsSinceDescent = 0
        validate(node, value)
        hopsSinceDescent = savedHops
        path.removeLast()
    }

    mutating func validate(_ node: Node, _ value: JSONValue) {
        for check in node.checks {
            if isFull { return }
            switch check {
            case .never:
                fail("no value is allowed here")
                return

            case .type(let types, let expected):
                if !types.contains(typeOf: value) {
                    fail("must be \(expected), not \(value.typeName)")
                    return  // the remaining checks would only repeat the problem
                }

            case .enumeration(let options, let message):
                if !options.contains(where: { jsonEquals($0, value) }) { fail(message) }

            case .constant(let expected, let message):
                if !jsonEquals(expected, value) { fail(message) }

            case .minLength(let n):
                if case .string(let s) = value, !s.hasAtLeastScalars(n) {
                    fail("must be at least \(n) character(s) long")
                }
            case .maxLength(let n):
                if case .string(let s) = value, s.hasAtLeastScalars(n + 1) {
                    fail("must be at most \(n) character(s) long")
                }
            case .pattern(let pattern):
                if case .string(let s) = value, !pattern.matches(s) {
                    fail("must match the pattern \(pattern.source)")
                }
            case .format(let format):
                if case .string(let s) = value, !format.accepts(s) { fail(format.failureMessage) }

            case .minimum(let bound, let exclusive):
                if let order = compare(value, bound) {
                    if exclusive ? order <= 0 : order < 0 {
                        fail("must be \(exclusive ? ">" : ">=") \(bound.text)")
                    }
                }
            case .maximum(let bound, let exclusive):
                if let order = compare(value, bound) {
                    if exclusive ? order >= 0 : order > 0 {
                        fail("must be \(exclusive ? "<" : "<=") \(bound.text)")
                    }
                }
            case .multipleOf(let divisor):
                if let ok = isMultiple(value, of: divisor), !ok { fail("must be a multiple of \(divisor.text)") }

            case .items(let prefix, let rest):
                guard case .array(let elements) = value else { continue }
                for (index, element) in elements.enumerated() {
                    if isFull { return }
                    if index < prefix.count {
                        descend(.index(index), prefix[index], element)
                    } else if let rest {
                        descend(.index(index), rest, element)
                    } else {
                        break
                    }
                }
            case .minItems(let n):
                if case .array(let a) = value, a.count < n { fail("must have at least \(n) item(s)") }
            case .maxItems(let n):
                if case .array(let a) = value, a.count > n { fail("must have at most \(n) item(s)") }
            case .uniqueItems:
                if case .array(let a) = value, let (i, j) = firstDuplicate(a) {
                    fail("must not contain duplicate items (items \(i) and \(j) are equal)")
                }

            case .required(let names):
                guard case .object(let object) = value else { continue }
                for name in names where object[name] == nil {
                    fail("missing required property \(JSONValue.string(name).jsonString)")
                }
            case .properties(let rules):
                guard case .object(let object) = value else { continue }
                for rule in rules {
                    if isFull { return }
                    if let member = object[rule.name] { descend(.key(rule.name), rule.node, member) }
                }
            case .patternProperties(let rules):
                guard case .object(let object) = value else { continue }
                for member in object.members {
                    for rule in rules where rule.pattern.matches(member.key) {
                        if isFull { return }
                        descend(.key(member.key), rule.node, member.value)
                    }
                }
            case .additionalProperties(let known, let patterns, let schema):
                guard case .object(let object) = value else { continue }
                for member in object.members where !known.contains(member.key) {
                    if patterns.contains(where: { $0.matches(member.key) }) { continue }
                    if isFull { return }
                    if let schema {
                        descend(.key(member.key), schema, member.value)
                    } else {
                        fail("additional property \(JSONValue.string(member.key).jsonString) is not allowed")
                    }
                }
            case .minProperties(let n):
                if case .object(let o) = value, o.count < n { fail("must have at least \(n) property(ies)") }
            case .maxProperties(let n):
                if case .object(let o) = value, o.count > n { fail("must have at most \(n) property(ies)") }

            case .ref(let index):
                if hopsSinceDescent > table.count {
                    fail("schema $ref recursion does not terminate")
                    return
                }
                hopsSinceDescent += 1
                validate(table[index], value)
                hopsSinceDescent -= 1

            case .allOf(let nodes):
                for node in nodes {
                    if isFull { return }
                    validate(node, value)
                }
            case .anyOf(let nodes):
                if !nodes.contains(where: { matches($0, value) }) {
                    fail("must match at least one of the allowed schemas")
                }
            case .oneOf(let nodes):
                var matched = 0
                for node in nodes where matches(node, value) {
                    matched += 1
                    if matched > 1 { break }
                }
                if matched != 1 { fail("must match exactly one of the allowed schemas") }
            case .not(let node):
                if matches(node, value) { fail("must not match the disallowed schema") }
            case .conditional(let condition, let then, let otherwise):
                if matches(condition, value) {
                    if let then { validate(then, value) }
                } else if let otherwise {
                    validate(otherwise, value)
                }
            }
        }
    }
}

extension String {
    /// Unicode code points, as JSON Schema counts length; stops counting early.
    func hasAtLeastScalars(_ n: Int) -> Bool {
        if n <= 0 { return true }
        if utf8.count < n { return false }  // every scalar is at least one byte
        var count = 0
        for _ in unicodeScalars {
            count += 1
            if count >= n { return true }
        }
        return false
    }

    func replacingTildeAndSlash() -> String {
        var result = ""
        for character in unicodeScalars {
            switch character {
            case "~": result.append("~0")
            case "/": result.append("~1")
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
