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

/// RFC 3339 formatting and parsing without Foundation's slow DateFormatter.
enum Timestamp {
    static func iso8601(millisecondsSinceEpoch ms: Int64, fractional: Bool = false) -> String {
        var seconds = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let date = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                          Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        return fractional ? date + String(format: ".%03dZ", Int(ms % 1000)) : date + "Z"
    }

    /// Parses `YYYY-MM-DD` (meaning: through the end of that day, UTC) or a full RFC 3339 time.
    /// Returns milliseconds since the epoch of the moment the validity ends.
    static func parseExpiry(_ text: String) -> Int64? {
        if text.count == 10, let day = parseDate(text) { return day + 86_400_000 }
        return parseRFC3339(text)
    }

    /// `YYYY-MM-DD` → milliseconds at 00:00 UTC of that day.
    static func parseDate(_ text: String) -> Int64? {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
              let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
              CivilDate.isValid(year: year, month: month, day: day) else { return nil }
        return Int64(CivilDate.daysSinceEpoch(year: year, month: month, day: day)) * 86_400_000
    }

    static func parseRFC3339(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        return nil
    }
}
