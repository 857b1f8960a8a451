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

    /// A fresh validator used to test a subschema without reporting (anyOf, oneOf, not, if).
    /// Its failures are discarded, so it does not need the current path.
    func probe() -> Validator {
        var copy = Validator(table: table, limit: 1)
        copy.hopsSinceDescent = hopsSinceDescent
        return copy
    }

    func matches(_ node: Node, _ value: JSONValue) -> Bool {
        var probe = probe()
        probe.validate(node, value)
        return probe.failures.isEmpty
    }

    /// `matches` for a child value (an item for `contains`, a member name for `propertyNames`):
    /// descending resets the `$ref` hop count, as `descend` does.
    func childMatches(_ node: Node, _ child: JSONValue) -> Bool {
        var probe = probe()
        probe.hopsSinceDescent = 0
        probe.validate(node, child)
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

    /// Applies every check of `node`. This function and the helpers that recurse are kept
    /// small and separate (@inline(never)) so that each level of a deeply nested value costs
    /// little stack, even in debug builds.
    mutating func validate(_ start: Node, _ value: JSONValue) {
        // A schema that is only a "$ref" is followed here without another stack frame:
        // recursive schemas ({"items": {"$ref": "#"}}) pass through one on every level.
        var node = start
        var hops = 0
        while node.checks.count == 1, case .ref(let index) = node.checks[0] {
            hops += 1
            if hopsSinceDescent + hops > table.count + 1 {
                fail("schema $ref recursion does not terminate")
                return
            }
            node = table[index]
        }
        hopsSinceDescent += hops
        defer { hopsSinceDescent -= hops }
        // Helpers receive the whole check and unpack it themselves, which keeps this frame small.
        for check in node.checks {
            if isFull { return }
            let keepGoing: Bool
            switch check {
            case .items: keepGoing = applyItems(check, value)
            case .properties: keepGoing = applyProperties(check, value)
            case .patternProperties: keepGoing = applyPatternProperties(check, value)
            case .additionalProperties: keepGoing = applyAdditionalProperties(check, value)
            case .ref: keepGoing = applyRef(check, value)
            case .allOf: keepGoing = applyAllOf(check, value)
            case .anyOf: keepGoing = applyAnyOf(check, value)
            case .oneOf: keepGoing = applyOneOf(check, value)
            case .not: keepGoing = applyNot(check, value)
            case .conditional: keepGoing = applyConditional(check, value)
            case .contains: keepGoing = applyContains(check, value)
            case .propertyNames: keepGoing = applyPropertyNames(check, value)
            case .dependentSchemas: keepGoing = applyDependentSchemas(check, value)
            default: keepGoing = applyLeaf(check, value)
            }
            if !keepGoing { return }
        }
    }

    @inline(never)
    mutating func applyRef(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .ref(let index) = check else { return true }
        if hopsSinceDescent > table.count {
            fail("schema $ref recursion does not terminate")
            return false
        }
        hopsSinceDescent += 1
        validate(table[index], value)
        hopsSinceDescent -= 1
        return true
    }

    @inline(never)
    mutating func applyItems(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .items(let prefix, let rest) = check else { return true }
        guard case .array(let elements) = value else { return true }
        for (index, element) in elements.enumerated() {
            if isFull { return false }
            guard let node = index < prefix.count ? prefix[index] : rest else { break }
            path.append(.index(index))
            let savedHops = hopsSinceDescent
            hopsSinceDescent = 0
            validate(node, element)
            hopsSinceDescent = savedHops
            path.removeLast()
        }
        return true
    }

    @inline(never)
    mutating func applyProperties(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .properties(let rules) = check else { return true }
        guard case .object(let object) = value else { return true }
        for rule in rules {
            if isFull { return false }
            guard let member = object[rule.name] else { continue }
            path.append(.key(rule.name))
            let savedHops = hopsSinceDescent
            hopsSinceDescent = 0
            validate(rule.node, member)
            hopsSinceDescent = savedHops
            path.removeLast()
        }
        return true
    }

    @inline(never)
    mutating func applyPatternProperties(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .patternProperties(let rules) = check else { return true }
        guard case .object(let object) = value else { return true }
        for member in object.members {
            for rule in rules where rule.pattern.matches(member.key) {
                if isFull { return false }
                descend(.key(member.key), rule.node, member.value)
            }
        }
        return true
    }

    @inline(never)
    mutating func applyAdditionalProperties(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .additionalProperties(let known, let patterns, let schema) = check else { return true }
        guard case .object(let object) = value else { return true }
        for member in object.members where !known.contains(member.key) {
            if patterns.contains(where: { $0.matches(member.key) }) { continue }
            if isFull { return false }
            if let schema {
                descend(.key(member.key), schema, member.value)
            } else {
                fail("additional property \(JSONValue.string(member.key).jsonString) is not allowed")
            }
        }
        return true
    }

    @inline(never)
    mutating func applyAllOf(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .allOf(let nodes) = check else { return true }
        for node in nodes {
            if isFull { return false }
            validate(node, value)
        }
        return true
    }

    @inline(never)
    mutating func applyAnyOf(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .anyOf(let nodes) = check else { return true }
        if !nodes.contains(where: { matches($0, value) }) { fail("must match at least one of the allowed schemas") }
        return true
    }

    @inline(never)
    mutating func applyOneOf(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .oneOf(let nodes) = check else { return true }
        var matched = 0
        for node in nodes where matches(node, value) {
            matched += 1
            if matched > 1 { break }
        }
        if matched != 1 { fail("must match exactly one of the allowed schemas") }
        return true
    }

    @inline(never)
    mutating func applyNot(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .not(let node) = check else { return true }
        if matches(node, value) { fail("must not match the disallowed schema") }
        return true
    }

    @inline(never)
    mutating func applyConditional(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .conditional(let condition, let then, let otherwise) = check else { return true }
        if matches(condition, value) {
            if let then { validate(then, value) }
        } else if let otherwise {
            validate(otherwise, value)
        }
        return true
    }

    @inline(never)
    mutating func applyContains(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .contains(let node, let minimum, let maximum) = check else { return true }
        guard case .array(let elements) = value else { return true }
        var matched = 0
        for element in elements where childMatches(node, element) {
            matched += 1
            // Once the minimum is met and there is no maximum, or the maximum is exceeded,
            // further items cannot change the outcome.
            if matched >= minimum, maximum.map({ matched > $0 }) ?? true { break }
        }
        if matched < minimum {
            fail(minimum == 1 ? "must contain an item matching the \"contains\" schema"
                              : "must contain at least \(minimum) items matching the \"contains\" schema")
        } else if let maximum, matched > maximum {
            fail("must contain at most \(maximum) item(s) matching the \"contains\" schema")
        }
        return true
    }

    /// Member names are validated as strings; a failure is reported at the member's path.
    @inline(never)
    mutating func applyPropertyNames(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .propertyNames(let node) = check else { return true }
        guard case .object(let object) = value else { return true }
        for member in object.members where !childMatches(node, .string(member.key)) {
            if isFull { return false }
            fail("property name \(JSONValue.string(member.key).jsonString) does not match the \"propertyNames\" schema",
                 atKey: member.key)
        }
        return true
    }

    @inline(never)
    mutating func applyDependentSchemas(_ check: Check, _ value: JSONValue) -> Bool {
        guard case .dependentSchemas(let rules) = check else { return true }
        guard case .object(let object) = value else { return true }
        for rule in rules where object[rule.name] != nil {
            if isFull { return false }
            validate(rule.node, value)
        }
        return true
    }

    /// Checks that do not recurse into the value (anyOf/oneOf/not only probe).
    /// Returns false when the remaining checks of the schema should be skipped.
    @inline(never)
    mutating func applyLeaf(_ check: Check, _ value: JSONValue) -> Bool {
        switch check {
        case .never:
            fail("no value is allowed here")
            return false

        case .type(let types, let expected):
            if !types.contains(typeOf: value) {
                fail("must be \(expected), not \(value.typeName)")
                return false  // the remaining checks would only repeat the problem
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
            if let order = compare(value, bound), exclusive ? order <= 0 : order < 0 {
                fail("must be \(exclusive ? ">" : ">=") \(bound.text)")
            }
        case .maximum(let bound, let exclusive):
            if let order = compare(value, bound), exclusive ? order >= 0 : order > 0 {
                fail("must be \(exclusive ? "<" : "<=") \(bound.text)")
            }
        case .multipleOf(let divisor):
            if let ok = isMultiple(value, of: divisor), !ok { fail("must be a multiple of \(divisor.text)") }

        case .minItems(let n):
            if case .array(let a) = value, a.count < n { fail("must have at least \(n) item(s)") }
        case .maxItems(let n):
            if case .array(let a) = value, a.count > n { fail("must have at most \(n) item(s)") }
        case .uniqueItems:
            if case .array(let a) = value, let (i, j) = firstDuplicate(a) {
                fail("must not contain duplicate items (items \(i) and \(j) are equal)")
            }

        case .required(let names):
            if case .object(let object) = value {
                for name in names where object[name] == nil {
                    fail("missing required property \(JSONValue.string(name).jsonString)")
                }
            }
        case .dependentRequired(let dependencies):
            if case .object(let object) = value {
                for dependency in dependencies where object[dependency.name] != nil {
                    for name in dependency.required where object[name] == nil {
                        let present = JSONValue.string(dependency.name).jsonString
                        fail("missing property \(JSONValue.string(name).jsonString), required when \(present) is present")
                    }
                }
            }
        case .minProperties(let n):
            if case .object(let o) = value, o.count < n { fail("must have at least \(n) property(ies)") }
        case .maxProperties(let n):
            if case .object(let o) = value, o.count > n { fail("must have at most \(n) property(ies)") }

        case .items, .properties, .patternProperties, .additionalProperties, .ref, .allOf, .conditional,
             .anyOf, .oneOf, .not, .contains, .propertyNames, .dependentSchemas:
            break  // handled by validate(_:_:)
        }
        return true
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
