/// Makes a log message one line of printable text, whatever is interpolated into it.
///
/// Log lines carry values from outside (client names and ids, addresses, paths, tenant names,
/// plugin messages). A newline in one of them would start a line that looks like the daemon's
/// own (`2026-… ERROR [x] forged`), and a NUL or another control character confuses whatever
/// reads the log. Log escapes every message itself so that no caller can forget: C0 controls,
/// DEL, C1 controls and the Unicode line and paragraph separators become visible escapes
/// (`\n`, `\r`, `\t`, `\x00`, `\u{2028}`); everything else is kept as it is.
enum LogEscaping {
    static func escaped(_ text: String) -> String {
        // Almost every line is clean: one pass over the bytes, no copy.
        guard text.utf8.contains(where: needsLook) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F, 0x80..<0xA0: out += "\\x" + hex(scalar.value, digits: 2)
            case 0x2028, 0x2029: out += "\\u{" + hex(scalar.value, digits: 4) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Bytes that are, or may start, a character to escape: C0 and DEL themselves; 0xC2 leads
    /// the C1 controls, 0xE2 the line and paragraph separators (the scalar pass decides).
    private static func needsLook(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
