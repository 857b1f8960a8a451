import Foundation
import ToolsetKit

/// Domain checks with messages a model can act on. The host already validated the arguments
/// against the input schemas; these rules are enforced here regardless.
enum Rules {
    static let maxDurationMilliseconds: Int64 = 24 * 3_600_000

    static func text(_ value: String, _ field: String, min minimum: Int, max maximum: Int) throws(ToolError) -> String {
        let count = value.count
        if count < minimum || value.allSatisfy(\.isWhitespace) && minimum > 0 {
            throw ToolError("\"\(field)\" must not be empty")
        }
        if count > maximum { throw ToolError("\"\(field)\" must be at most \(maximum) characters long (got \(count))") }
        return value
    }

    static func timestamp(_ value: String, _ field: String) throws(ToolError) -> Timestamp {
        guard let timestamp = Timestamp(rfc3339: value) else {
            throw ToolError("\"\(field)\" must be an RFC 3339 date-time with a UTC offset, e.g. \"2026-12-01T09:00:00+01:00\"; got \"\(clip(value))\"")
        }
        return timestamp
    }

    static func interval(start: Timestamp, end: Timestamp) throws(ToolError) {
        guard end.epochMilliseconds > start.epochMilliseconds else {
            throw ToolError("\"end\" (\(end.text)) must be after \"start\" (\(start.text))")
        }
        let duration = end.epochMilliseconds - start.epochMilliseconds
        guard duration <= maxDurationMilliseconds else {
            let minutes = duration / 60_000
            throw ToolError("A booking can last at most 24 hours; this one lasts \(minutes / 60) h \(minutes % 60) min")
        }
    }

    static func timeZone(_ value: String) throws(ToolError) -> String {
        guard !value.isEmpty, value.count <= 64, TimeZone(identifier: value) != nil else {
            throw ToolError("\"time_zone\" must be an IANA time zone name such as \"Europe/Berlin\"; \"\(clip(value))\" is not one")
        }
        return value
    }

    static func email(_ value: String) throws(ToolError) -> String {
        guard isValidEmail(value) else {
            throw ToolError("\"attendee_email\" must be a valid email address such as \"ada@example.com\"; got \"\(clip(value))\"")
        }
        return value
    }

    /// A pragmatic address check: local@domain with a dotted, resolvable-looking domain.
    static func isValidEmail(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count <= 254, let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard (1...64).contains(local.count), (3...253).contains(domain.count) else { return false }
        let localSpecials = Set("!#$%&'*+/=?^_`{|}~-.".utf8)
        for byte in local {
            let alnum = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
            guard alnum || localSpecials.contains(byte) || byte >= 0x80 else { return false }
        }
        guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              !zip(local, local.dropFirst()).contains(where: { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") })
        else { return false }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for byte in label {
                let alnum = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                guard alnum || byte == UInt8(ascii: "-") || byte >= 0x80 else { return false }
            }
        }
        let tld = labels.last!
        return tld.count >= 2 && !tld.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// Long user input is shortened when echoed back in a message.
    static func clip(_ value: String) -> String {
        value.count <= 80 ? value : String(value.prefix(77)) + "..."
    }
}
