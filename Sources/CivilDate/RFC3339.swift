/// RFC 3339 (§5.6) dates and date-times: the one parser and formatter every part of Toolhost uses
/// — JSON Schema's `date`/`date-time` formats, the CLI's `--expires`/`--trial-until`/`--since`,
/// and Swift toolsets (Scheduling) — so all of them accept exactly the same strings.
///
/// Accepted: `YYYY-MM-DD` "T" `HH:MM:SS` [`.` one or more digits] ("Z" | `±HH:MM`), "T" and "Z"
/// in either case, a real calendar day, hour 00–23, minute 00–59, and second 60 only for a leap
/// second, i.e. when the time is 23:59 in UTC. Not accepted: ISO 8601's other forms (week or
/// ordinal dates, basic format, a missing offset, `+01` without minutes), extended years, any
/// non-ASCII digit, surrounding whitespace.
public struct RFC3339DateTime: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    /// 0–60 (60 only for a leap second).
    public let second: Int
    /// The fraction's first three digits (further digits are truncated).
    public let millisecond: Int
    /// Minutes east of UTC: +02:00 is 120, Z is 0.
    public let offsetMinutes: Int

    /// The UTC instant. A leap second counts as the last millisecond of its minute, so that
    /// 23:59:60 orders after 23:59:59.999 and before the next day.
    public var epochMilliseconds: Int64 {
        let days = Int64(CivilDate.daysSinceEpoch(year: year, month: month, day: day))
        let secondOfDay = Int64(hour * 3600 + minute * 60 + min(second, 59))
        let local = days * 86_400_000 + secondOfDay * 1000 + Int64(second == 60 ? 999 : millisecond)
        return local - Int64(offsetMinutes) * 60_000
    }

    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ RFC3339DateTime(bytes: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    public init?(bytes: UnsafeRawBufferPointer) {
        var scanner = RFC3339Scanner(bytes)
        guard let date = scanner.fullDate(), scanner.take(either: "T", "t"),
              let hour = scanner.number(2), hour <= 23, scanner.take(":"),
              let minute = scanner.number(2), minute <= 59, scanner.take(":"),
              let second = scanner.number(2), second <= 60
        else { return nil }
        var millisecond = 0
        if scanner.take(".") {
            guard let fraction = scanner.fractionMilliseconds() else { return nil }
            millisecond = fraction
        }
        guard let offset = scanner.offsetMinutes(), scanner.atEnd else { return nil }
        (year, month, day) = date
        (self.hour, self.minute, self.second, self.millisecond, offsetMinutes) = (hour, minute, second, millisecond, offset)
        if second == 60 && !isLeapSecondMinute { return nil }
    }

    /// A leap second is inserted at the end of a UTC day: 23:59 UTC, whatever the local offset.
    private var isLeapSecondMinute: Bool {
        let minuteOfDayUTC = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
        return minuteOfDayUTC == 23 * 60 + 59
    }
}

public enum RFC3339 {
    /// `YYYY-MM-DD` (RFC 3339 full-date) with a real calendar day, and nothing else.
    public static func fullDate(_ text: String) -> (year: Int, month: Int, day: Int)? {
        var text = text
        return text.withUTF8 { buffer in
            var scanner = RFC3339Scanner(UnsafeRawBufferPointer(buffer))
            guard let date = scanner.fullDate(), scanner.atEnd else { return nil }
            return date
        }
    }

    /// `2026-11-23T07:00:00Z` (or `…:00.123Z` with `fractional`) for an instant, always in UTC.
    public static func format(epochMilliseconds: Int64, fractional: Bool = false) -> String {
        let days = floorDivide(epochMilliseconds, 86_400_000)
        let millisecondOfDay = Int(epochMilliseconds - days * 86_400_000)
        let (year, month, day) = CivilDate.civil(daysSinceEpoch: Int(days))
        let second = millisecondOfDay / 1000
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(second / 3600, 2) + ":" + pad(second / 60 % 60, 2) + ":" + pad(second % 60, 2)
        if fractional { text += "." + pad(millisecondOfDay % 1000, 3) }
        return text + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Division rounding towards negative infinity (instants before 1970 land on the right day).
public func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
}

/// Reads the pieces of an RFC 3339 string, ASCII digits only, left to right.
private struct RFC3339Scanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
        index += 1
        return true
    }

    mutating func take(either first: Unicode.Scalar, _ second: Unicode.Scalar) -> Bool { take(first) || take(second) }

    /// Exactly `count` ASCII digits as a number.
    mutating func number(_ count: Int) -> Int? {
        guard bytes.count - index >= count else { return nil }
        var value = 0
        for offset in 0..<count {
            let byte = bytes[index + offset]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        index += count
        return value
    }

    mutating func fullDate() -> (year: Int, month: Int, day: Int)? {
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2),
              CivilDate.isValid(year: year, month: month, day: day) else { return nil }
        return (year, month, day)
    }

    /// One or more digits after the ".", as milliseconds (truncated).
    mutating func fractionMilliseconds() -> Int? {
        let start = index
        var milliseconds = 0
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 {
            if index - start < 3 { milliseconds = milliseconds * 10 + Int(bytes[index] - 0x30) }
            index += 1
        }
        let count = index - start
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) { milliseconds *= 10 }
        return milliseconds
    }

    /// "Z" / "z" or ±HH:MM (hour 00–23, minute 00–59), as minutes east of UTC.
    mutating func offsetMinutes() -> Int? {
        if take(either: "Z", "z") { return 0 }
        let sign: Int
        if take("+") { sign = 1 } else if take("-") { sign = -1 } else { return nil }
        guard let hours = number(2), hours <= 23, take(":"), let minutes = number(2), minutes <= 59 else { return nil }
        return sign * (hours * 60 + minutes)
    }
}
