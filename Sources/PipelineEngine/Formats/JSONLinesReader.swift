import Glibc
import JSON

/// Reads JSON Lines: one JSON object per line, blank lines skipped. Parsing uses the repository's
/// strict JSON parser on each line's bytes in place.
public final class JSONLinesReader: RowStream {
    public private(set) var schema = RowSchema([])
    private let input: InputBuffer
    private let fileName: String
    private var position = 0
    private var lineNumber = 0
    /// The first object, parsed to learn the keys but not yet returned.
    private var pending: (object: JSONObject, line: Int)?
    private var closed = false

    /// `fields` nil: the keys of the first object, in order, typed from its values (integer, number,
    /// boolean, otherwise string). A missing key is NULL; nested objects and arrays become their JSON text.
    public init(path: String, fields: [Field]?) throws {
        input = try InputBuffer(path: path, encoding: .utf8)
        fileName = InputBuffer.displayName(path)
        if let fields {
            schema = RowSchema(fields)
        } else if let first = try nextObject() {
            pending = first
            schema = RowSchema(first.object.members.map { Field($0.key, JSONLinesReader.inferredType($0.value)) })
        }
    }

    /// discover_file_schema for JSON Lines: every key of the first `limit` objects, in first-seen
    /// order, typed to hold every non-null value seen (integers with decimals → number; any other
    /// mix → string). Returns the fields and how many objects were read.
    public static func sniffFields(path: String, limit: Int) throws -> (fields: [Field], records: Int) {
        let reader = try JSONLinesReader(path: path, fields: [])
        defer { reader.close() }
        var fields: [Field] = []
        var seen: [String: FieldType?] = [:]
        var records = 0
        while records < limit, let item = try reader.nextObject() {
            records += 1
            for (key, json) in item.object.members {
                if seen[key] == nil {
                    seen[key] = .some(nil)
                    fields.append(Field(key, .string))
                }
                guard !json.isNull else { continue }
                let type = inferredType(json)
                seen[key] = .some(seen[key]!.map { $0.widened(with: type) } ?? type)
            }
        }
        return (fields.map { Field($0.name, seen[$0.name]!! ?? .string) }, records)
    }

    static func inferredType(_ value: JSONValue) -> FieldType {
        switch value {
        case .int: .integer
        case .double: .number
        case .bool: .boolean
        default: .string
        }
    }

    public func next() throws -> DataRow? {
        if closed { return nil }
        let item: (object: JSONObject, line: Int)
        if let pending {
            item = pending
            self.pending = nil
        } else if let read = try nextObject() {
            item = read
        } else {
            return nil
        }
        return try row(from: item.object, line: item.line)
    }

    private func row(from object: JSONObject, line: Int) throws -> DataRow {
        let fields = schema.fields
        var row = DataRow()
        row.reserveCapacity(fields.count)
        for (index, field) in fields.enumerated() {
            // Keys usually come in the same order on every line: try the same position first.
            let json: JSONValue?
            if index < object.members.count, object.members[index].key == field.name {
                json = object.members[index].value
            } else {
                json = object[field.name]
            }
            let value = json.map(JSONLinesReader.value(of:)) ?? .null
            guard let converted = field.type.convert(value) else {
                let shown = describeForError(value)
                throw EngineError("\(fileName) line \(line), key '\(field.name)': \(shown) is not a valid \(field.type.rawValue)")
            }
            row.append(converted)
        }
        return row
    }

    static func value(of json: JSONValue) -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .array, .object:
            return .text(json.jsonString)
        }
    }

    /// The next non-blank line, parsed; it must be an object.
    private func nextObject() throws -> (object: JSONObject, line: Int)? {
        while true {
            guard let (start, end) = try nextLine() else { return nil }
            lineNumber += 1
            var lineEnd = end
            while lineEnd > start, [9, 10, 13, 32].contains(input.bytes[lineEnd - 1]) { lineEnd -= 1 }
            var lineStart = start
            while lineStart < lineEnd, [9, 32].contains(input.bytes[lineStart]) { lineStart += 1 }
            if lineStart == lineEnd { continue }
            let bytes = UnsafeRawBufferPointer(start: input.bytes + lineStart, count: lineEnd - lineStart)
            let parsed: JSONValue
            do {
                parsed = try JSONParser.parse(bytes)
            } catch {
                throw EngineError("\(fileName) line \(lineNumber) is not valid JSON: \(error.message) at column \(error.offset + 1)")
            }
            guard case .object(let object) = parsed else {
                throw EngineError("\(fileName) line \(lineNumber) is a JSON \(parsed.typeName), but each line must be an object")
            }
            return (object, lineNumber)
        }
    }

    /// Byte range of the next line (without the LF); nil at the end of the file.
    private func nextLine() throws -> (Int, Int)? {
        while true {
            let available = input.count - position
            if available > 0, let found = memchr(input.bytes + position, 10, available) {
                let end = UnsafeMutablePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - input.bytes
                defer { position = end + 1 }
                return (position, end)
            }
            if input.isAtEnd {
                guard available > 0 else { return nil }
                defer { position = input.count }
                return (position, input.count)
            }
            _ = try input.refill(keepingFrom: position)
            position = 0
        }
    }

    public func close() {
        closed = true
        input.closeFile()
    }
}
