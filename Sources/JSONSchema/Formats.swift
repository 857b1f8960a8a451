import CivilDate
/// The `format` values that are asserted. Other formats are annotations and ignored.
extension StringFormat {
    init?(name: String) {
        switch name {
        case "date-time": self = .dateTime
        case "date": self = .date
        case "email": self = .email
        case "uri": self = .uri
        default: return nil
        }
    }

    var failureMessage: String {
        switch self {
        case .dateTime: return "must be a valid date-time (RFC 3339, e.g. 2026-05-01T09:00:00+02:00)"
        case .date: return "must be a valid date (YYYY-MM-DD)"
        case .email: return "must be a valid email address"
        case .uri: return "must be a valid URI"
        }
    }

    func accepts(_ string: String) -> Bool {
        switch self {
        case .dateTime: return isDateTime(Array(string.utf8))
        case .date: let bytes = Array(string.utf8); return bytes.count == 10 && isFullDate(bytes[...])
        case .email: return isEmail(string)
        case .uri: return isURI(string)
        }
    }
}

/// Reads `count` ASCII digits at `start`; nil if any is not a digit or the slice is too short.
private func digits(_ bytes: ArraySlice<UInt8>, _ start: Int, _ count: Int) -> Int? {
    let from = bytes.startIndex + start
    guard from + count <= bytes.endIndex else { return nil }
    var value = 0
    for index in from..<(from + count) {
        let byte = bytes[index]
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        value = value * 10 + Int(byte - 0x30)
    }
    return value
}

private func byte(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt8? {
    let index = bytes.startIndex + offset
    return index < bytes.endIndex ? bytes[index] : nil
}

/// RFC 3339 full-date: YYYY-MM-DD with a real calendar day (leap years included).
private func isFullDate(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard bytes.count >= 10,
          let year = digits(bytes, 0, 4), byte(bytes, 4) == UInt8(ascii: "-"),
          let month = digits(bytes, 5, 2), byte(bytes, 7) == UInt8(ascii: "-"),
          let day = digits(bytes, 8, 2)
    else { return false }
    return CivilDate.isValid(year: year, month: month, day: day)
}

/// RFC 3339 date-time: full-date "T" HH:MM:SS[.fraction] ("Z" / ±HH:MM). "T" and "Z" may be lowercase.
private func isDateTime(_ all: [UInt8]) -> Bool {
    let bytes = all[...]
    guard bytes.count >= 20, isFullDate(bytes[0..<10]) else { return false }
    guard let t = byte(bytes, 10), t == UInt8(ascii: "T") || t == UInt8(ascii: "t") else { return false }
    guard let hour = digits(bytes, 11, 2), byte(bytes, 13) == UInt8(ascii: ":"),
          let minute = digits(bytes, 14, 2), byte(bytes, 16) == UInt8(ascii: ":"),
          let second = digits(bytes, 17, 2),
          hour <= 23, minute <= 59, second <= 60
    else { return false }
    var offset = 19
    if byte(bytes, offset) == UInt8(ascii: ".") {
        offset += 1
        let fractionStart = offset
        while let b = byte(bytes, offset), b >= 0x30 && b <= 0x39 { offset += 1 }
        guard offset > fractionStart else { return false }
    }
    guard let zone = byte(bytes, offset) else { return false }
    if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") { return offset + 1 == bytes.count }
    guard zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-"), offset + 6 == bytes.count,
          let offsetHour = digits(bytes, offset + 1, 2), byte(bytes, offset + 3) == UInt8(ascii: ":"),
          let offsetMinute = digits(bytes, offset + 4, 2)
    else { return false }
    return offsetHour <= 23 && offsetMinute <= 59
}

/// Deliberately simple: one "@", a non-empty local part, a dotted domain, no whitespace.
/// Byte-level on purpose: it runs for every email-typed value of every call, and Foundation's
/// String searching bridges through NSString.
private func isEmail(_ string: String) -> Bool {
    let bytes = Array(string.utf8)
    guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0, at + 1 < bytes.count,
          !bytes[(at + 1)...].contains(UInt8(ascii: "@")) else { return false }
    let domain = bytes[(at + 1)...]
    guard domain.contains(UInt8(ascii: ".")), domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: ".") else { return false }
    var previous: UInt8 = 0
    for byte in domain {
        if byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return false }
        previous = byte
    }
    if bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return true }  // the common, ASCII case
    return !string.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
}

/// An absolute URI: a scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")), ":", something, no whitespace.
private func isURI(_ string: String) -> Bool {
    let scalars = Array(string.unicodeScalars)
    guard let colon = scalars.firstIndex(of: ":"), colon > 0, colon + 1 < scalars.count else { return false }
    func isAlpha(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
    guard isAlpha(scalars[0]) else { return false }
    for s in scalars[1..<colon] where !(isAlpha(s) || ("0"..."9").contains(s) || s == "+" || s == "-" || s == ".") {
        return false
    }
    return !scalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
}
