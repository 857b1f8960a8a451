/// A strict RFC 8259 JSON parser working directly on UTF-8 bytes.
///
/// Why not Foundation: JSONSerialization/JSONDecoder cost 10–70 µs per MCP message here, which
/// caps a tools/call round trip near 10k req/s (see shared/docs/swift-platform-notes.md).
/// This parser does one pass, no intermediate copies, and refuses anything RFC 8259 refuses:
/// trailing commas, comments, leading zeros, invalid UTF-8, lone surrogates, control characters.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// Byte offset where the problem was found.
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// What to do with an object that names the same member twice.
///
/// RFC 8259 leaves the meaning of `{"a":1,"a":2}` to the receiver, and receivers disagree (the
/// last copy wins here, the first in many C parsers). When one side validates and another acts,
/// that disagreement is a hole: the host would check one value and a plugin use the other. So
/// the default follows I-JSON (RFC 7493 §2.3) and refuses such documents.
public enum DuplicateMemberNames: Sendable {
    /// Refuse the document (I-JSON). The default for everything Toolhost reads.
    case reject
    /// Keep every copy; lookup returns the last. Only for RFC 8259 conformance tests.
    case keep
}

public enum JSONParser {
    /// Deep enough for any real payload, shallow enough that recursion can never exhaust a
    /// worker thread's stack (each level costs a few hundred bytes of stack).
    public static let defaultMaxDepth = 256

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth,
                             duplicateNames: DuplicateMemberNames = .reject) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth, duplicateNames: duplicateNames)
        }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth,
                             duplicateNames: DuplicateMemberNames = .reject) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth, duplicateNames: duplicateNames)
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth,
                             duplicateNames: DuplicateMemberNames = .reject) throws(JSONParseError) -> JSONValue {
        var cursor = Cursor(bytes: bytes, maxDepth: maxDepth, rejectsDuplicateNames: duplicateNames == .reject)
        cursor.skipWhitespace()
        let value = try cursor.parseValue(depth: 0)
        cursor.skipWhitespace()
        if cursor.index != bytes.count { throw cursor.error("Unexpected data after the JSON value") }
        return value
    }
}

