import Foundation

/// The built-in functions. Names are case-insensitive. Text functions accept any value and use
/// its text form (so upper(42) is '42'); NULL in gives NULL out except for concat and coalesce.
enum Functions {
    static let names = ["abs", "ceil", "ceiling", "coalesce", "concat", "contains", "ends_with", "floor", "length",
                        "lower", "ltrim", "nullif", "replace", "round", "rtrim", "starts_with", "substr",
                        "to_boolean", "to_integer", "to_number", "to_string", "trim", "upper"]

    static func bind(_ name: String, _ args: [CompiledNode], _ node: SyntaxNode) throws(ExpressionError) -> CompiledNode {
        let call = Call(name: name.lowercased(), args: args, node: node)
        switch call.name {
        case "upper": return try call.text(1) { .text($0.uppercased()) }
        case "lower": return try call.text(1) { .text($0.lowercased()) }
        case "trim": return try call.text(1) { .text(String(Substring($0).trimmingWhitespace(leading: true, trailing: true))) }
        case "ltrim": return try call.text(1) { .text(String(Substring($0).trimmingWhitespace(leading: true, trailing: false))) }
        case "rtrim": return try call.text(1) { .text(String(Substring($0).trimmingWhitespace(leading: false, trailing: true))) }
        case "length": return try call.text(1, type: .integer) { .int(Int64($0.count)) }
        case "starts_with": return try call.text(2, type: .boolean) { .bool($0.hasPrefix($1)) }
        case "ends_with": return try call.text(2, type: .boolean) { .bool($0.hasSuffix($1)) }
        case "contains": return try call.text(2, type: .boolean) { .bool(LikePattern.containsBytes($0, $1)) }
        case "replace": return try call.replace()
        case "substr": return try call.substr()
        case "concat": return try call.concat()
        case "coalesce": return try call.coalesce()
        case "nullif": return try call.nullif()
        case "abs": return try call.abs()
        case "floor": return try call.rounding { $0.rounded(.down) }
        case "ceil", "ceiling": return try call.rounding { $0.rounded(.up) }
        case "round": return try call.round()
        case "to_integer": return try call.conversion(.integer)
        case "to_number": return try call.conversion(.number)
        case "to_string": return try call.conversion(.string)
        case "to_boolean": return try call.conversion(.boolean)
        default:
            throw ExpressionError("unknown function '\(name)'; available functions: \(names.joined(separator: ", "))", offset: node.offset)
        }
    }
}

/// One function call being bound: its arguments and the helpers that check them.
private struct Call {
    let name: String
    let args: [CompiledNode]
    let node: SyntaxNode
    var offset: Int { node.offset }
    var label: String { "\(name)(...) at position \(node.offset + 1)" }

    func arity(_ allowed: ClosedRange<Int>) throws(ExpressionError) {
        guard !allowed.contains(args.count) else { return }
        let expected: String
        if allowed.lowerBound == allowed.upperBound {
            expected = "\(allowed.lowerBound) argument" + (allowed.lowerBound == 1 ? "" : "s")
        } else if allowed.upperBound == Int.max {
            expected = "at least \(allowed.lowerBound) argument" + (allowed.lowerBound == 1 ? "" : "s")
        } else {
            expected = "\(allowed.lowerBound) to \(allowed.upperBound) arguments"
        }
        throw ExpressionError("function \(name) takes \(expected), but \(args.count) were given", offset: offset)
    }

    func integerArgument(_ index: Int, _ role: String) throws(ExpressionError) {
        if let type = args[index].type, type != .integer {
            throw ExpressionError("\(name) needs an integer \(role), but \(args[index].label) is \(type.rawValue)", offset: offset)
        }
    }

    func integer(_ value: Value, _ role: String) throws(ExpressionError) -> Int64? {
        switch value {
        case .null: return nil
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && Swift.abs(d) < 9e18: return Int64(d)
        default: throw ExpressionError("\(name) needs an integer \(role), but got \(describeForError(value))", offset: offset)
        }
    }

