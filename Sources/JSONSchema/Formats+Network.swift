/// Internet-address formats: email, hostname, ipv4, ipv6, uri.

/// Deliberately simple: one "@", a non-empty local part, a dotted domain, no whitespace.
/// Byte-level on purpose: it runs for every email-typed value of every call, and Foundation's
/// String searching bridges through NSString.
func isEmail(_ string: String) -> Bool {
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
func isURI(_ string: String) -> Bool {
    let scalars = Array(string.unicodeScalars)
    guard let colon = scalars.firstIndex(of: ":"), colon > 0, colon + 1 < scalars.count else { return false }
    func isAlpha(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
    guard isAlpha(scalars[0]) else { return false }
    for s in scalars[1..<colon] where !(isAlpha(s) || ("0"..."9").contains(s) || s == "+" || s == "-" || s == ".") {
        return false
    }
    return !scalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
}

/// RFC 1123 host name: dot-separated labels of 1–63 ASCII letters, digits and hyphens, not
/// starting or ending with a hyphen; 253 bytes at most. No trailing dot, no empty label.
func isHostname(_ string: String) -> Bool {
    let bytes = Array(string.utf8)
    guard !bytes.isEmpty, bytes.count <= 253 else { return false }
    for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
        guard !label.isEmpty, label.count <= 63,
              label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
        for byte in label where !(isDigit(byte) || isASCIILetter(byte) || byte == UInt8(ascii: "-")) { return false }
    }
    return true
}

private func isASCIILetter(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
}

/// Dotted quad: four decimal numbers 0–255 without leading zeros (which some parsers read as octal).
func isIPv4(_ string: String) -> Bool {
    isIPv4(Array(string.utf8)[...])
}

private func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
    let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 4 else { return false }
    for part in parts {
        guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
        if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
        var value = 0
        for digit in part { value = value * 10 + Int(digit - UInt8(ascii: "0")) }
        if value > 255 { return false }
    }
    return true
}

/// RFC 4291 text form: eight groups of 1–4 hex digits, one "::" standing for one or more zero
/// groups, optionally ending in a dotted quad worth two groups. No zone index ("%eth0").
func isIPv6(_ string: String) -> Bool {
    let bytes = Array(string.utf8)
    guard bytes.count >= 2, bytes.count <= 45 else { return false }
    let colon = UInt8(ascii: ":")
    // Locate a "::" (at most one).
    var gap: Int?
    var index = 0
    while index + 1 < bytes.count {
        if bytes[index] == colon && bytes[index + 1] == colon {
            if gap != nil { return false }
            gap = index
            index += 2
        } else {
            index += 1
        }
    }
    func groups(_ part: ArraySlice<UInt8>, mayEndInIPv4: Bool) -> Int? {
        if part.isEmpty { return 0 }
        let pieces = part.split(separator: colon, omittingEmptySubsequences: false)
        var count = 0
        for (i, piece) in pieces.enumerated() {
            if mayEndInIPv4, i == pieces.count - 1, piece.contains(UInt8(ascii: ".")) {
                guard isIPv4(piece) else { return nil }
                count += 2
            } else {
                guard (1...4).contains(piece.count), piece.allSatisfy(isHexDigit) else { return nil }
                count += 1
            }
        }
        return count
    }
    if let gap {
        guard let head = groups(bytes[..<gap], mayEndInIPv4: false),
              let tail = groups(bytes[(gap + 2)...], mayEndInIPv4: true) else { return false }
        return head + tail <= 7
    }
    return groups(bytes[...], mayEndInIPv4: true) == 8
}
