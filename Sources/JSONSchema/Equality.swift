import Foundation
import JSON

/// JSON Schema equality: numbers compare by value (1 == 1.0), objects ignore member order,
/// strings compare code point by code point (Swift's `==` would equate "é" and "e\u{301}").
func jsonEquals(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.string(let x), .string(let y)): return sameCodePoints(x, y)
    case (.int(let x), .int(let y)): return x == y
    case (.double(let x), .double(let y)): return x == y
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return compareInt(x, y) == 0
    case (.array(let x), .array(let y)):
        guard x.count == y.count else { return false }
        for (l, r) in zip(x, y) where !jsonEquals(l, r) { return false }
        return true
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        for member in x.members {
            guard let other = y[member.key], jsonEquals(member.value, other) else { return false }
        }
        return true
    default: return false
    }
}

/// Byte equality of the UTF-8 forms, which is code point equality. `withUTF8` does not copy a
/// native string, so this is one memcmp, as cheap as `==` on the ASCII strings enums hold.
private func sameCodePoints(_ x: String, _ y: String) -> Bool {
    var x = x, y = y
    return x.withUTF8 { a in
        y.withUTF8 { b in a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0) }
    }
}

/// Exact three-way comparison of an Int64 with a Double (no rounding of large integers).
/// Returns nil for NaN.
func compareInt(_ x: Int64, _ d: Double) -> Int? {
    if d.isNaN { return nil }
    if d >= 9_223_372_036_854_775_808.0 { return -1 }
    if d < -9_223_372_036_854_775_808.0 { return 1 }
    let floor = d.rounded(.down)
    let whole = Int64(floor)
    if x < whole { return -1 }
    if x > whole { return 1 }
    return floor == d ? 0 : -1
}

/// Three-way comparison of a JSON number with a schema bound; nil when the value is not a number.
func compare(_ value: JSONValue, _ bound: SchemaNumber) -> Int? {
    switch (value, bound) {
    case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
    case (.int(let x), .double(let y)): return compareInt(x, y)
    case (.double(let x), .int(let y)): return compareInt(y, x).map { -$0 }
    case (.double(let x), .double(let y)):
        if x.isNaN || y.isNaN { return nil }
        return x < y ? -1 : (x > y ? 1 : 0)
    default: return nil
    }
}

func isMultiple(_ value: JSONValue, of divisor: SchemaNumber) -> Bool? {
    let x: Double
    switch (value, divisor) {
    case (.int(let v), .int(let m)): return v % m == 0
    case (.int(let v), .double): x = Double(v)
    case (.double(let v), _): x = v
    default: return nil
    }
    let m: Double
    switch divisor {
    case .int(let i): m = Double(i)
    case .double(let d): m = d
    }
    let quotient = x / m
    guard quotient.isFinite else { return false }
    // Decimal divisors (0.01) are not exact in binary; accept a relative error of 1e-9.
    return abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient))
}

/// Indices of the first pair of equal items, or nil.
func firstDuplicate(_ items: [JSONValue]) -> (Int, Int)? {
    guard items.count > 1 else { return nil }
    for j in 1..<items.count {
        for i in 0..<j where jsonEquals(items[i], items[j]) { return (i, j) }
    }
    return nil
}
