// Binding of the operators: each checks its operand types once, then builds a closure
// specialised enough that the per-row work is a switch on the values.

extension Binder {
    func negate(_ operand: CompiledNode, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        try Binder.requireNumeric(operand, for: "unary -", node)
        let inner = operand.evaluate, offset = node.offset
        return CompiledNode(type: operand.type, label: Binder.label(node)) { row throws(ExpressionError) in
            try Operations.negate(try inner(row), offset: offset)
        }
    }

    func not(_ operand: CompiledNode, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        try Binder.requireBoolean(operand, for: "NOT", node)
        let inner = operand.evaluate, offset = node.offset
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            switch try inner(row) {
            case .null: return .null
            case .bool(let b): return .bool(!b)
            case let other: throw Binder.notBoolean("NOT", other, offset)
            }
        }
    }

    static func notBoolean(_ what: String, _ value: Value, _ offset: Int) -> ExpressionError {
        ExpressionError("\(what) needs TRUE/FALSE values, but got \(describeForError(value)) (\(typeName(of: value)))", offset: offset)
    }

    /// AND/OR with SQL's three-valued logic: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE,
    /// otherwise NULL wins over the neutral value. Evaluation stops at the deciding operand.
    func logical(isAnd: Bool, _ operands: [CompiledNode], _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        let name = isAnd ? "AND" : "OR"
        for operand in operands { try Binder.requireBoolean(operand, for: name, node) }
        let evaluators = operands.map(\.evaluate), offset = node.offset
        let decisive = !isAnd
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            var sawNull = false
            for evaluate in evaluators {
                switch try evaluate(row) {
                case .bool(let b): if b == decisive { return .bool(decisive) }
                case .null: sawNull = true
                case let other: throw Binder.notBoolean(name, other, offset)
                }
            }
            return sawNull ? .null : .bool(!decisive)
        }
    }

    func comparison(_ op: BinaryOperator, _ a: CompiledNode, _ b: CompiledNode, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        try Binder.requireComparable(a, b, for: "'\(op.rawValue)'", node)
        let left = a.evaluate, right = b.evaluate, offset = node.offset
        // The common case of a field against a constant skips one closure call per row.
        if let constant = b.constant {
            return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
                Operations.comparisonResult(op, try Operations.compare(try left(row), constant, offset: offset))
            }
        }
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            Operations.comparisonResult(op, try Operations.compare(try left(row), try right(row), offset: offset))
        }
    }

    func arithmetic(_ op: BinaryOperator, _ a: CompiledNode, _ b: CompiledNode, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        try Binder.requireNumeric(a, for: "operator \(op.rawValue)", node)
        try Binder.requireNumeric(b, for: "operator \(op.rawValue)", node)
        let type: FieldType?
        if op == .divide {
            type = .number
        } else if a.type == .number || b.type == .number {
            type = .number
        } else if a.type == .integer && b.type == .integer {
            type = .integer
        } else {
            type = nil
        }
        let left = a.evaluate, right = b.evaluate, offset = node.offset
        if let constant = b.constant {
            return CompiledNode(type: type, label: Binder.label(node)) { row throws(ExpressionError) in
                try Operations.arithmetic(op, try left(row), constant, offset: offset)
            }
        }
        return CompiledNode(type: type, label: Binder.label(node)) { row throws(ExpressionError) in
            try Operations.arithmetic(op, try left(row), try right(row), offset: offset)
        }
    }

    /// `||` joins the text forms of any scalars; NULL on either side gives NULL (use concat()
    /// to skip NULLs instead).
    func concat(_ a: CompiledNode, _ b: CompiledNode, _ node: SyntaxNode) -> CompiledNode {
        let left = a.evaluate, right = b.evaluate
        return CompiledNode(type: .string, label: Binder.label(node)) { row throws(ExpressionError) in
            guard let x = try left(row).text, let y = try right(row).text else { return .null }
            return .text(x + y)
        }
    }

    func isNull(_ operand: CompiledNode, negated: Bool, _ node: SyntaxNode) -> CompiledNode {
        let inner = operand.evaluate
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            .bool(try inner(row).isNull != negated)
        }
    }

    /// SQL's IN: TRUE on a match; otherwise NULL if the value or any item was NULL, else FALSE.
    func inList(_ operand: CompiledNode, _ items: [CompiledNode], negated: Bool, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        for item in items { try Binder.requireComparable(operand, item, for: "IN", node) }
        let inner = operand.evaluate, evaluators = items.map(\.evaluate), offset = node.offset
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            let value = try inner(row)
            if value.isNull { return .null }
            var sawNull = false
            for evaluate in evaluators {
                switch try Operations.compare(value, try evaluate(row), offset: offset) {
                case 0?: return .bool(!negated)
                case nil: sawNull = true
                default: continue
                }
            }
            return sawNull ? .null : .bool(negated)
        }
    }

    /// `x BETWEEN a AND b` is `x >= a AND x <= b`, with the same NULL rules.
    func between(_ operand: CompiledNode, _ low: CompiledNode, _ high: CompiledNode, negated: Bool, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        try Binder.requireComparable(operand, low, for: "BETWEEN", node)
        try Binder.requireComparable(operand, high, for: "BETWEEN", node)
        let inner = operand.evaluate, lower = low.evaluate, upper = high.evaluate, offset = node.offset
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            let value = try inner(row)
            let aboveLow = try Operations.compare(value, try lower(row), offset: offset).map { $0 >= 0 }
            let belowHigh = try Operations.compare(value, try upper(row), offset: offset).map { $0 <= 0 }
            let inside: Bool?
            switch (aboveLow, belowHigh) {
            case (false?, _), (_, false?): inside = false
            case (true?, true?): inside = true
            default: inside = nil
            }
            return inside.map { .bool($0 != negated) } ?? .null
        }
    }

    func like(_ operand: CompiledNode, _ pattern: CompiledNode, negated: Bool, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        for side in [operand, pattern] {
            if let type = side.type, type != .string {
                throw ExpressionError("LIKE needs text, but \(side.label) is \(type.rawValue); convert it with to_string", offset: node.offset)
            }
        }
        let inner = operand.evaluate, offset = node.offset
        if let constant = pattern.constant {
            guard case .text(let text) = constant else { return CompiledNode(constant: .null, type: .boolean, label: Binder.label(node)) }
            let compiled = LikePattern(text)
            return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
                switch try inner(row) {
                case .null: return .null
                case .text(let s): return .bool(compiled.matches(s) != negated)
                case let other: throw Binder.likeNeedsText(other, offset)
                }
            }
        }
        let patternOf = pattern.evaluate
        return CompiledNode(type: .boolean, label: Binder.label(node)) { row throws(ExpressionError) in
            switch (try inner(row), try patternOf(row)) {
            case (.null, _), (_, .null): return .null
            case (.text(let s), .text(let p)): return .bool(LikePattern(p).matches(s) != negated)
            case (.text, let other), (let other, _): throw Binder.likeNeedsText(other, offset)
            }
        }
    }

    static func likeNeedsText(_ value: Value, _ offset: Int) -> ExpressionError {
        ExpressionError("LIKE needs text, but got \(describeForError(value)) (\(typeName(of: value)))", offset: offset)
    }

    /// CASE WHEN: the first TRUE condition picks its result (NULL conditions do not); no match and
    /// no ELSE gives NULL. When results mix integer and number, integers are widened so the
    /// column has one type.
    func caseWhen(_ branches: [(condition: SyntaxNode, result: SyntaxNode)], _ otherwise: SyntaxNode?, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        var conditions: [Evaluator] = [], results: [CompiledNode] = []
        for branch in branches {
            let condition = try bind(branch.condition)
            try Binder.requireBoolean(condition, for: "CASE WHEN", branch.condition)
            conditions.append(condition.evaluate)
            results.append(try bind(branch.result))
        }
        let fallback = try otherwise.map { (n: SyntaxNode) throws(ExpressionError) in try bind(n) }
        let type = try Binder.unify(results + (fallback.map { [$0] } ?? []), for: "CASE", node)
        let widen = type == .number
        let values = results.map(\.evaluate), elseValue = fallback?.evaluate, offset = node.offset
        return CompiledNode(type: type, label: Binder.label(node)) { row throws(ExpressionError) in
            var chosen: Value = .null
            var matched = false
            for index in conditions.indices {
                switch try conditions[index](row) {
                case .bool(true):
                    chosen = try values[index](row)
                    matched = true
                case .bool(false), .null: continue
                case let other: throw Binder.notBoolean("CASE WHEN", other, offset)
                }
                break
            }
            if !matched, let elseValue { chosen = try elseValue(row) }
            if widen, case .int(let i) = chosen { return .double(Double(i)) }
            return chosen
        }
    }
}
