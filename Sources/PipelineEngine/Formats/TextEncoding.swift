/// Character encodings a files connection can read and write. Everything is converted to UTF-8
/// on the way in (and from it on the way out), so the parsers only ever see UTF-8 bytes.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case latin1 = "iso-8859-1"
    case windows1252 = "windows-1252"
    case utf16le = "utf-16le"
    case utf16be = "utf-16be"

    /// The encoding a byte-order mark announces, and the mark's length.
    static func fromByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> (TextEncoding, Int)? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return (.utf8, 3) }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (.utf16le, 2) }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (.utf16be, 2) }
        return nil
    }
}

/// Windows-1252 differs from ISO-8859-1 only in 0x80...0x9F, where it has printable characters
/// (€, curly quotes, dashes). The five undefined positions map to the C1 controls, as browsers do.
enum Windows1252 {
    static let high: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    static func scalar(for byte: UInt8) -> UInt32 {
        (0x80...0x9F).contains(byte) ? high[Int(byte) - 0x80] : UInt32(byte)
    }

    /// The byte for a scalar, when Windows-1252 has one.
    static func byte(for scalar: UInt32) -> UInt8? {
        if scalar < 0x80 || (0xA0...0xFF).contains(scalar) { return UInt8(scalar) }
        if let index = high.firstIndex(of: scalar) { return UInt8(0x80 + index) }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Appends a scalar's UTF-8 form.
    @inline(__always)
    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            append(UInt8(scalar))
        case 0x80..<0x800:
            append(UInt8(0xC0 | (scalar >> 6)))
            append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            append(UInt8(0xE0 | (scalar >> 12)))
            append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            append(UInt8(0xF0 | (scalar >> 18)))
            append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
