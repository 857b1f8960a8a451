import CivilDate
#if canImport(Glibc)
import Glibc
#endif

/// An RFC 3339 date-time as the caller wrote it, plus its UTC instant.
struct Timestamp: Sendable {
    /// Exactly what the caller sent (their offset is kept for display).
    let text: String
    /// Milliseconds since the Unix epoch (UTC).
    let epochMilliseconds: Int64

    /// Whole UTC seconds, rounded down: what the database orders and compares.
    var epochSeconds: Int64 { floorDivide(epochMilliseconds, 1000) }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. The offset is mandatory.
    init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 40 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<start + count {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        guard CivilDate.isValid(year: year, month: month, day: day),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var index = 19
        var milliseconds = 0
        if index < b.count, b[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 { index += 1 }
            let count = index - start
            guard count >= 1, count <= 9 else { return nil }
            for i in 0..<3 { milliseconds = milliseconds * 10 + (start + i < index ? Int(b[start + i] - 48) : 0) }
        }
        guard index < b.count else { return nil }
        var offsetMinutes = 0
        switch b[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(index + 1, 2), index + 3 < b.count, b[index + 3] == UInt8(ascii: ":"),
                  let om = digits(index + 4, 2), oh <= 23, om <= 59 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        // A leap second (:60) is counted as the last millisecond of its minute.
        let secondOfDay = hour * 3600 + minute * 60 + min(second, 59)
        var ms = Int64(days) * 86_400_000 + Int64(secondOfDay) * 1000 + Int64(second == 60 ? 999 : milliseconds)
        ms -= Int64(offsetMinutes) * 60_000
        self.text = text
        self.epochMilliseconds = ms
    }
}

func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}


/// `2026-11-23T07:00:00Z` for a host-clock instant.
func utcString(epochMilliseconds: Int64) -> String {
    var seconds = time_t(floorDivide(epochMilliseconds, 1000))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
        let s = String(value)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
        + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
}
