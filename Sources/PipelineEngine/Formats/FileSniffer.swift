import Glibc

/// Guesses how a delimited file is laid out, for `discover_file_schema`: encoding, delimiter,
/// quote, header row and column types. It reads at most `lines` records, using the same scanner
/// as `DelimitedReader`, so what it reports is exactly what a read will see.
public enum FileSniffer {
    static let candidateDelimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    public static func sniff(path: String, lines: Int, overrides: SniffOverrides) throws -> SniffedFile {
        let limit = max(lines, 1)
        let encoding = try overrides.encoding ?? detectEncoding(path: path)
        var options = DelimitedOptions(quote: overrides.quote ?? UInt8(ascii: "\""), escape: overrides.escape,
                                       recordDelimiter: overrides.recordDelimiter ?? .newline, encoding: encoding)
        options.delimiter = try overrides.delimiter ?? detectDelimiter(path: path, options: options, limit: limit)
        if overrides.quote == nil, try prefersSingleQuote(path: path, options: options, limit: limit) {
            options.quote = UInt8(ascii: "'")
        }
        var rows = try records(path: path, options: options, limit: limit)
        let width = rows.map(\.count).max() ?? 0
        let header = overrides.headerRow ?? looksLikeHeader(rows)
        options.headerRow = header
        var names = (0..<width).map { "column_\($0 + 1)" }
        if header, !rows.isEmpty {
            let first = rows.removeFirst()
            names = DelimitedReader.columnNames((0..<max(width, first.count)).map { $0 < first.count ? first[$0] ?? "" : "" })
        }
        let fields = names.indices.map { Field(names[$0], inferType(column($0, of: rows))) }
        return SniffedFile(options: options, columnNames: names, fields: fields, sampleRows: rows,
                           recordsRead: rows.count + (header ? 1 : 0))
    }

    static func column(_ index: Int, of rows: [[String?]]) -> [String?] {
        rows.map { index < $0.count ? $0[index] : nil }
    }

    // MARK: - Encoding

