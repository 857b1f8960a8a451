/// Writes compact JSON into a growable byte buffer. Used for every response on the hot path,
/// so it appends bytes directly instead of going through String interpolation.
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let b): writeRaw(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends bytes that are already valid JSON (e.g. a toolset's result, a cached schema).
    public mutating func writeRawJSON(_ json: [UInt8]) { bytes.append(contentsOf: json) }

    public mutating func writeRaw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func writeInt(_ value: Int64) {
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            while count > 0 { count -= 1; bytes.append(buffer[count]) }
        }
    }

    /// JSON has no NaN or infinity; they are written as null rather than producing invalid JSON.
    /// Finite values use Swift's shortest round-tripping form, which keeps a fraction or an
    /// exponent ("3.0", "1e+16", "-0.0"), so a double parses back as the same double (not as .int).
    public mutating func writeDouble(_ value: Double) {
        guard value.isFinite else { writeRaw("null"); return }
        bytes.append(contentsOf: value.description.utf8)
    }

    public mutating func writeString(_ string: String) {
        var copy = string
        copy.withUTF8 { writeString(utf8: $0) }
    }

    /// A JSON string of UTF-8 bytes that are already valid UTF-8 (e.g. serialized JSON to embed as text).
    public mutating func writeString(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            appendRun(utf8, from: runStart, to: index)
            appendEscape(byte)
            runStart = index + 1
        }
        appendRun(utf8, from: runStart, to: utf8.count)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Unescaped bytes between two escapes. Why two ways: a result's text copy of its JSON escapes
    /// every quote, so most runs are a few bytes long, and a bulk append costs about a hundred
    /// instructions of bookkeeping however short the run; byte by byte is cheaper below a dozen.
    @inline(__always)
    private mutating func appendRun(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        if end - start < 12 {
            for index in start..<end { bytes.append(utf8[index]) }
        } else {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<end]))
        }
    }

    private mutating func appendEscape(_ byte: UInt8) {
        let shortForm: UInt8
        switch byte {
        case 0x22: shortForm = UInt8(ascii: "\"")
        case 0x5C: shortForm = UInt8(ascii: "\\")
        case 0x0A: shortForm = UInt8(ascii: "n")
        case 0x0D: shortForm = UInt8(ascii: "r")
        case 0x09: shortForm = UInt8(ascii: "t")
        case 0x08: shortForm = UInt8(ascii: "b")
        case 0x0C: shortForm = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            writeRaw("\\u00")
            hex.withUTF8Buffer { digits in
                bytes.append(digits[Int(byte >> 4)])
                bytes.append(digits[Int(byte & 0x0F)])
            }
            return
        }
        // Two single-byte appends: far cheaper than appending a two-byte buffer.
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(shortForm)
    }
}

extension JSONValue {
    /// Compact UTF-8 serialization.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// Compact serialization as a String (convenient for logs, tests and CLI output).
    public var jsonString: String { String(decoding: serialized(), as: UTF8.self) }

    /// JSON text this program stored itself (a database column), read back; null when absent or
    /// unreadable. Not for input from outside, whose parse errors must reach the caller.
    public init(storedText text: String?) {
        self = text.flatMap { try? JSONParser.parse($0) } ?? .null
    }
}
