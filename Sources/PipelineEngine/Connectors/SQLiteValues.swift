import CSQLite

// How SQLite's storage classes and declared column types map onto the engine's values and field types.

enum SQLiteValues {
    /// The field type a declared column type suggests, following SQLite's own affinity rules
    /// (a column declared "BIGINT" or "INTEGER" holds integers, "DOUBLE"/"NUMERIC" numbers, …).
    static func fieldType(declared: String) -> FieldType {
        let type = declared.uppercased()
        if type.contains("INT") { return .integer }
        if type.contains("BOOL") { return .boolean }
        for marker in ["REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL"] where type.contains(marker) { return .number }
        return .string
    }

    /// The column type a destination table gets for a field (booleans are stored as 0/1).
    static func declaredType(for type: FieldType) -> String {
        switch type {
        case .integer, .boolean: "INTEGER"
        case .number: "REAL"
        case .string: "TEXT"
        }
    }

    /// One column of the current row. BLOBs become lowercase hex text: pipelines carry text, and
    /// hex is unambiguous and round-trips through a delimited file.
    static func value(_ statement: OpaquePointer, _ column: Int32) -> Value {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return .text("") }
            return .text(hex(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            guard let text = sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds one value to a parameter (1-based); booleans are stored as 0/1 like SQLite itself does.
    static func bind(_ value: Value, to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case .bool(let b): sqlite3_bind_int64(statement, index, b ? 1 : 0)
        case .int(let i): sqlite3_bind_int64(statement, index, i)
        case .double(let d): sqlite3_bind_double(statement, index, d)
        case .text(let s): sqlite3_bind_text(statement, index, s, Int32(s.utf8.count), transient)
        }
    }
}