    /// A byte-order mark decides; otherwise text that is not valid UTF-8 is taken as Windows-1252
    /// (which also reads every ISO-8859-1 file the way its author meant).
    static func detectEncoding(path: String) throws -> TextEncoding {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw EngineError("cannot open \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var sample = [UInt8](repeating: 0, count: 64 * 1024)
        let n = sample.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        guard n >= 0 else { throw EngineError("cannot read \(InputBuffer.displayName(path))") }
        return sample.withUnsafeBufferPointer { buffer in
            let bytes = UnsafeBufferPointer(rebasing: buffer[0..<n])
            if let (encoding, _) = TextEncoding.fromByteOrderMark(bytes) { return encoding }
            return isValidUTF8(bytes, truncated: n == buffer.count) ? .utf8 : .windows1252
        }
    }

    /// Validates UTF-8; when the sample was cut short, an incomplete final sequence is allowed.
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, truncated: Bool) -> Bool {
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length: Int
            switch lead {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return false
            }
            if i + length > bytes.count { return truncated }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    // MARK: - Delimiter and quote

    /// The candidate that splits records into the same number of fields most consistently
    /// (ties go to more fields). A file of one column falls back to a comma.
    static func detectDelimiter(path: String, options: DelimitedOptions, limit: Int) throws -> UInt8 {
        var best: (delimiter: UInt8, consistency: Double, width: Int)?
        for candidate in candidateDelimiters {
            var trial = options
            trial.delimiter = candidate
            guard let counts = try? fieldCounts(path: path, options: trial, limit: limit), !counts.isEmpty else { continue }
            var frequency: [Int: Int] = [:]
            for count in counts { frequency[count, default: 0] += 1 }
            guard let mode = frequency.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }), mode.key > 1 else { continue }
            let consistency = Double(mode.value) / Double(counts.count)
            if best == nil || consistency > best!.consistency || (consistency == best!.consistency && mode.key > best!.width) {
                best = (candidate, consistency, mode.key)
            }
        }
        return best?.delimiter ?? UInt8(ascii: ",")
    }

    static func fieldCounts(path: String, options: DelimitedOptions, limit: Int) throws -> [Int] {
        var trial = options
        trial.headerRow = false
        let scanner = try DelimitedScanner(path: path, options: trial)
        var counts: [Int] = []
        while counts.count < limit, try scanner.nextRecord() { counts.append(scanner.fieldCount) }
        return counts
    }

    /// Single quotes are chosen only when fields are wrapped in them and never in double quotes.
    static func prefersSingleQuote(path: String, options: DelimitedOptions, limit: Int) throws -> Bool {
        var plain = options
        plain.quote = nil
        let rows = try records(path: path, options: plain, limit: limit)
        var single = 0, double = 0
        for row in rows {
            for cell in row {
                guard let cell, cell.count >= 2 else { continue }
                if cell.hasPrefix("'") && cell.hasSuffix("'") { single += 1 }
                if cell.hasPrefix("\"") && cell.hasSuffix("\"") { double += 1 }
            }
        }
        return single > 0 && double == 0
    }

    static func records(path: String, options: DelimitedOptions, limit: Int) throws -> [[String?]] {
        var trial = options
        trial.headerRow = false
        let scanner = try DelimitedScanner(path: path, options: trial)
        var rows: [[String?]] = []
        while rows.count < limit, try scanner.nextRecord() {
            rows.append((0..<scanner.fieldCount).map { index in
                let text = scanner.string(index)
                return text.isEmpty && !scanner.isQuoted(index) ? nil : text
            })
        }
        return rows
    }

    // MARK: - Header and types

    /// A header is a first row of non-empty text cells that are not numbers or booleans, where
    /// either some column below holds numbers/booleans, or the names are unique and none of them
    /// appears again in its column.
    static func looksLikeHeader(_ rows: [[String?]]) -> Bool {
        guard let first = rows.first, !first.isEmpty else { return false }
        for cell in first {
            guard let cell, !cell.trimmingSpaces.isEmpty, inferType([cell]) == .string else { return false }
        }
        let rest = Array(rows.dropFirst())
        if rest.isEmpty { return true }
        for index in first.indices where inferType(column(index, of: rest)) != .string {
            return true
        }
        let names = first.compactMap { $0 }
        guard Set(names).count == names.count else { return false }
        for (index, name) in names.enumerated() where column(index, of: rest).contains(name) {
            return false
        }
        return true
    }

    /// integer when every non-empty value is an Int64, number when a Double, boolean when
    /// true/false; otherwise (or with no values) string. Numbers with a leading zero ("007",
    /// zip codes, ids) stay strings so the zero is not lost.
    static func inferType(_ values: [String?]) -> FieldType {
        var candidates: Set<FieldType> = [.integer, .number, .boolean]
        var sawValue = false
        for case let value? in values {
            let trimmed = value.trimmingSpaces
            if trimmed.isEmpty { continue }
            sawValue = true
            if hasLeadingZero(trimmed) { return .string }
            if candidates.contains(.integer), Int64(trimmed) == nil { candidates.remove(.integer) }
            if candidates.contains(.number), Double(trimmed) == nil || !isPlainNumber(trimmed) { candidates.remove(.number) }
            if candidates.contains(.boolean), !["true", "false"].contains(trimmed.lowercased()) { candidates.remove(.boolean) }
            if candidates.isEmpty { return .string }
        }
        guard sawValue else { return .string }
        if candidates.contains(.integer) { return .integer }
        if candidates.contains(.number) { return .number }
        if candidates.contains(.boolean) { return .boolean }
        return .string
    }

    private static func hasLeadingZero(_ s: Substring) -> Bool {
        let digits = s.first == "-" || s.first == "+" ? s.dropFirst() : s
        guard digits.count >= 2, digits.first == "0" else { return false }
        return digits.dropFirst().first?.isNumber == true
    }

    /// Double() also accepts "nan", "inf" and hex; words like those are text in a data file.
    private static func isPlainNumber(_ s: Substring) -> Bool {
        s.allSatisfy { $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }
    }
}
