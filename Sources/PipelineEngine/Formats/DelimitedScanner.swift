/// Splits a delimited file into records and fields without building any String: each field is a
/// byte range in the input buffer. The reader converts the ranges it needs; the sniffer uses the
/// same scanner so both agree on what a record is.
final class DelimitedScanner {
    struct Span {
        var start: Int
        var end: Int
        /// The field was quoted (so an empty one is "" rather than missing).
        var quoted: Bool
        /// Contains doubled quotes or escapes that `field(_:)` must remove.
        var needsUnescape: Bool
    }

    let input: InputBuffer
    let path: String
    private let delimiter: UInt8
    private let quote: Int
    private let escape: Int
    private let recordEnd: UInt8
    private let stripsCarriageReturn: Bool

    /// Nonzero for the bytes that end an unquoted run (delimiter, record end, escape), so the hot
    /// loop does one table load per byte instead of three comparisons.
    private let stops: UnsafeMutablePointer<UInt8>
    private var position = 0
    private(set) var spans: UnsafeMutablePointer<Span>
    private var spanCapacity = 64
    private(set) var fieldCount = 0
    /// The 1-based line where the current record starts.
    private(set) var recordLine = 0
    private var nextLine = 1

    init(path: String, options: DelimitedOptions) throws {
        try options.validate()
        self.path = path
        input = try InputBuffer(path: path, encoding: options.encoding)
        delimiter = options.delimiter
        quote = options.quote.map(Int.init) ?? -1
        // Escape equal to the quote is just quote doubling.
        escape = options.escape.flatMap { $0 == options.quote ? nil : Int($0) } ?? -1
        switch options.recordDelimiter {
        case .newline: recordEnd = 10; stripsCarriageReturn = true
        case .custom(let byte): recordEnd = byte; stripsCarriageReturn = false
        }
        spans = .allocate(capacity: spanCapacity)
        stops = .allocate(capacity: 256)
        stops.initialize(repeating: 0, count: 256)
        stops[Int(delimiter)] = 1
        stops[Int(recordEnd)] = 1
        if escape >= 0 { stops[escape] = 1 }
    }

    deinit {
        spans.deallocate()
        stops.deallocate()
    }

    var fileName: String { InputBuffer.displayName(path) }

    /// Reads the next non-blank record into `spans`. False at the end of the file.
    func nextRecord() throws -> Bool {
        while true {
            let start = position
            switch try scanRecord(from: start) {
            case .record: return true
            case .blank: continue
            case .needMore:
                // Move the partial record to the front, read more and scan it again from its start.
                let hadMore = try input.refill(keepingFrom: start)
                position = 0
                if !hadMore && input.count == 0 { return false }
            case .endOfFile:
                return false
            }
        }
    }

    private enum Outcome { case record, blank, needMore, endOfFile }

    /// Scans one record starting at `start`. Never commits state unless the record is complete.
    private func scanRecord(from start: Int) throws -> Outcome {
        let buffer = input.bytes
        let end = input.count
        let atEnd = input.isAtEnd
        if start >= end { return atEnd ? .endOfFile : .needMore }
        var p = start
        var fields = 0
        var newlines = 0
        while true {
            if fields == spanCapacity { growSpans() }
            var span = Span(start: p, end: p, quoted: false, needsUnescape: false)
            if p < end && Int(buffer[p]) == quote {
                span.quoted = true
                p += 1
                span.start = p
                var closed = false
                while p < end {
                    let c = buffer[p]
                    if Int(c) == quote {
                        if p + 1 >= end && !atEnd { return .needMore }
                        if p + 1 < end && buffer[p + 1] == c { span.needsUnescape = true; p += 2; continue }
                        span.end = p
                        p += 1
                        closed = true
                        break
                    }
                    if Int(c) == escape {
                        if p + 1 >= end && !atEnd { return .needMore }
                        span.needsUnescape = true
                        p += 2
                        continue
                    }
                    if c == 10 { newlines += 1 }
                    p += 1
                }
                if !closed {
                    if !atEnd { return .needMore }
                    throw EngineError("\(fileName) line \(nextLine): a quoted field is never closed (missing \(Character(Unicode.Scalar(UInt8(quote)))))")
                }
                // Spaces between a closing quote and the delimiter are tolerated.
                while p < end && buffer[p] == 32 { p += 1 }
                if p < end && buffer[p] != delimiter && buffer[p] != recordEnd && !(stripsCarriageReturn && buffer[p] == 13) {
                    throw EngineError("\(fileName) line \(nextLine + newlines): unexpected text after a closing quote in field \(fields + 1)")
                }
            } else {
                while p < end {
                    while p < end && stops[Int(buffer[p])] == 0 { p += 1 }
                    guard p < end else { break }
                    let c = buffer[p]
                    if c == delimiter || c == recordEnd { break }
                    if Int(c) == escape {
                        if p + 1 >= end && !atEnd { return .needMore }
                        span.needsUnescape = true
                        p += 1
                    }
                    p += 1
                }
                span.end = min(p, end)
            }
            if stripsCarriageReturn && p < end && buffer[p] == 13 { p += 1 }
            if stripsCarriageReturn && !span.quoted && span.end > span.start && buffer[span.end - 1] == 13 && (p >= end || buffer[p] == recordEnd) {
                span.end -= 1
            }
            spans[fields] = span
            fields += 1
            if p >= end {
                if !atEnd { return .needMore }
                return finish(fields: fields, at: end, newlines: newlines, start: start)
            }
            if buffer[p] == delimiter {
                p += 1
                if p >= end && !atEnd { return .needMore }
                continue
            }
            // Record delimiter.
            return finish(fields: fields, at: p + 1, newlines: newlines + (recordEnd == 10 ? 1 : 0), start: start)
        }
    }

    private func finish(fields: Int, at next: Int, newlines: Int, start: Int) -> Outcome {
        position = next
        recordLine = nextLine
        nextLine += newlines
        // A blank line (nothing, or only a CR) is skipped rather than read as a row of one empty field.
        if fields == 1 && !spans[0].quoted && spans[0].end == spans[0].start { return .blank }
        fieldCount = fields
        return .record
    }

    private func growSpans() {
        let bigger = UnsafeMutablePointer<Span>.allocate(capacity: spanCapacity * 2)
        bigger.moveInitialize(from: spans, count: spanCapacity)
        spans.deallocate()
        spans = bigger
        spanCapacity *= 2
    }

    /// The bytes of field `index` of the current record, with doubled quotes and escapes removed
    /// (in place: unescaping only ever shortens a field).
    @inline(__always)
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let span = spans[index]
        if span.needsUnescape { return unescape(index) }
        return UnsafeBufferPointer(start: input.bytes + span.start, count: span.end - span.start)
    }

    private func unescape(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let span = spans[index]
        let buffer = input.bytes
        var read = span.start, write = span.start
        while read < span.end {
            let c = buffer[read]
            if (Int(c) == escape || (span.quoted && Int(c) == quote)) && read + 1 < span.end {
                buffer[write] = buffer[read + 1]
                read += 2
            } else {
                buffer[write] = c
                read += 1
            }
            write += 1
        }
        spans[index].end = write
        spans[index].needsUnescape = false
        return UnsafeBufferPointer(start: buffer + span.start, count: write - span.start)
    }

    /// Field text as a String (invalid UTF-8 becomes U+FFFD).
    @inline(__always)
    func string(_ index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    func isQuoted(_ index: Int) -> Bool { spans[index].quoted }
}
