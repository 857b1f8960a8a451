import JSON

/// Writes rows as JSON Lines: one object per row, keys in schema order, NULL as null.
public final class JSONLinesWriter {
    public private(set) var rowsWritten = 0
    private let out: OutputFile
    private let names: [String]
    private var writer = JSONWriter(capacity: 4096)
    private var finished = false

    public init(path: String, schema: RowSchema) throws {
        names = schema.names
        out = try OutputFile(path: path, encoding: .utf8)
    }

    /// Same shape as `DelimitedWriter.init`; JSON Lines is always UTF-8, so options are not needed.
    public convenience init(path: String, options: DelimitedOptions, schema: RowSchema) throws {
        try self.init(path: path, schema: schema)
    }

    public func write(_ row: DataRow) throws {
        guard row.count == names.count else {
            throw EngineError("row \(rowsWritten + 1) has \(row.count) values, but the schema has \(names.count) fields")
        }
        writer.bytes.removeAll(keepingCapacity: true)
        writer.writeRaw("{")
        for (index, value) in row.enumerated() {
            if index > 0 { writer.writeRaw(",") }
            writer.writeString(names[index])
            writer.writeRaw(":")
            switch value {
            case .null: writer.writeRaw("null")
            case .bool(let b): writer.writeRaw(b ? "true" : "false")
            case .int(let i): writer.writeInt(i)
            case .double(let d): writer.writeDouble(d)
            case .text(let s): writer.writeString(s)
            }
        }
        writer.writeRaw("}\n")
        try out.appendText(String(decoding: writer.bytes, as: UTF8.self))
        rowsWritten += 1
        try out.flushIfFull()
    }

    /// Flushes, fsyncs and closes the file.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try out.finish()
    }
}