    // MARK: - Text

    func text(_ count: Int, type: FieldType = .string, _ body: @escaping (String) -> Value) throws(ExpressionError) -> CompiledNode {
        try arity(count...count)
        let a = args[0].evaluate
        return CompiledNode(type: type, label: label) { row throws(ExpressionError) in
            guard let s = try a(row).text else { return .null }
            return body(s)
        }
    }

    func text(_ count: Int, type: FieldType, _ body: @escaping (String, String) -> Value) throws(ExpressionError) -> CompiledNode {
        try arity(count...count)
        let a = args[0].evaluate, b = args[1].evaluate
        return CompiledNode(type: type, label: label) { row throws(ExpressionError) in
            guard let s = try a(row).text, let t = try b(row).text else { return .null }
            return body(s, t)
        }
    }

    func replace() throws(ExpressionError) -> CompiledNode {
        try arity(3...3)
        let a = args[0].evaluate, b = args[1].evaluate, c = args[2].evaluate
        return CompiledNode(type: .string, label: label) { row throws(ExpressionError) in
            guard let s = try a(row).text, let target = try b(row).text, let with = try c(row).text else { return .null }
            return .text(target.isEmpty ? s : s.replacingOccurrences(of: target, with: with))
        }
    }

    /// 1-based, like SQL. Positions before the start count toward the length (PostgreSQL's rule),
    /// so substr('hello', 0, 3) is 'he'.
    func substr() throws(ExpressionError) -> CompiledNode {
        try arity(2...3)
        try integerArgument(1, "start")
        if args.count == 3 { try integerArgument(2, "length") }
        let a = args[0].evaluate, b = args[1].evaluate, c = args.count == 3 ? args[2].evaluate : nil
        return CompiledNode(type: .string, label: label) { row throws(ExpressionError) in
            guard let s = try a(row).text, let start = try integer(try b(row), "start") else { return .null }
            var end = Int64.max
            if let c {
                guard let length = try integer(try c(row), "length") else { return .null }
                if length < 0 { throw ExpressionError("substr length must not be negative, got \(length)", offset: offset) }
                end = start.addingReportingOverflow(length).overflow ? Int64.max : start + length
            }
            let characters = Int64(s.count)
            let low = max(start, 1), high = min(end, characters + 1)
            guard high > low else { return .text("") }
            let from = s.index(s.startIndex, offsetBy: Int(low - 1))
            let count = Int(high - low)
            return .text(String(s[from..<s.index(from, offsetBy: count)]))
        }
    }

    /// Joins the text of every non-NULL argument.
    func concat() throws(ExpressionError) -> CompiledNode {
        try arity(1...Int.max)
        let evaluators = args.map(\.evaluate)
        return CompiledNode(type: .string, label: label) { row throws(ExpressionError) in
            var result = ""
            for evaluate in evaluators {
                if let s = try evaluate(row).text { result += s }
            }
            return .text(result)
        }
    }

    // MARK: - NULL handling

    func coalesce() throws(ExpressionError) -> CompiledNode {
        try arity(1...Int.max)
        let type = try Binder.unify(args, for: "coalesce", node)
        let widen = type == .number
        let evaluators = args.map(\.evaluate)
        return CompiledNode(type: type, label: label) { row throws(ExpressionError) in
            for evaluate in evaluators {
                let value = try evaluate(row)
                if value.isNull { continue }
                if widen, case .int(let i) = value { return .double(Double(i)) }
                return value
            }
            return .null
        }
    }

    func nullif() throws(ExpressionError) -> CompiledNode {
        try arity(2...2)
        try Binder.requireComparable(args[0], args[1], for: "nullif", node)
        let a = args[0].evaluate, b = args[1].evaluate, offset = offset
        return CompiledNode(type: args[0].type, label: label) { row throws(ExpressionError) in
            let value = try a(row)
            return try Operations.compare(value, try b(row), offset: offset) == 0 ? .null : value
        }
    }

