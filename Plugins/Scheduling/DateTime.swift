import CivilDate

/// An RFC 3339 date-time as the caller wrote it, plus its UTC instant.
struct Timestamp: Sendable {
    /// Exactly what the caller sent (their offset is kept for display).
    let text: String
    /// Milliseconds since the Unix epoch (UTC).
    let epochMilliseconds: Int64

    /// Whole UTC seconds, rounded down: what the database orders and compares.
    var epochSeconds: Int64 { floorDivide(epochMilliseconds, 1000) }

    /// An RFC 3339 date-time with its offset, as CivilDate's one parser reads it (the same strings
    /// the host's `date-time` format check accepts).
    init?(rfc3339 text: String) {
        guard let parsed = RFC3339DateTime(text) else { return nil }
        self.text = text
        self.epochMilliseconds = parsed.epochMilliseconds
    }
}

/// `2026-11-23T07:00:00Z` for a host-clock instant.
func utcString(epochMilliseconds: Int64) -> String { RFC3339.format(epochMilliseconds: epochMilliseconds) }
