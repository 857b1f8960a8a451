/// Recursive-descent parser with SQL's precedence, lowest first:
/// OR, AND, NOT, comparison (= <> < IS IN BETWEEN LIKE), ||, + -, * / %, unary -.
/// Every recursive step goes through `nested`, so neither deep parentheses nor long operator
/// chains can take the parser (or, later, the binder and evaluator) past `ExpressionLimits.maxDepth`.
struct Parser {
    private let tokens: [Token]
    private var position = 0
    private var depth = 0

    static func parse(_ source: String) throws(ExpressionError) -> SyntaxNode {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        let root = try parser.parseExpression()
        guard case .end = parser.current.kind else {
            throw ExpressionError("unexpected \(parser.current.kind.display) after a complete expression", offset: parser.current.offset)
        }
        return root
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var current: Token { tokens[position] }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func accept(_ keyword: Keyword) -> Bool {
        guard case .keyword(keyword) = current.kind else { return false }
        position += 1
        return true
    }

    private mutating func accept(_ symbol: Symbol) -> Bool {
        guard case .symbol(symbol) = current.kind else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ symbol: Symbol, _ context: String) throws(ExpressionError) {
        guard accept(symbol) else {
            throw ExpressionError("expected '\(symbol.rawValue)' \(context), found \(current.kind.display)", offset: current.offset)
        }
    }

    private mutating func expect(_ keyword: Keyword, _ context: String) throws(ExpressionError) {
        guard accept(keyword) else {
            throw ExpressionError("expected \(keyword.rawValue) \(context), found \(current.kind.display)", offset: current.offset)
        }
    }

    /// Builds a node and refuses it when the tree grows taller than the limit.
    private func make(_ kind: SyntaxNode.Kind, at offset: Int) throws(ExpressionError) -> SyntaxNode {
        let node = SyntaxNode(kind, offset: offset)
        if node.height > ExpressionLimits.maxDepth { throw Parser.tooDeep(offset) }
        return node
    }

    static func tooDeep(_ offset: Int) -> ExpressionError {
        ExpressionError("expression nests too deeply (the limit is \(ExpressionLimits.maxDepth) levels); simplify it, or use IN (...) for long lists of alternatives", offset: offset)
    }

    private mutating func nested<T>(_ body: (inout Parser) throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > ExpressionLimits.maxDepth { throw Parser.tooDeep(current.offset) }
        return try body(&self)
    }

    // MARK: - Boolean levels

    private mutating func parseExpression() throws(ExpressionError) -> SyntaxNode {
        try nested { (p: inout Parser) throws(ExpressionError) in try p.parseOr() }
    }

    private mutating func parseOr() throws(ExpressionError) -> SyntaxNode {
        let first = try parseAnd()
        var operands = [first]
        while case .keyword(.or) = current.kind {
            let offset = advance().offset
            operands.append(try parseAnd())
            if operands.count > 10_000 { throw Parser.tooDeep(offset) }
        }
        return operands.count == 1 ? first : try make(.or(operands), at: first.offset)
    }

    private mutating func parseAnd() throws(ExpressionError) -> SyntaxNode {
        let first = try parseNot()
        var operands = [first]
        while case .keyword(.and) = current.kind {
            _ = advance()
            operands.append(try parseNot())
        }
        return operands.count == 1 ? first : try make(.and(operands), at: first.offset)
    }

    private mutating func parseNot() throws(ExpressionError) -> SyntaxNode {
        guard case .keyword(.not) = current.kind else { return try parseComparison() }
        let offset = advance().offset
        let operand = try nested { (p: inout Parser) throws(ExpressionError) in try p.parseNot() }
        return try make(.not(operand), at: offset)
    }

    // MARK: - Comparison level

    private mutating func parseComparison() throws(ExpressionError) -> SyntaxNode {
        let left = try parseConcat()
        let offset = current.offset
        if case .symbol(let symbol) = current.kind, let op = Parser.comparison(symbol) {
            _ = advance()
            let right = try parseConcat()
            return try make(.binary(op, left, right), at: offset)
        }
        if accept(.is) {
            let negated = accept(.not)
            try expect(.null, "after IS" + (negated ? " NOT" : ""))
            return try make(.isNull(left, negated: negated), at: offset)
        }
        let negated = accept(.not)
        if accept(.in) { return try parseInList(left, negated: negated, at: offset) }
        if accept(.between) {
            let low = try parseConcat()
            try expect(.and, "between the bounds of BETWEEN")
            let high = try parseConcat()
            return try make(.between(left, low, high, negated: negated), at: offset)
        }
        if accept(.like) {
            return try make(.like(left, try parseConcat(), negated: negated), at: offset)
        }
        if negated { throw ExpressionError("expected IN, BETWEEN or LIKE after NOT, found \(current.kind.display)", offset: current.offset) }
        return left
    }

    private static func comparison(_ symbol: Symbol) -> BinaryOperator? {
        switch symbol {
        case .equal, .doubleEqual: .equal
        case .notEqual, .ltgt: .notEqual
        case .less: .less
        case .lessEqual: .lessEqual
        case .greater: .greater
        case .greaterEqual: .greaterEqual
        default: nil
        }
    }

    private mutating func parseInList(_ left: SyntaxNode, negated: Bool, at offset: Int) throws(ExpressionError) -> SyntaxNode {
        try expect(.leftParen, "after IN")
        var items: [SyntaxNode] = []
        repeat {
            items.append(try parseExpression())
        } while accept(.comma)
        try expect(.rightParen, "to close the IN list")
        return try make(.inList(left, items, negated: negated), at: offset)
    }

    // MARK: - Arithmetic levels

    private mutating func parseConcat() throws(ExpressionError) -> SyntaxNode {
        var left = try parseAdditive()
        while case .symbol(.concat) = current.kind {
            let offset = advance().offset
            left = try make(.binary(.concat, left, try parseAdditive()), at: offset)
        }
        return left
    }

    private mutating func parseAdditive() throws(ExpressionError) -> SyntaxNode {
        var left = try parseMultiplicative()
        while case .symbol(let symbol) = current.kind, symbol == .plus || symbol == .minus {
            let offset = advance().offset
            let right = try parseMultiplicative()
            left = try make(.binary(symbol == .plus ? .add : .subtract, left, right), at: offset)
        }
        return left
    }

    private mutating func parseMultiplicative() throws(ExpressionError) -> SyntaxNode {
        var left = try parseUnary()
        while case .symbol(let symbol) = current.kind, let op = Parser.multiplicative(symbol) {
            let offset = advance().offset
            left = try make(.binary(op, left, try parseUnary()), at: offset)
        }
        return left
    }

    private static func multiplicative(_ symbol: Symbol) -> BinaryOperator? {
        switch symbol {
        case .star: .multiply
        case .slash: .divide
        case .percent: .remainder
        default: nil
        }
    }

    private mutating func parseUnary() throws(ExpressionError) -> SyntaxNode {
        if case .symbol(let symbol) = current.kind, symbol == .minus || symbol == .plus {
            let offset = advance().offset
            // A minus straight before an integer literal folds into it: -5 is one literal, not an operation.
            if symbol == .minus, case .integer(let i) = current.kind, current.offset == offset + 1 {
                _ = advance()
                return try make(.literal(.int(-i)), at: offset)
            }
            let operand = try nested { (p: inout Parser) throws(ExpressionError) in try p.parseUnary() }
            return symbol == .minus ? try make(.negate(operand), at: offset) : operand
        }
        return try parsePrimary()
    }

    // MARK: - Primary

    private mutating func parsePrimary() throws(ExpressionError) -> SyntaxNode {
        let token = advance()
        switch token.kind {
        case .integer(let i): return try make(.literal(.int(i)), at: token.offset)
        case .decimal(let d): return try make(.literal(.double(d)), at: token.offset)
        case .string(let s): return try make(.literal(.text(s)), at: token.offset)
        case .keyword(.true): return try make(.literal(.bool(true)), at: token.offset)
        case .keyword(.false): return try make(.literal(.bool(false)), at: token.offset)
        case .keyword(.null): return try make(.literal(.null), at: token.offset)
        case .keyword(.case): return try parseCase(at: token.offset)
        case .variable(let name): return try make(.variable(name), at: token.offset)
        case .quotedIdentifier(let name): return try make(.field(name), at: token.offset)
        case .identifier(let name):
            if accept(.leftParen) { return try parseCall(name, at: token.offset) }
            return try make(.field(name), at: token.offset)
        case .symbol(.leftParen):
            let inner = try parseExpression()
            try expect(.rightParen, "to close the parenthesis opened at position \(token.offset + 1)")
            return inner
        case .end:
            throw ExpressionError("the expression ends where a value was expected", offset: token.offset)
        case .keyword(let k):
            throw ExpressionError("expected a value, found the keyword \(k.rawValue) (write \"\(k.rawValue.lowercased())\" in double quotes if it is a field name)", offset: token.offset)
        case .symbol:
            throw ExpressionError("expected a value, found \(token.kind.display)", offset: token.offset)
        }
    }

    private mutating func parseCall(_ name: String, at offset: Int) throws(ExpressionError) -> SyntaxNode {
        var arguments: [SyntaxNode] = []
        if !accept(.rightParen) {
            repeat {
                arguments.append(try parseExpression())
            } while accept(.comma)
            try expect(.rightParen, "to close the arguments of \(name)")
        }
        return try make(.call(name, arguments), at: offset)
    }

    private mutating func parseCase(at offset: Int) throws(ExpressionError) -> SyntaxNode {
        var branches: [(condition: SyntaxNode, result: SyntaxNode)] = []
        guard case .keyword(.when) = current.kind else {
            throw ExpressionError("expected WHEN after CASE (only the CASE WHEN condition THEN ... form is supported)", offset: current.offset)
        }
        while accept(.when) {
            let condition = try parseExpression()
            try expect(.then, "after the WHEN condition")
            branches.append((condition, try parseExpression()))
        }
        let otherwise = accept(.else) ? try parseExpression() : nil
        try expect(.end, "to close CASE")
        return try make(.caseWhen(branches, otherwise: otherwise), at: offset)
    }
}
