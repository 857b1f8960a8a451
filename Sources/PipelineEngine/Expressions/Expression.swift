/// An expression an agent wrote in a pipeline component (a filter condition, a computed field).
/// It is parsed once, bound once per input schema, then evaluated per row in Swift: it never
/// reaches a database, so it cannot touch files or settings whatever it contains.
/// The language is documented in docs/PIPELINE-EXPRESSIONS.md.
public struct Expression: Sendable {
    public let source: String
    let root: SyntaxNode
    public let referencedFields: Set<String>
    public let referencedVariables: Set<String>

    /// Checks syntax only; field names and variables are resolved by `bind`.
    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        if text.count > ExpressionLimits.maxSourceLength {
            throw ExpressionError("expression is too long (\(text.count) characters; the limit is \(ExpressionLimits.maxSourceLength))")
        }
        if text.allSatisfy(\.isWhitespace) { throw ExpressionError("expression is empty") }
        let root = try Parser.parse(text)
        var fields = Set<String>(), variables = Set<String>()
        Expression.collect(root, fields: &fields, variables: &variables)
        return Expression(source: text, root: root, referencedFields: fields, referencedVariables: variables)
    }

    private init(source: String, root: SyntaxNode, referencedFields: Set<String>, referencedVariables: Set<String>) {
        self.source = source
        self.root = root
        self.referencedFields = referencedFields
        self.referencedVariables = referencedVariables
    }

    /// Recursion is safe: the parser has already bounded the tree's height.
    private static func collect(_ node: SyntaxNode, fields: inout Set<String>, variables: inout Set<String>) {
        switch node.kind {
        case .field(let name): fields.insert(name)
        case .variable(let name): variables.insert(name)
        default: for child in node.kind.children { collect(child, fields: &fields, variables: &variables) }
        }
    }

    /// Resolves field names against the input schema and variables, and type-checks. Throws naming
    /// an unknown field (listing the available ones), an unknown variable or a type mismatch.
    public func bind(to schema: RowSchema, variables: [String: Value]) throws(ExpressionError) -> BoundExpression {
        let binder = Binder(schema: schema, variables: variables)
        return BoundExpression(try binder.bind(root))
    }
}

/// An expression ready to run against rows of the schema it was bound to.
public final class BoundExpression: @unchecked Sendable {
    /// nil when the type is statically unknown (e.g. a bare NULL, or coalesce of unknowns).
    public let resultType: FieldType?
    private let evaluator: Evaluator

    init(_ node: CompiledNode) {
        resultType = node.type
        evaluator = node.evaluate
    }

    public func evaluate(_ row: DataRow) throws(ExpressionError) -> Value {
        try evaluator(row)
    }

    /// Filter semantics: only TRUE passes; FALSE and NULL (unknown) do not. Any other value is an
    /// error rather than silently false, so a condition like `price` (missing its comparison) is noticed.
    public func isTrue(_ row: DataRow) throws(ExpressionError) -> Bool {
        switch try evaluator(row) {
        case .bool(let b): return b
        case .null: return false
        case let other:
            throw ExpressionError("a condition must be TRUE or FALSE, but it produced \(describeForError(other)) (\(typeName(of: other)))")
        }
    }
}
