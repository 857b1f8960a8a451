import CivilDate
import Foundation
import Glibc

/// Wall-clock time for the host and for plugins (host_api.now_ms).
enum Clock {
    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// For durations: never jumps when the wall clock is adjusted.
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// The CLI's and logs' times, through the one RFC 3339 parser and formatter (CivilDate), so a
/// time the CLI accepts is exactly a time a tool's `date-time` argument accepts.
enum Timestamp {
    static func iso8601(millisecondsSinceEpoch ms: Int64, fractional: Bool = false) -> String {
        RFC3339.format(epochMilliseconds: ms, fractional: fractional)
    }

    /// Parses `YYYY-MM-DD` (meaning: through the end of that day, UTC) or a full RFC 3339 time.
    /// Returns milliseconds since the epoch of the moment the validity ends.
    static func parseExpiry(_ text: String) -> Int64? {
        if let day = parseDate(text) { return day + 86_400_000 }
        return parseRFC3339(text)
    }

    /// `YYYY-MM-DD` → milliseconds at 00:00 UTC of that day.
    static func parseDate(_ text: String) -> Int64? {
        guard let (year, month, day) = RFC3339.fullDate(text) else { return nil }
        return Int64(CivilDate.daysSinceEpoch(year: year, month: month, day: day)) * 86_400_000
    }

    static func parseRFC3339(_ text: String) -> Int64? { RFC3339DateTime(text)?.epochMilliseconds }
}
