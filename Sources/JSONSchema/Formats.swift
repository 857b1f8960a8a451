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
        case .dateTime: return RFC3339DateTime(string) != nil
        case .date: return RFC3339.fullDate(string) != nil
        case .email: return isEmail(string)
        case .uri: return isURI(string)
        }
    }
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
