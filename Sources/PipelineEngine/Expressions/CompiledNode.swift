/// Evaluates one node of a bound expression for a row. Bound expressions are trees of these
/// closures: each captures its children's closures directly, so evaluation is a chain of direct
/// calls with no protocol dispatch and no per-row allocation beyond the values themselves.
typealias Evaluator = (DataRow) throws(ExpressionError) -> Value

/// A node after binding: its static type, its evaluator and, when it depends on no field,
/// its value computed once at bind time.
struct CompiledNode {
    /// nil when the type cannot be known before a row is seen (NULL, or a mix of unknowns).
    let type: FieldType?
    let evaluate: Evaluator
    let constant: Value?
    /// For error messages: "field price", "'abc'", "the expression at position 7".
    let label: String

    init(type: FieldType?, label: String, evaluate: @escaping Evaluator) {
        self.type = type
        self.evaluate = evaluate
        self.constant = nil
        self.label = label
    }

    init(constant: Value, type: FieldType?, label: String) {
        self.type = type
        self.constant = constant
        self.evaluate = { _ throws(ExpressionError) in constant }
        self.label = label
    }

    var typeLabel: String { type?.rawValue ?? "unknown type" }
}

extension FieldType {
    /// The static type of a value known at bind time (nil for NULL).
    init?(of value: Value) {
        switch value {
        case .null: return nil
        case .bool: self = .boolean
        case .int: self = .integer
        case .double: self = .number
        case .text: self = .string
        }
    }

    var isNumeric: Bool { self == .integer || self == .number }
}
