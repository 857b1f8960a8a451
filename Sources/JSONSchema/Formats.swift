import CivilDate

/// The `format` values Toolhost asserts. Every one listed here is enforced on strings (other
/// types pass, as the specification says); any other name is refused when the schema compiles,
/// so a format is never silently unchecked. Checkers are deliberately strict, byte-level where
/// they run often, and written for the formats' defining RFCs; Internet-address ones live in
/// Formats+Network.swift.
extension StringFormat {
    var name: String {
        switch self {
        case .dateTime: return "date-time"
        case .date: return "date"
        case .time: return "time"
        case .duration: return "duration"
        case .email: return "email"
        case .hostname: return "hostname"
        case .ipv4: return "ipv4"
        case .ipv6: return "ipv6"
        case .uri: return "uri"
        case .uuid: return "uuid"
        case .jsonPointer: return "json-pointer"
        }
    }

    init?(name: String) {
        guard let format = StringFormat.allCases.first(where: { $0.name == name }) else { return nil }
        self = format
    }

    var failureMessage: String {
        switch self {
        case .dateTime: return "must be a valid date-time (RFC 3339, e.g. 2026-05-01T09:00:00+02:00)"
        case .date: return "must be a valid date (YYYY-MM-DD)"
        case .time: return "must be a valid time (RFC 3339, e.g. 09:00:00+02:00)"
        case .duration: return "must be a valid duration (ISO 8601, e.g. P1DT2H or PT30M)"
        case .email: return "must be a valid email address"
        case .hostname: return "must be a valid hostname"
        case .ipv4: return "must be a valid IPv4 address"
        case .ipv6: return "must be a valid IPv6 address"
        case .uri: return "must be a valid URI"
        case .uuid: return "must be a valid UUID (e.g. 123e4567-e89b-12d3-a456-426614174000)"
        case .jsonPointer: return "must be a valid JSON Pointer (RFC 6901)"
        }
    }

    func accepts(_ string: String) -> Bool {
        switch self {
        case .dateTime: return RFC3339DateTime(string) != nil
        case .date: return RFC3339.fullDate(string) != nil
        // RFC 3339 full-time, checked by the one RFC 3339 parser (leap seconds included) on a
        // fixed date; "time" fields are rare enough that the concatenation does not matter.
        case .time: return !string.isEmpty && RFC3339DateTime("2000-01-01T" + string) != nil
        case .duration: return isDuration(string)
        case .email: return isEmail(string)
        case .hostname: return isHostname(string)
        case .ipv4: return isIPv4(string)
        case .ipv6: return isIPv6(string)
        case .uri: return isURI(string)
        case .uuid: return isUUID(string)
        case .jsonPointer: return isJSONPointer(string)
        }
    }
}

/// ISO 8601 duration as profiled by RFC 3339 appendix A: "P", then date parts in the order
/// Y, M, D, then optionally "T" and time parts in the order H, M, S; or "P" n "W" alone. Each
/// part is digits and its letter; at least one part, and at least one after a "T". No fractions.
private func isDuration(_ string: String) -> Bool {
    var bytes = Array(string.utf8)[...]
    guard bytes.popFirst() == UInt8(ascii: "P"), !bytes.isEmpty else { return false }
    if bytes.last == UInt8(ascii: "W") {
        return bytes.dropLast().allSatisfy(isDigit) && bytes.count > 1
    }
    func parts(_ designators: [UInt8], _ rest: inout ArraySlice<UInt8>) -> Int? {
        var next = 0, found = 0
        while let first = rest.first, isDigit(first) {
            let digits = rest.prefix(while: isDigit)
            rest = rest.dropFirst(digits.count)
            guard let letter = rest.popFirst(),
                  let position = designators[next...].firstIndex(of: letter) else { return nil }
            next = position + 1
            found += 1
        }
        return found
    }
    guard let dateParts = parts(Array("YMD".utf8), &bytes) else { return false }
    if bytes.isEmpty { return dateParts > 0 }
    guard bytes.popFirst() == UInt8(ascii: "T"), let timeParts = parts(Array("HMS".utf8), &bytes) else { return false }
    return timeParts > 0 && bytes.isEmpty
}

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

@inline(__always)
func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
}

/// RFC 4122 text form: 8-4-4-4-12 hexadecimal digits, either case.
private func isUUID(_ string: String) -> Bool {
    let bytes = Array(string.utf8)
    guard bytes.count == 36 else { return false }
    for (index, byte) in bytes.enumerated() {
        let isDash = index == 8 || index == 13 || index == 18 || index == 23
        if isDash ? byte != UInt8(ascii: "-") : !isHexDigit(byte) { return false }
    }
    return true
}

/// RFC 6901: empty, or "/"-separated tokens in which "~" is always followed by "0" or "1".
private func isJSONPointer(_ string: String) -> Bool {
    let bytes = Array(string.utf8)
    guard let first = bytes.first else { return true }
    guard first == UInt8(ascii: "/") else { return false }
    for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "~") {
        guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "0") || bytes[index + 1] == UInt8(ascii: "1") else {
            return false
        }
    }
    return true
}
