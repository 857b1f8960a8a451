import CivilDate
import JSON

/// Field values every toolset's records write the same way.
extension JSONValue {
    /// An instant as an RFC 3339 UTC time (`2026-12-02T09:30:00Z`), or null when there is none.
    public static func time(_ epochMilliseconds: Int64?) -> JSONValue {
        epochMilliseconds.map { .string(RFC3339.format(epochMilliseconds: $0)) } ?? .null
    }

    /// A string, or null when there is none.
    public static func nullable(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}
