import Foundation

// The runtime meaning of each operator on `Value`s. Bound expressions call these per row, so
// they switch on the enum directly (no protocols, no allocation except for new text).

enum Operations {
    /// + - * / % with SQL's NULL rule (NULL in, NULL out). Ints stay ints except for `/`,
    /// which always produces a number so 7 / 2 is 3.5 as a person expects.
    @inline(__always)
    static func arithmetic(_ op: BinaryOperator, _ a: Value, _ b: Value, offset: Int) throws(ExpressionError) -> Value {
        switch (a, b) {
        case (.null, _), (_, .null): return .null
        case (.int(let x), .int(let y)): return try integers(op, x, y, offset: offset)
        case (.int(let x), .double(let y)): return try doubles(op, Double(x), y, offset: offset)
        case (.double(let x), .int(let y)): return try doubles(op, x, Double(y), offset: offset)
        case (.double(let x), .double(let y)): return try doubles(op, x, y, offset: offset)
        default:
            let bad = a.number == nil ? a : b
            throw ExpressionError("operator \(op.rawValue) needs numbers, but got \(describeForError(bad)) (\(typeName(of: bad)))", offset: offset)
        }
    }

    @inline(__always)
    static func integers(_ op: BinaryOperator, _ x: Int64, _ y: Int64, offset: Int) throws(ExpressionError) -> Value {
        let result: (partialValue: Int64, overflow: Bool)
        switch op {
        case .add: result = x.addingReportingOverflow(y)
        case .subtract: result = x.subtractingReportingOverflow(y)
        case .multiply: result = x.multipliedReportingOverflow(by: y)
        case .divide: return try doubles(.divide, Double(x), Double(y), offset: offset)
        case .remainder:
            if y == 0 { throw ExpressionError("division by zero", offset: offset) }
            result = x.remainderReportingOverflow(dividingBy: y)
        default: preconditionFailure("not an arithmetic operator")
        }
        if result.overflow {
            throw ExpressionError("integer overflow: \(x) \(op.rawValue) \(y) does not fit in a 64-bit integer", offset: offset)
        }
        return .int(result.partialValue)
    }

    @inline(__always)
    static func doubles(_ op: BinaryOperator, _ x: Double, _ y: Double, offset: Int) throws(ExpressionError) -> Value {
        let result: Double
        switch op {
        case .add: result = x + y
        case .subtract: result = x - y
        case .multiply: result = x * y
        case .divide:
            if y == 0 { throw ExpressionError("division by zero", offset: offset) }
            result = x / y
        case .remainder:
            if y == 0 { throw ExpressionError("division by zero", offset: offset) }
            result = x.truncatingRemainder(dividingBy: y)
        default: preconditionFailure("not an arithmetic operator")
        }
        return try finite(result, offset: offset)
    }

    /// Infinity and NaN cannot be stored by most destinations, so they are errors, not values.
    @inline(__always)
    static func finite(_ d: Double, offset: Int) throws(ExpressionError) -> Value {
        if !d.isFinite { throw ExpressionError("number overflow: the result is too large to represent", offset: offset) }
        return .double(d)
    }

    static func negate(_ a: Value, offset: Int) throws(ExpressionError) -> Value {
        switch a {
        case .null: return .null
        case .int(let i):
            if i == .min { throw ExpressionError("integer overflow: -(\(i)) does not fit in a 64-bit integer", offset: offset) }
            return .int(-i)
        case .double(let d): return .double(-d)
        default: throw ExpressionError("unary - needs a number, but got \(describeForError(a)) (\(typeName(of: a)))", offset: offset)
        }
    }

    /// Three-way comparison; nil when either side is NULL (SQL: the comparison is unknown).
    /// Ints and doubles compare by numeric value.
    @inline(__always)
    static func compare(_ a: Value, _ b: Value, offset: Int) throws(ExpressionError) -> Int? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.double(let x), .double(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.int(let x), .double(let y)): return compareMixed(x, y)
        case (.double(let x), .int(let y)): return -compareMixed(y, x)
        case (.text(let x), .text(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        default:
            throw ExpressionError("cannot compare \(typeName(of: a)) \(describeForError(a)) with \(typeName(of: b)) \(describeForError(b))", offset: offset)
        }
    }

    /// Exact int/double comparison: converting a large Int64 to Double would round it.
    private static func compareMixed(_ x: Int64, _ y: Double) -> Int {
        if y.isNaN { return -1 }
        if y >= 9.223372036854775808e18 { return -1 }
        if y < -9.223372036854775808e18 { return 1 }
        let truncated = Int64(y.rounded(.towardZero))
        if x != truncated { return x < truncated ? -1 : 1 }
        let fraction = y - y.rounded(.towardZero)
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    @inline(__always)
    static func comparisonResult(_ op: BinaryOperator, _ order: Int?) -> Value {
        guard let order else { return .null }
        switch op {
        case .equal: return .bool(order == 0)
        case .notEqual: return .bool(order != 0)
        case .less: return .bool(order < 0)
        case .lessEqual: return .bool(order <= 0)
        case .greater: return .bool(order > 0)
        case .greaterEqual: return .bool(order >= 0)
        default: preconditionFailure("not a comparison")
        }
    }

    /// The text form used by ||, concat() and the string functions: numbers print the way a
    /// delimited file shows them.
    @inline(__always)
    static func text(_ value: Value) -> String? { value.text }
}