private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    let rejectsDuplicateNames: Bool
    var index = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, rejectsDuplicateNames: Bool) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.rejectsDuplicateNames = rejectsDuplicateNames
    }

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

    @inline(__always) var atEnd: Bool { index >= bytes.count }
    @inline(__always) var current: UInt8 { bytes[index] }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard !atEnd else { throw error("Unexpected end of input") }
        switch current {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("Unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("Invalid literal") }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { throw error("Invalid literal") }
        index += count
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("Nesting deeper than \(maxDepth) levels") }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "}") { index += 1; return .object(JSONObject(members)) }
        var names = MemberNames()
        while true {
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: "\"") else { throw error("Expected a string key") }
            let keyOffset = index
            let key = try parseString()
            if rejectsDuplicateNames && !names.insert(key, existing: members) {
                throw JSONParseError(message: "Duplicate member name \"\(key)\" in an object (I-JSON, RFC 7493 §2.3)", offset: keyOffset)
            }
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: ":") else { throw error("Expected ':' after object key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard !atEnd else { throw error("Unterminated object") }
            if current == UInt8(ascii: ",") { index += 1; continue }
            if current == UInt8(ascii: "}") { index += 1; return .object(JSONObject(members)) }
            throw error("Expected ',' or '}' in object")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("Nesting deeper than \(maxDepth) levels") }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("Unterminated array") }
            if current == UInt8(ascii: ",") { index += 1; continue }
            if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
            throw error("Expected ',' or ']' in array")
        }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard !atEnd else { throw error("Invalid number") }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(current) {
            while !atEnd && isDigit(current) { index += 1 }
        } else {
            throw error("Invalid number")
        }
        if !atEnd && current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard !atEnd, isDigit(current) else { throw error("Expected digits after the decimal point") }
            while !atEnd && isDigit(current) { index += 1 }
        }
        if !atEnd && (current == UInt8(ascii: "e") || current == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if !atEnd && (current == UInt8(ascii: "+") || current == UInt8(ascii: "-")) { index += 1 }
            guard !atEnd, isDigit(current) else { throw error("Expected digits in the exponent") }
            while !atEnd && isDigit(current) { index += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        // A magnitude beyond a double's would become infinity, which JSON cannot write back (it
        // would reach a toolset as null): refused, as RFC 8259 §9 allows and I-JSON (RFC 7493
        // §2.2) advises. Underflow to zero is only lost precision, like any decimal fraction.
        guard let number = Double(text), number.isFinite else {
            let shown = text.count > 40 ? text.prefix(40) + "…" : Substring(text)
            throw JSONParseError(message: "Number \(shown) is out of range: JSON numbers must fit an IEEE 754 double, up to about 1.8e308 (I-JSON, RFC 7493 §2.2)", offset: start)
        }
        return .double(number)
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. Find the closing quote, validate the UTF-8 once (and not at
        // all when every byte is ASCII, which is always valid UTF-8).
        var sawNonASCII = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if !sawNonASCII { return String(decoding: raw, as: UTF8.self) }
                guard let string = String(validating: raw, as: UTF8.self) else {
                    throw JSONParseError(message: "Invalid UTF-8 in string", offset: start)
                }
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("Unescaped control character in string") }
            if byte >= 0x80 { sawNonASCII = true }
            index += 1
        }
        return try parseEscapedString(from: start)
    }

    /// Slow path for strings holding escapes: decode into a byte buffer, then validate.
    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var decoded: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error("Unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; break }
            if byte < 0x20 { throw error("Unescaped control character in string") }
            if byte != UInt8(ascii: "\\") { decoded.append(byte); index += 1; continue }
            index += 1
            guard index < bytes.count else { throw error("Unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): decoded.append(0x22)
            case UInt8(ascii: "\\"): decoded.append(0x5C)
            case UInt8(ascii: "/"): decoded.append(0x2F)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"): appendScalar(try parseUnicodeEscape(), to: &decoded)
            default: throw error("Invalid escape sequence")
            }
        }
        guard let string = String(validating: decoded, as: UTF8.self) else {
            throw JSONParseError(message: "Invalid UTF-8 in string", offset: start)
        }
        return string
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("Truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("Invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// Reads the XXXX of \uXXXX (already past "\u"), joining surrogate pairs. Lone surrogates
    /// cannot be represented in a Swift String, so they are refused rather than silently replaced.
    mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try parseHex4()
        if first >= 0xDC00 && first <= 0xDFFF { throw error("Lone low surrogate in \\u escape") }
        if first >= 0xD800 && first <= 0xDBFF {
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw error("Lone high surrogate in \\u escape")
            }
            index += 2
            let second = try parseHex4()
            guard second >= 0xDC00 && second <= 0xDFFF else { throw error("Invalid surrogate pair in \\u escape") }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            return Unicode.Scalar(combined)!
        }
        return Unicode.Scalar(first)!
    }

    func appendScalar(_ scalar: Unicode.Scalar, to buffer: inout [UInt8]) {
        for unit in UTF8.encode(scalar)! { buffer.append(unit) }
    }
}

/// The member names of one object being parsed, for duplicate detection. MCP objects are small,
/// so up to `linearLimit` names are compared in place (no allocation); a larger object switches to
/// a hash set so that a hostile object with 100,000 members costs linear, not quadratic, time.
private struct MemberNames {
    private static let linearLimit = 16
    private var hashed: Set<String>?

    /// False when `name` is already among `existing` (the members parsed so far).
    mutating func insert(_ name: String, existing: [(key: String, value: JSONValue)]) -> Bool {
        if hashed == nil && existing.count < MemberNames.linearLimit {
            for member in existing where member.key == name { return false }
            return true
        }
        if hashed == nil { hashed = Set(existing.map(\.key)) }
        return hashed!.insert(name).inserted
    }
}
