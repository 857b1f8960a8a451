/// Settings the caller already knows; `FileSniffer` detects only what is left nil.
public struct SniffOverrides: Sendable {
    public var delimiter: UInt8?
    public var quote: UInt8?
    public var escape: UInt8?
    public var headerRow: Bool?
    public var recordDelimiter: RecordDelimiter?
    public var encoding: TextEncoding?

    public init(delimiter: UInt8? = nil, quote: UInt8? = nil, escape: UInt8? = nil, headerRow: Bool? = nil,
                recordDelimiter: RecordDelimiter? = nil, encoding: TextEncoding? = nil) {
        self.delimiter = delimiter
        self.quote = quote
        self.escape = escape
        self.headerRow = headerRow
        self.recordDelimiter = recordDelimiter
        self.encoding = encoding
    }
}

/// What `FileSniffer.sniff` found: options to read the file with, its columns and a sample.
public struct SniffedFile: Sendable {
    public var options: DelimitedOptions
    public var columnNames: [String]
    /// The column names with the type inferred from the sampled values.
    public var fields: [Field]
    /// Data rows sampled (the header excluded); nil is an empty unquoted field.
    public var sampleRows: [[String?]]
    /// Records read, the header included.
    public var recordsRead: Int
}
