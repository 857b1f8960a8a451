/// Turns a syntax tree into evaluator closures for one input schema: resolves field names and
/// variables, checks operand types where they are known, and folds parts that depend on no field.
struct Binder {
    let schema: RowSchema
    let variables: [String: Value]

    func bind(_ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        let compiled = try compile(node)
        return fold(compiled, node: node)
    }

    /// Evaluates a field-independent node once. If that fails (say 1/0 in a CASE branch that is
    /// never taken) the error is left to happen at run time, where SQL would raise it.
    private func fold(_ compiled: CompiledNode, node: SyntaxNode) -> CompiledNode {
        guard compiled.constant == nil, isConstant(node) else { return compiled }
        guard let value = try? compiled.evaluate([]) else { return compiled }
        return CompiledNode(constant: value, type: compiled.type ?? FieldType(of: value), label: compiled.label)
    }

    private func isConstant(_ node: SyntaxNode) -> Bool {
        if case .field = node.kind { return false }
        return node.kind.children.allSatisfy(isConstant)
    }

    private func compile(_ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        switch node.kind {
        case .literal(let value):
            return CompiledNode(constant: value, type: FieldType(of: value), label: describeForError(value))
        case .field(let name): return try field(name, node)
        case .variable(let name): return try variable(name, node)
        case .negate(let operand): return try negate(try bind(operand), node)
        case .not(let operand): return try not(try bind(operand), node)
        case .and(let operands): return try logical(isAnd: true, try bindAll(operands), node)
        case .or(let operands): return try logical(isAnd: false, try bindAll(operands), node)
        case .binary(let op, let a, let b):
            if op.isComparison { return try comparison(op, try bind(a), try bind(b), node) }
            if op == .concat { return concat(try bind(a), try bind(b), node) }
            return try arithmetic(op, try bind(a), try bind(b), node)
        case .isNull(let operand, let negated): return isNull(try bind(operand), negated: negated, node)
        case .inList(let operand, let items, let negated): return try inList(try bind(operand), try bindAll(items), negated: negated, node)
        case .between(let operand, let low, let high, let negated):
            return try between(try bind(operand), try bind(low), try bind(high), negated: negated, node)
        case .like(let operand, let pattern, let negated): return try like(try bind(operand), try bind(pattern), negated: negated, node)
        case .caseWhen(let branches, let otherwise): return try caseWhen(branches, otherwise, node)
        case .call(let name, let arguments): return try Functions.bind(name, try bindAll(arguments), node)
        }
    }

    func bindAll(_ nodes: [SyntaxNode]) throws(ExpressionError) -> [CompiledNode] {
        var result: [CompiledNode] = []
        result.reserveCapacity(nodes.count)
        for node in nodes { result.append(try bind(node)) }
        return result
    }

    static func label(_ node: SyntaxNode) -> String { "the expression at position \(node.offset + 1)" }

    // MARK: - Names

    private func field(_ name: String, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        guard let index = schema.index(of: name) else {
            var message = "unknown field '\(name)'"
            if let near = schema.names.first(where: { $0.lowercased() == name.lowercased() }) {
                message += " (did you mean '\(near)'? field names are case-sensitive)"
            }
            let available = schema.names.isEmpty ? "none" : schema.names.joined(separator: ", ")
            throw ExpressionError("\(message); available fields: \(available)", offset: node.offset)
        }
        return CompiledNode(type: schema.fields[index].type, label: "field \(name)") { row throws(ExpressionError) in
            index < row.count ? row[index] : .null
        }
    }

    private func variable(_ name: String, _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        guard let value = variables[name] else {
            let known = variables.keys.sorted().map { "$" + $0 }
            let available = known.isEmpty ? "no variables are defined" : "defined variables: " + known.joined(separator: ", ")
            throw ExpressionError("unknown variable '$\(name)'; \(available)", offset: node.offset)
        }
        return CompiledNode(constant: value, type: FieldType(of: value), label: "variable $\(name)")
    }

    // MARK: - Type checks (static: they depend on the operands only)

    static func requireNumeric(_ operand: CompiledNode, for what: String, _ node: SyntaxNode) throws(ExpressionError) {
        if let type = operand.type, !type.isNumeric {
            throw ExpressionError("\(what) needs a number, but \(operand.label) is \(type.rawValue)", offset: node.offset)
        }
    }

    static func requireBoolean(_ operand: CompiledNode, for what: String, _ node: SyntaxNode) throws(ExpressionError) {
        if let type = operand.type, type != .boolean {
            throw ExpressionError("\(what) needs TRUE/FALSE values, but \(operand.label) is \(type.rawValue)", offset: node.offset)
        }
    }

    static func requireComparable(_ a: CompiledNode, _ b: CompiledNode, for what: String, _ node: SyntaxNode) throws(ExpressionError) {
        guard let x = a.type, let y = b.type else { return }
        if x == y || (x.isNumeric && y.isNumeric) { return }
        throw ExpressionError("\(what) cannot compare \(a.label) (\(x.rawValue)) with \(b.label) (\(y.rawValue)); convert one side with to_string, to_integer, to_number or to_boolean", offset: node.offset)
    }

    /// The common type of values that may come out of different branches (CASE, coalesce):
    /// integer and number mix to number; anything else must match.
    static func unify(_ nodes: [CompiledNode], for what: String, _ node: SyntaxNode) throws(ExpressionError) -> FieldType? {
        var result: FieldType?
        for candidate in nodes {
            guard let type = candidate.type else { continue }
            guard let current = result else { result = type; continue }
            if current == type { continue }
            if current.isNumeric && type.isNumeric { result = .number; continue }
            throw ExpressionError("\(what) mixes types: \(current.rawValue) and \(type.rawValue) (\(candidate.label)); convert so all results have one type", offset: node.offset)
        }
        return result
    }
}