    // MARK: - Numbers

    func numericArgument() throws(ExpressionError) {
        if let type = args[0].type, !type.isNumeric {
            throw ExpressionError("\(name) needs a number, but \(args[0].label) is \(type.rawValue)", offset: offset)
        }
    }

    func notNumber(_ value: Value) -> ExpressionError {
        ExpressionError("\(name) needs a number, but got \(describeForError(value)) (\(typeName(of: value)))", offset: offset)
    }

    func abs() throws(ExpressionError) -> CompiledNode {
        try arity(1...1)
        try numericArgument()
        let a = args[0].evaluate, offset = offset
        return CompiledNode(type: args[0].type, label: label) { row throws(ExpressionError) in
            switch try a(row) {
            case .null: return .null
            case .int(let i):
                if i == .min { throw ExpressionError("integer overflow: abs(\(i)) does not fit in a 64-bit integer", offset: offset) }
                return .int(Swift.abs(i))
            case .double(let d): return .double(Swift.abs(d))
            case let other: throw notNumber(other)
            }
        }
    }

    /// floor and ceil keep the argument's type: integers are already whole.
    func rounding(_ rule: @escaping (Double) -> Double) throws(ExpressionError) -> CompiledNode {
        try arity(1...1)
        try numericArgument()
        let a = args[0].evaluate
        return CompiledNode(type: args[0].type, label: label) { row throws(ExpressionError) in
            switch try a(row) {
            case .null: return .null
            case .int(let i): return .int(i)
            case .double(let d): return .double(rule(d))
            case let other: throw notNumber(other)
            }
        }
    }

    /// Rounds half away from zero to `digits` decimal places (negative digits round to tens,
    /// hundreds...). Integers stay integers.
    func round() throws(ExpressionError) -> CompiledNode {
        try arity(1...2)
        try numericArgument()
        if args.count == 2 { try integerArgument(1, "number of digits") }
        let a = args[0].evaluate, b = args.count == 2 ? args[1].evaluate : nil, offset = offset
        return CompiledNode(type: args[0].type, label: label) { row throws(ExpressionError) in
            let value = try a(row)
            var digits: Int64 = 0
            if let b {
                guard let d = try integer(try b(row), "number of digits") else { return .null }
                digits = Swift.max(-18, Swift.min(d, 18))
            }
            switch value {
            case .null: return .null
            case .int(let i):
                guard digits < 0 else { return .int(i) }
                let scale = Int64(pow(10.0, Double(-digits)))
                let rounded = (Double(i) / Double(scale)).rounded(.toNearestOrAwayFromZero) * Double(scale)
                guard Swift.abs(rounded) < 9.2e18 else { throw ExpressionError("integer overflow in round(\(i), \(digits))", offset: offset) }
                return .int(Int64(rounded))
            case .double(let d):
                let scale = pow(10.0, Double(digits))
                let rounded = (d * scale).rounded(.toNearestOrAwayFromZero) / scale
                return .double(rounded.isFinite ? rounded : d)
            case let other: throw notNumber(other)
            }
        }
    }

    // MARK: - Conversions

    /// The same conversion rules as typed fields of a delimited file (FieldType.convert).
    func conversion(_ target: FieldType) throws(ExpressionError) -> CompiledNode {
        try arity(1...1)
        let a = args[0].evaluate, name = name, offset = offset
        return CompiledNode(type: target, label: label) { row throws(ExpressionError) in
            let value = try a(row)
            guard let converted = target.convert(value) else {
                throw ExpressionError("\(name) cannot convert \(describeForError(value)) (\(typeName(of: value))) to \(target.rawValue)", offset: offset)
            }
            return converted
        }
    }
}

extension Substring {
    func trimmingWhitespace(leading: Bool, trailing: Bool) -> Substring {
        var s = self
        if leading { while let c = s.first, c.isWhitespace { s.removeFirst() } }
        if trailing { while let c = s.last, c.isWhitespace { s.removeLast() } }
        return s
    }
}
