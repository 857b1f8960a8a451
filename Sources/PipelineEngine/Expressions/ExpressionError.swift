/// Why an expression could not be parsed, bound or evaluated. The message is written for the agent
/// that wrote the expression: it names the position, the field or the value involved.
public struct ExpressionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// Zero-based position (in Unicode scalars) in the expression source, when the error has one.
    public let offset: Int?

    public init(_ message: String, offset: Int? = nil) {
        self.message = offset.map { "\(message) (at position \($0 + 1))" } ?? message
        self.offset = offset
    }

    public var description: String { message }
}

/// Limits that keep hostile or runaway input from exhausting memory or the stack.
public enum ExpressionLimits {
    /// Longest accepted expression source, in characters.
    public static let maxSourceLength = 4096
    /// Deepest accepted nesting (parentheses, operators, function calls).
    public static let maxDepth = 64
}

/// How a value is shown inside an error message: quoted, and cut short so a huge cell cannot
/// flood a log line.
func describeForError(_ value: Value) -> String {
    switch value {
    case .null: return "NULL"
    case .bool(let b): return b ? "TRUE" : "FALSE"
    case .int(let i): return String(i)
    case .double(let d): return Value.format(d)
    case .text(let s):
        let cut = s.count > 40 ? String(s.prefix(40)) + "…" : s
        return "'\(cut)'"
    }
}

/// A value's type name as the documentation uses it.
func typeName(of value: Value) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "boolean"
    case .int: return "integer"
    case .double: return "number"
    case .text: return "string"
    }
}
