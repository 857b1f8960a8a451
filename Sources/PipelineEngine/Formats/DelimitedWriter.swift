/// Writes rows as a delimited file. Fields are quoted only when they have to be (they contain the
/// delimiter, the quote, a line break, or start or end with a space) so the output stays plain
/// for people and tools; an empty string is written as "" so it reads back as "" rather than NULL.
public final class DelimitedWriter {
    public private(set) var rowsWritten = 0
    private let out: OutputFile
    private let options: DelimitedOptions
    private let columnCount: Int
    private let recordEnd: [UInt8]
    private var finished = false

    public init(path: String, options: DelimitedOptions, schema: RowSchema) throws {
        try options.validate()
        self.options = options
        columnCount = schema.count
        switch options.recordDelimiter {
        case .newline: recordEnd = [10]
        case .custom(let byte): recordEnd = [byte]
        }
        out = try OutputFile(path: path, encoding: options.encoding)
        if options.headerRow {
            try writeRecord(schema.names.map(Value.text))
        }
    }

    public func write(_ row: DataRow) throws {
        guard row.count == columnCount else {
            throw EngineError("row \(rowsWritten + 1) has \(row.count) values, but the file has \(columnCount) columns")
        }
        try writeRecord(row)
        rowsWritten += 1
        try out.flushIfFull()
    }

    private func writeRecord(_ values: [Value]) throws {
        for (index, value) in values.enumerated() {
            if index > 0 { out.appendASCII(options.delimiter) }
            try writeField(value)
        }
        for byte in recordEnd { out.appendASCII(byte) }
    }

    private func writeField(_ value: Value) throws {
        switch value {
        case .null:
            return
        case .int, .double, .bool:
            // Numbers and booleans never contain special characters (unless the delimiter is '.' or a digit).
            try writeText(value.text ?? "")
        case .text(let s):
            try writeText(s)
        }
    }

    private func writeText(_ s: String) throws {
        guard needsQuoting(s) else { return try out.appendText(s) }
        if let quote = options.quote {
            out.appendASCII(quote)
            try out.appendText(escaped(s, quote: quote))
            out.appendASCII(quote)
        } else if options.escape != nil {
            try out.appendText(escaped(s, quote: nil))
        } else {
            if s.isEmpty { return }
            throw EngineError("row \(rowsWritten + 1): the value '\(s.prefix(40))' contains the delimiter or a line break, and the file has neither a quote nor an escape character")
        }
    }

    private func needsQuoting(_ s: String) -> Bool {
        if s.isEmpty { return true }
        let utf8 = s.utf8
        if utf8.first == 32 || utf8.last == 32 { return true }
        let end = recordEnd[0]
        for byte in utf8 where byte == options.delimiter || byte == 10 || byte == 13 || byte == end || byte == options.quote || byte == options.escape {
            return true
        }
        return false
    }

    /// Quote doubling, or the escape character before each special byte.
    private func escaped(_ s: String, quote: UInt8?) -> String {
        let escapeByte = options.escape
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 4)
        for byte in s.utf8 {
            if let escapeByte, escapeByte != quote {
                if byte == escapeByte || byte == quote || (quote == nil && (byte == options.delimiter || byte == 10 || byte == 13 || byte == recordEnd[0])) {
                    bytes.append(escapeByte)
                }
            } else if byte == quote {
                bytes.append(byte)
            }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Flushes, fsyncs and closes the file.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try out.finish()
    }
}
