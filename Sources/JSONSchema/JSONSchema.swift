import JSON

/// A schema that cannot be compiled: wrong keyword value, unresolvable or remote `$ref`, bad pattern.
public struct SchemaError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// One reason a value does not match its schema.
public struct ValidationFailure: Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer (RFC 6901) to the offending value; "" is the root.
    public let path: String
    public let message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A JSON Schema compiled once into an immutable tree of checks.
///
/// Compilation resolves every keyword, regex and `$ref` up front, so validation is a walk over
/// small enum cases: no keyword-name lookups, no allocation on the success path beyond
/// the path stack. Instances are immutable and safe to share between threads.
public final class CompiledSchema: Sendable {
    /// Validation stops collecting after this many failures.
    public static let maxFailures = 10

    let root: Node
    /// Targets of `$ref`, indexed by `Check.ref`.
    let table: [Node]

    init(root: Node, table: [Node]) {
        self.root = root
        self.table = table
    }

    public static func compile(_ schema: JSONValue) throws(SchemaError) -> CompiledSchema {
        var compiler = SchemaCompiler(root: schema)
        let root = try compiler.compileRoot()
        return CompiledSchema(root: root, table: compiler.finishedTable())
    }

    /// Returns the failures; an empty array means the value is valid.
    public func validate(_ value: JSONValue) -> [ValidationFailure] {
        var validator = Validator(table: table, limit: Self.maxFailures)
        validator.validate(root, value)
        return validator.failures
    }

    /// True when the value is valid (stops at the first failure).
    public func isValid(_ value: JSONValue) -> Bool {
        var validator = Validator(table: table, limit: 1)
        validator.validate(root, value)
        return validator.failures.isEmpty
    }
}
