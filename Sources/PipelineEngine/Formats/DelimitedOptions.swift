/// What ends a record in a delimited file.
public enum RecordDelimiter: Sendable, Hashable {
    /// LF, with an optional CR before it (so both Unix and Windows files read the same).
    case newline
    /// One specific byte (no CR handling).
    case custom(UInt8)
}

/// How a delimited file (CSV, TSV, pipe-separated...) is laid out.
public struct DelimitedOptions: Sendable, Hashable {
    public var delimiter: UInt8
    /// The quote character; nil means fields are never quoted.
    public var quote: UInt8?
    /// The escape character inside fields; nil means a quote inside a quoted field is doubled.
    public var escape: UInt8?
    public var headerRow: Bool
    public var recordDelimiter: RecordDelimiter
    public var encoding: TextEncoding

    public init(delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8? = UInt8(ascii: "\""), escape: UInt8? = nil,
                headerRow: Bool = true, recordDelimiter: RecordDelimiter = .newline, encoding: TextEncoding = .utf8) {
        self.delimiter = delimiter
        self.quote = quote
        self.escape = escape
        self.headerRow = headerRow
        self.recordDelimiter = recordDelimiter
        self.encoding = encoding
    }

    /// Refuses layouts the parser could not tell apart (a quote that is also the delimiter...).
    func validate() throws {
        var special = [delimiter]
        if case .custom(let byte) = recordDelimiter { special.append(byte) } else { special += [10, 13] }
        if let quote { special.append(quote) }
        if let escape, escape != quote { special.append(escape) }
        if Set(special).count != special.count {
            throw EngineError("delimiter, quote, escape and record delimiter must be different characters")
        }
        for byte in special where byte >= 0x80 {
            throw EngineError("delimiter, quote and escape must be ASCII characters")
        }
    }
}
