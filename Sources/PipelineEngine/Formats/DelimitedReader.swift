/// Reads a delimited file (CSV, TSV...) as a row stream.
///
/// Speed matters here (files of millions of rows), so the file is read in 1 MiB blocks, fields are
/// byte ranges, integer and decimal fields are parsed from bytes, and Strings are made only for
/// string fields. Memory is one block plus the longest record.
public final class DelimitedReader: RowStream {
    public let schema: RowSchema
    private let scanner: DelimitedScanner
    private let types: [FieldType]
    /// For each output column, the file column it reads; nil when they are the same (the fast path).
    private let sources: [Int]?
    /// How many columns the file has (more fields on a line is an error).
    private let fileColumns: Int
    /// A first record already read (to count columns when there is no header) but not yet returned.
    private var pendingFirstRecord = false
    private var closed = false

    /// `fields` nil: names come from the header row (or column_1, column_2... without one) and every
    /// field is a string. With `fields`: when the file has a header row naming every field, those
    /// columns are read by name (any subset, any order); otherwise the fields are the file's
    /// columns in order (so they may rename them) and must be as many. Values are converted with
    /// `FieldType.convert`; an empty unquoted field is NULL; a value that does not convert throws,
    /// naming the line, the column and the value.
    public init(path: String, options: DelimitedOptions, fields: [Field]?) throws {
        let scanner = try DelimitedScanner(path: path, options: options)
        self.scanner = scanner
        var header: [String]?
        if options.headerRow, try scanner.nextRecord() {
            header = (0..<scanner.fieldCount).map { scanner.string($0) }
        }
        var sources: [Int]?
        var fileColumns: Int?
        if let fields {
            schema = RowSchema(fields)
            if let header {
                let names = DelimitedReader.columnNames(header)
                fileColumns = names.count
                sources = try DelimitedReader.columns(of: fields, in: names, file: scanner.fileName)
            }
        } else if let header {
            schema = RowSchema(DelimitedReader.columnNames(header).map { Field($0, .string) })
        } else if try scanner.nextRecord() {
            pendingFirstRecord = true
            schema = RowSchema((1...scanner.fieldCount).map { Field("column_\($0)", .string) })
        } else {
            schema = RowSchema([])
        }
        types = schema.fields.map(\.type)
        self.sources = sources
        self.fileColumns = fileColumns ?? schema.count
    }

    /// Which header column each field reads: by name when the header names them all (nil when that
    /// is simply every column in order), else by position when the counts agree, else an error.
    static func columns(of fields: [Field], in header: [String], file: String) throws -> [Int]? {
        let byName = fields.map { field in header.firstIndex(of: field.name) }
        if byName.allSatisfy({ $0 != nil }) {
            let indexes = byName.map { $0! }
            return indexes == Array(0..<header.count) ? nil : indexes
        }
        if fields.count == header.count { return nil }
        let missing = zip(fields, byName).filter { $0.1 == nil }.map(\.0.name)
        throw EngineError("\(file) has no column " + missing.map { "'\($0)'" }.joined(separator: ", ") + " (its header names "
            + header.joined(separator: ", ") + "); list fields by those names, or all \(header.count) columns in order")
    }

    /// Header cells made into usable, unique field names: blanks become column_N, repeats get _2, _3...
    static func columnNames(_ header: [String]) -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for (index, raw) in header.enumerated() {
            let trimmed = String(Substring(raw).trimmingWhitespace(leading: true, trailing: true))
            let base = trimmed.isEmpty ? "column_\(index + 1)" : trimmed
            var name = base
            var suffix = 2
            while seen.contains(name) {
                name = "\(base)_\(suffix)"
                suffix += 1
            }
            seen.insert(name)
            names.append(name)
        }
        return names
    }

    public func next() throws -> DataRow? {
        if closed { return nil }
        if pendingFirstRecord {
            pendingFirstRecord = false
        } else if try !scanner.nextRecord() {
            return nil
        }
        let count = scanner.fieldCount
        if count > fileColumns {
            throw EngineError("\(scanner.fileName) line \(scanner.recordLine) has \(count) fields, but the file has \(fileColumns) columns (check the delimiter and quoting)")
        }
        if let sources { return try selected(sources, available: count) }
        // Built in place: one allocation per row. Short (ragged) rows get NULL for the missing fields.
        let width = types.count
        let row = try DataRow(unsafeUninitializedCapacity: width) { buffer, initialized in
            for index in 0..<count {
                (buffer.baseAddress! + index).initialize(to: try value(index))
                initialized = index + 1
            }
            for index in count..<width {
                (buffer.baseAddress! + index).initialize(to: .null)
            }
            initialized = width
        }
        return row
    }

    /// A row of the named columns only (fields chosen by header name).
    private func selected(_ sources: [Int], available: Int) throws -> DataRow {
        var row = DataRow()
        row.reserveCapacity(sources.count)
        for (output, source) in sources.enumerated() {
            row.append(source < available ? try value(source, as: output) : .null)
        }
        return row
    }

    /// File column `index` as the type of output column `output` (the same column on the fast path).
    @inline(__always)
    private func value(_ index: Int, as output: Int? = nil) throws -> Value {
        let output = output ?? index
        let bytes = scanner.field(index)
        if bytes.isEmpty {
            return types[output] == .string && scanner.isQuoted(index) ? .text("") : .null
        }
        switch types[output] {
        case .string:
            return .text(String(decoding: bytes, as: UTF8.self))
        case .integer:
            if let i = NumberParsing.int64(bytes) { return .int(i) }
        case .number:
            if let d = NumberParsing.double(bytes) { return .double(d) }
        case .boolean:
            break
        }
        return try slowConversion(output, bytes)
    }

    /// Everything the byte-level parsers leave: the exact `FieldType.convert` rules, or a clear error.
    private func slowConversion(_ output: Int, _ bytes: UnsafeBufferPointer<UInt8>) throws -> Value {
        let text = String(decoding: bytes, as: UTF8.self)
        let type = types[output]
        if let converted = type.convert(.text(text)) { return converted }
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        throw EngineError("\(scanner.fileName) line \(scanner.recordLine), column '\(schema.fields[output].name)': '\(shown)' is not a valid \(type.rawValue)")
    }

    public func close() {
        closed = true
        scanner.input.closeFile()
    }
}
