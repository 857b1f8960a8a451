import CivilDate
import Foundation

/// A 5-field cron expression (minute hour day-of-month month day-of-week), the one implementation
/// every plugin's schedules go through (header section 8).
///
/// Fields take numbers, `*`, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`; months and weekdays
/// also take English three-letter names; weekday 0 and 7 are both Sunday. As in Vixie cron, when
/// both day fields are restricted (neither starts with `*`) a day matching either one fires.
struct CronExpression: Sendable, Equatable {
    private(set) var minutes: UInt64 = 0  // bit n: minute n
    private(set) var hours: UInt64 = 0
    private(set) var daysOfMonth: UInt64 = 0
    private(set) var months: UInt64 = 0
    private(set) var weekdays: UInt64 = 0  // bit 0: Sunday
    private(set) var anyDayOfMonth = false
    private(set) var anyWeekday = false

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private struct Field {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]  // names[i] means range.lowerBound + i
    }

    private static let fields = [
        Field(name: "minute", range: 0...59, names: []),
        Field(name: "hour", range: 0...23, names: []),
        Field(name: "day of month", range: 1...31, names: []),
        Field(name: "month", range: 1...12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        Field(name: "day of week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ]

    init(_ text: String) throws {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ParseError(description: "cron expression \"\(text)\" has \(parts.count) fields; it needs 5 (minute hour day-of-month month day-of-week)")
        }
        var masks: [UInt64] = []
        for (part, field) in zip(parts, Self.fields) { masks.append(try Self.parse(part, field)) }
        minutes = masks[0]
        hours = masks[1]
        daysOfMonth = masks[2]
        months = masks[3]
        weekdays = masks[4] & 0x7F | (masks[4] >> 7 & 1)  // 7 is Sunday too
        anyDayOfMonth = parts[2].hasPrefix("*")
        anyWeekday = parts[4].hasPrefix("*")
    }

    private static func parse(_ text: String, _ field: Field) throws -> UInt64 {
        var mask: UInt64 = 0
        for item in text.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ParseError(description: "cron \(field.name) \"\(item)\" has more than one /") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value >= 1, value <= field.range.upperBound else {
                    throw ParseError(description: "cron \(field.name) step \"\(pieces[1])\" must be a number from 1 to \(field.range.upperBound)")
                }
                step = value
            }
            var bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = field.range
            } else {
                let ends = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw ParseError(description: "cron \(field.name) \"\(item)\" is not a number, name or range") }
                let low = try value(ends[0], field)
                let high = ends.count == 2 ? try value(ends[1], field) : (pieces.count == 2 ? field.range.upperBound : low)
                guard low <= high else { throw ParseError(description: "cron \(field.name) range \"\(pieces[0])\" runs backwards") }
                bounds = low...high
            }
            for number in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) { mask |= 1 << UInt64(number) }
        }
        return mask
    }

    private static func value(_ text: Substring, _ field: Field) throws -> Int {
        if let number = Int(text), field.range.contains(number) { return number }
        if let index = field.names.firstIndex(of: String(text)) { return field.range.lowerBound + index }
        throw ParseError(description: "cron \(field.name) \"\(text)\" is not within \(field.range.lowerBound)–\(field.range.upperBound)\(field.names.isEmpty ? "" : " or a name such as \(field.names[0])")")
    }

    private func has(_ mask: UInt64, _ bit: Int) -> Bool { mask >> UInt64(bit) & 1 == 1 }

    /// Does the expression fire on this local date?
    private func matchesDay(month: Int, day: Int, weekday: Int) -> Bool {
        guard has(months, month) else { return false }
        let byMonthDay = has(daysOfMonth, day), byWeekday = has(weekdays, weekday)
        switch (anyDayOfMonth, anyWeekday) {
        case (true, true): return true
        case (true, false): return byWeekday
        case (false, true): return byMonthDay
        case (false, false): return byMonthDay || byWeekday
        }
    }

    /// The first instant strictly after `afterMs` (ms since the epoch) at which the expression fires
    /// in `zone`, or nil if it never does within five years (e.g. February 30th).
    ///
    /// Daylight saving time: a local time the clocks skip fires once, at the first instant after the
    /// gap; a local time that occurs twice fires once, at its first occurrence.
    func next(after afterMs: Int64, in zone: TimeZone) -> Int64? {
        let start = (afterMs / 60_000 + 1) * 60_000  // the next whole minute
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let first = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date(timeIntervalSince1970: Double(start) / 1000))
        guard var day = calendar.date(from: DateComponents(year: first.year, month: first.month, day: first.day, hour: 12)) else { return nil }
        for _ in 0..<(5 * 366) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let year = parts.year, let month = parts.month, let dayOfMonth = parts.day, let weekday = parts.weekday,
               matchesDay(month: month, day: dayOfMonth, weekday: weekday - 1) {
                for hour in 0..<24 where has(hours, hour) {
                    for minute in 0..<60 where has(minutes, minute) {
                        guard let instant = Self.instant(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute, in: zone),
                              instant >= start else { continue }
                        return instant
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    /// The instant (ms) of a local wall-clock time: its first occurrence if the clocks show it twice,
    /// the end of the gap if they skip it.
    static func instant(year: Int, month: Int, day: Int, hour: Int, minute: Int, in zone: TimeZone) -> Int64? {
        let wall = Int64(CivilDate.daysSinceEpoch(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60)
        // The offsets in force around this wall time (12 h either side covers every real transition).
        let offsets = Set([zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - 43_200))),
                           zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall + 43_200)))].map(Int64.init))
        let valid = offsets.map { wall - $0 }.filter { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0)))) == wall - $0 }
        if let earliest = valid.min() { return earliest * 1000 }
        // Skipped: the transition that skipped it.
        let before = wall - (offsets.max() ?? 0)
        guard let transition = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(before - 1))) else { return nil }
        return Int64(transition.timeIntervalSince1970) * 1000
    }
}
