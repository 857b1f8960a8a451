import JSON

/// A schema that cannot be compiled: a keyword with a wrong value, a keyword Toolhost does not
/// enforce, an unknown keyword or format, an unresolvable or remote `$ref`, a bad pattern.
/// The message names the keyword and the JSON Pointer of the schema that holds it.
public struct SchemaError: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A known keyword whose value is wrong (`"minLength": -1`, a bad regex, a missing `$ref` target).
        case invalidValue
        /// A keyword of the JSON Schema vocabulary that Toolhost refuses rather than ignore
        /// (see `Vocabulary.refused`), or a use of one it cannot honour (a remote `$ref`).
        case unsupportedKeyword
        /// A keyword in no JSON Schema vocabulary: usually a typo (`requried`).
        case unknownKeyword
        /// A `format` name Toolhost has no checker for.
        case unknownFormat
    }

    public let kind: Kind
    /// The keyword at fault (for `unknownFormat`: the format name).
    public let keyword: String
    /// JSON Pointer (RFC 6901) of the schema object holding the keyword; "" is the root.
    public let pointer: String
    public let message: String
    public var description: String { message }

    public init(_ kind: Kind, keyword: String, at pointer: String, message: String) {
        self.kind = kind
        self.keyword = keyword
        self.pointer = pointer
        self.message = message
    }
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
