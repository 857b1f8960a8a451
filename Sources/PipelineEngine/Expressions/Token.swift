/// One lexical unit of an expression, with its position for error messages.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case integer(Int64)
        case decimal(Double)
        case string(String)
        /// A bare identifier that is not a keyword: a field name.
        case identifier(String)
        /// A "double-quoted" field name (never a keyword).
        case quotedIdentifier(String)
        case variable(String)
        case keyword(Keyword)
        case symbol(Symbol)
        case end
    }

    let kind: Kind
    let offset: Int
}

/// Reserved words; matched case-insensitively. A field with one of these names must be written in
/// double quotes.
enum Keyword: String, Sendable, CaseIterable {
    case and = "AND", or = "OR", not = "NOT", `is` = "IS", null = "NULL", `in` = "IN"
    case between = "BETWEEN", like = "LIKE", `case` = "CASE", when = "WHEN", then = "THEN"
    case `else` = "ELSE", end = "END", `true` = "TRUE", `false` = "FALSE"
}

enum Symbol: String, Sendable {
    case leftParen = "(", rightParen = ")", comma = ","
    case equal = "=", doubleEqual = "==", notEqual = "!=", ltgt = "<>"
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case concat = "||", plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
}

extension Token.Kind {
    /// How the token reads in an error message.
    var display: String {
        switch self {
        case .integer(let i): return String(i)
        case .decimal(let d): return String(d)
        case .string(let s): return "'\(s)'"
        case .identifier(let s): return s
        case .quotedIdentifier(let s): return "\"\(s)\""
        case .variable(let s): return "$\(s)"
        case .keyword(let k): return k.rawValue
        case .symbol(let s): return "'\(s.rawValue)'"
        case .end: return "the end of the expression"
        }
    }
}
