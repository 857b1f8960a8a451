import Foundation
import JSON

/// A compiled (sub)schema: the checks that all have to pass.
final class Node: Sendable {
    let checks: [Check]
    init(_ checks: [Check]) { self.checks = checks }
}

/// A regular expression compiled at schema-compile time. NSRegularExpression is immutable and
/// documented as safe to use from several threads at once.
struct Pattern: @unchecked Sendable {
    let source: String
    let regex: NSRegularExpression

    func matches(_ string: String) -> Bool {
        regex.firstMatch(in: string, options: [], range: NSRange(location: 0, length: string.utf16.count)) != nil
    }
}

/// A number from the schema, kept exact when it is an integer.
enum SchemaNumber: Sendable {
    case int(Int64)
    case double(Double)

    var text: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d):
            if d.rounded() == d, abs(d) < 9.2e18 { return String(Int64(d)) }
            return JSONValue.double(d).jsonString
        }
    }
}

struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let integer = TypeSet(rawValue: 4)
    static let number = TypeSet(rawValue: 8)
    static let string = TypeSet(rawValue: 16)
    static let array = TypeSet(rawValue: 32)
    static let object = TypeSet(rawValue: 64)

    func contains(typeOf value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .int: return contains(.integer) || contains(.number)
        case .double(let d):
            return contains(.number) || (contains(.integer) && d.isFinite && d.rounded() == d)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }
}

/// The `format` names Toolhost enforces (see Formats.swift); any other name is refused at compile.
enum StringFormat: Sendable, CaseIterable {
    case dateTime, date, time, duration, email, hostname, ipv4, ipv6, uri, uuid, jsonPointer
}

struct PropertyRule: Sendable {
    let name: String
    let node: Node
}

/// `dependentRequired` (and draft-07 `dependencies` with an array): when `name` is present,
/// so must every member of `required` be.
struct Dependency: Sendable {
    let name: String
    let required: [String]
}

struct PatternRule: Sendable {
    let pattern: Pattern
    let node: Node
}

enum Check: Sendable {
    /// The `false` schema.
    case never
    /// `expected` is the text after "must be ", e.g. "a string" or "one of types string, null".
    case type(TypeSet, expected: String)
    case enumeration([JSONValue], message: String)
    case constant(JSONValue, message: String)

    case minLength(Int)
    case maxLength(Int)
    case pattern(Pattern)
    case format(StringFormat)

    case minimum(SchemaNumber, exclusive: Bool)
    case maximum(SchemaNumber, exclusive: Bool)
    case multipleOf(SchemaNumber)

    /// `prefixItems` (or draft-07 array `items`) followed by the schema for the remaining items.
    case items(prefix: [Node], rest: Node?)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    /// At least `min` and at most `max` items match `node` (`minContains`/`maxContains`).
    case contains(Node, min: Int, max: Int?)

    case required([String])
    case properties([PropertyRule])
    case patternProperties([PatternRule])
    /// Applies `schema` to every member not named in `known` and not matching `patterns`;
    /// `schema == nil` means `additionalProperties: false`.
    case additionalProperties(known: Set<String>, patterns: [Pattern], schema: Node?)
    case minProperties(Int)
    case maxProperties(Int)
    /// Every member name, as a string, matches the node.
    case propertyNames(Node)
    case dependentRequired([Dependency])
    /// When the named member is present, the whole object must match the rule's node.
    case dependentSchemas([PropertyRule])

    case ref(Int)
    case allOf([Node])
    case anyOf([Node])
    case oneOf([Node])
    case not(Node)
    case conditional(if: Node, then: Node?, else: Node?)
}
