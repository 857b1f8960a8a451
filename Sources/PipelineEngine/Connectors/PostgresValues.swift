// How PostgreSQL's text-format results and column types map onto the engine's values and field
// types, and back for writes.

enum PostgresValues {
    // Type OIDs from pg_type.h; stable across server versions.
    static let bool: UInt32 = 16, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23
    static let float4: UInt32 = 700, float8: UInt32 = 701, numeric: UInt32 = 1700

    /// The field type for a column, from information_schema.columns.udt_name.
    static func fieldType(udtName: String) -> FieldType {
        switch udtName {
        case "int2", "int4", "int8": .integer
        case "numeric", "float4", "float8": .number
        case "bool": .boolean
        default: .string
        }
    }

    /// The column type a destination table gets for a field.
    static func columnType(for type: FieldType) -> String {
        switch type {
        case .integer: "bigint"
        case .number: "double precision"
        case .boolean: "boolean"
        case .string: "text"
        }
    }

    /// One text-format cell as a value, by the column's type OID. Anything that does not parse
    /// (a numeric beyond Double's range, say) stays text rather than failing the read.
    static func value(_ text: String?, oid: UInt32) -> Value {
        guard let text else { return .null }
        switch oid {
        case int2, int4, int8: return Int64(text).map(Value.int) ?? .text(text)
        case float4, float8, numeric: return Double(text).map(Value.double) ?? .text(text)
        case bool: return text == "t" ? .bool(true) : text == "f" ? .bool(false) : .text(text)
        default: return .text(text)
        }
    }

    /// A value as a text-format parameter for a column of `type` (nil is NULL). Booleans going
    /// into a number column become 1/0, which PostgreSQL accepts for booleans too.
    static func parameter(_ value: Value, for type: FieldType) throws -> String? {
        switch value {
        case .null: return nil
        case .bool(let b):
            return type == .boolean || type == .string ? (b ? "true" : "false") : (b ? "1" : "0")
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
            return type == .string ? Value.format(d) : String(d)
        case .text(let s):
            if s.utf8.contains(0) { throw EngineError("PostgreSQL text cannot hold a NUL character") }
            return s
        }
    }
}
