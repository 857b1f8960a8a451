/// Integer and decimal parsing straight from field bytes, so typed columns never build a String.
/// Anything these fast paths do not handle (hex, "inf", more than 18 digits...) returns nil and the
/// caller falls back to `FieldType.convert`, which keeps the accepted syntax identical.
enum NumberParsing {
    /// Leading/trailing spaces and tabs are ignored, matching FieldType.convert.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var start = 0, end = bytes.count
        while start < end && (bytes[start] == 32 || bytes[start] == 9) { start += 1 }
        while end > start && (bytes[end - 1] == 32 || bytes[end - 1] == 9) { end -= 1 }
        return (start, end)
    }

    @inline(__always)
    static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var (i, end) = trimmed(bytes)
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end, end - i <= 18 else { return nil }
        var value: Int64 = 0
        while i < end {
            let digit = bytes[i] &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
            i += 1
        }
        return negative ? -value : value
    }

    /// Exact powers of ten (every one up to 1e22 is representable), as a literal so no lazy
    /// global initialisation runs on the hot path.
    @inline(__always)
    private static func powerOfTen(_ exponent: Int) -> Double {
        switch exponent {
        case 0: 1e0; case 1: 1e1; case 2: 1e2; case 3: 1e3; case 4: 1e4; case 5: 1e5; case 6: 1e6
        case 7: 1e7; case 8: 1e8; case 9: 1e9; case 10: 1e10; case 11: 1e11; case 12: 1e12; case 13: 1e13
        case 14: 1e14; case 15: 1e15; case 16: 1e16; case 17: 1e17; case 18: 1e18; case 19: 1e19
        case 20: 1e20; case 21: 1e21; default: 1e22
        }
    }

    /// Plain decimals ("-12.50", "3", "1e5") with at most 15 significant digits, where one
    /// multiplication or division by an exact power of ten gives the correctly rounded result.
    @inline(__always)
    static func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var (i, end) = trimmed(bytes)
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: Int64 = 0
        var digits = 0
        var scale = 0
        var sawDigit = false
        while i < end, bytes[i] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ Int64(bytes[i] &- 48)
            if mantissa != 0 { digits += 1 }
            sawDigit = true
            i += 1
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, bytes[i] &- 48 < 10 {
                mantissa = mantissa &* 10 &+ Int64(bytes[i] &- 48)
                if mantissa != 0 { digits += 1 }
                scale -= 1
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit, digits <= 15 else { return nil }
        if i < end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var exponentNegative = false
            if i < end, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var exponent = 0
            var sawExponentDigit = false
            while i < end, bytes[i] &- 48 < 10, exponent < 1000 {
                exponent = exponent * 10 + Int(bytes[i] &- 48)
                sawExponentDigit = true
                i += 1
            }
            guard sawExponentDigit else { return nil }
            scale += exponentNegative ? -exponent : exponent
        }
        guard i == end, scale >= -22, scale <= 22 else { return nil }
        var value = Double(mantissa)
        value = scale < 0 ? value / powerOfTen(-scale) : value * powerOfTen(scale)
        return negative ? -value : value
    }
}
