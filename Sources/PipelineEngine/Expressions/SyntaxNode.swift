/// The parsed form of an expression, before field names are resolved against a schema.
/// A class so each node can carry its height, which the parser checks against the depth limit
/// (binding and evaluation recurse over the tree, so its height bounds their stack use).
final class SyntaxNode: Sendable {
    enum Kind: Sendable {
        case literal(Value)
        case field(String)
        case variable(String)
        case negate(SyntaxNode)
        case not(SyntaxNode)
        /// AND / OR chains are kept flat: a long list of alternatives is not a deep tree.
        case and([SyntaxNode])
        case or([SyntaxNode])
        case binary(BinaryOperator, SyntaxNode, SyntaxNode)
        case isNull(SyntaxNode, negated: Bool)
        case inList(SyntaxNode, [SyntaxNode], negated: Bool)
        case between(SyntaxNode, SyntaxNode, SyntaxNode, negated: Bool)
        case like(SyntaxNode, SyntaxNode, negated: Bool)
        case caseWhen([(condition: SyntaxNode, result: SyntaxNode)], otherwise: SyntaxNode?)
        case call(String, [SyntaxNode])
    }

    let kind: Kind
    /// Where the node starts (or, for operators, where the operator is) in the source.
    let offset: Int
    let height: Int

    init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
        self.height = 1 + (kind.children.map(\.height).max() ?? 0)
    }
}

enum BinaryOperator: String, Sendable {
    case equal = "=", notEqual = "<>", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case concat = "||", add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }
}

extension SyntaxNode.Kind {
    var children: [SyntaxNode] {
        switch self {
        case .literal, .field, .variable: return []
        case .negate(let a), .not(let a), .isNull(let a, _): return [a]
        case .and(let list), .or(let list), .call(_, let list): return list
        case .binary(_, let a, let b), .like(let a, let b, _): return [a, b]
        case .inList(let a, let list, _): return [a] + list
        case .between(let a, let b, let c, _): return [a, b, c]
        case .caseWhen(let branches, let otherwise):
            return branches.flatMap { [$0.condition, $0.result] } + (otherwise.map { [$0] } ?? [])
        }
    }
}
