// One cell of a row flowing through a pipeline. Kept to the few types every source and destination
// can represent (SQLite's storage classes, PostgreSQL's common scalar types, delimited text), so a
// value crosses connectors without surprises.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case text(String)

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as text the way a delimited file or a log shows it (null → nil).
    public var text: String? {
        switch self {
        case .null: nil
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): Value.format(d)
        case .text(let s): s
        }
    }

    /// The value as a number, when it is one (ints widen to doubles).
    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// Integral doubles print without a fraction ("3" not "3.0") so CSV round-trips stay stable.
    public static func format(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }
}

/// The declared type of a field. `string` accepts anything; the others say how text from a
/// delimited file is converted and which column type a destination table gets.
public enum FieldType: String, Sendable, CaseIterable, Codable {
    case string
    case integer
    case number
    case boolean

    /// The narrowest type that holds values of both types: integer with number is number, any
    /// other mix is string.
    public func widened(with other: FieldType) -> FieldType {
        if self == other { return self }
        let numeric: Set<FieldType> = [.integer, .number]
        return numeric.contains(self) && numeric.contains(other) ? .number : .string
    }

    /// Converts a value to this type; nil when it cannot be (the caller names the field and row).
    public func convert(_ value: Value) -> Value? {
        switch (self, value) {
        case (_, .null): return .null
        case (.string, _): return value.text.map(Value.text)
        case (.integer, .int): return value
        case (.integer, .double(let d)): return d == d.rounded() && abs(d) < 9.2e18 ? .int(Int64(d)) : nil
        case (.integer, .bool(let b)): return .int(b ? 1 : 0)
        case (.integer, .text(let s)): return Int64(s.trimmingSpaces).map(Value.int)
        case (.number, .int(let i)): return .double(Double(i))
        case (.number, .double): return value
        case (.number, .bool(let b)): return .double(b ? 1 : 0)
        case (.number, .text(let s)): return Double(s.trimmingSpaces).map(Value.double)
        case (.boolean, .bool): return value
        case (.boolean, .int(let i)): return i == 0 || i == 1 ? .bool(i == 1) : nil
        case (.boolean, .double): return nil
        case (.boolean, .text(let s)):
            switch s.trimmingSpaces.lowercased() {
            case "true", "t", "yes", "1": return .bool(true)
            case "false", "f", "no", "0": return .bool(false)
            default: return nil
            }
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}

/// A named, typed column.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: FieldType

    public init(_ name: String, _ type: FieldType = .string) {
        self.name = name
        self.type = type
    }
}

/// The columns of a row stream, in order. Names are unique (case-sensitive) within a schema.
public struct RowSchema: Sendable, Hashable {
    public var fields: [Field]

    public init(_ fields: [Field]) { self.fields = fields }

    public var names: [String] { fields.map(\.name) }
    public var count: Int { fields.count }

    public func index(of name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// One row: values in the order of its stream's schema.
public typealias DataRow = [Value]
