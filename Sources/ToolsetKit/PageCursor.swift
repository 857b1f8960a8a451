import Foundation

/// Opaque page cursors for list tools: base64url (no padding) of a small versioned text such as
/// `d1:42`. Opaque so clients pass them back unchanged instead of building their own; versioned so
/// a toolset can change what a cursor holds and still recognise (and refuse clearly) old ones.
public enum PageCursor {
    public static func encode(_ text: String) -> String { encode(bytes: Array(text.utf8)) }

    /// Bytes as a cursor (base64url, no padding), for toolsets that seal their cursors.
    public static func encode(bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The text inside a cursor, or nil when `cursor` is not one of ours.
    public static func decode(_ cursor: String) -> String? {
        decodeBytes(cursor).flatMap { String(bytes: $0, encoding: .utf8) }
    }

    /// The bytes inside a cursor, or nil when `cursor` is not base64url.
    public static func decodeBytes(_ cursor: String) -> [UInt8]? {
        guard !cursor.isEmpty, cursor.count <= 1024, !cursor.contains("="), !cursor.contains("+"), !cursor.contains("/") else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }

    /// FNV-1a of a list's filters, to put in its cursors: a cursor then only continues the list it
    /// came from, and one passed with other filters is refused instead of silently skipping items.
    public static func fingerprint(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in parts.joined(separator: "\u{1F}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        return String(hash, radix: 16)
    }

    // MARK: Positions in a list

    /// The cursor of the page after `position` in `list` (a short versioned tag such as "c1"), bound
    /// to the list's `filters`; null at the end (`position` nil).
    public static func next(list: String, filters: [String] = [], position: Int64?) -> JSONValue {
        position.map { .string(encode("\(list):\(fingerprint(filters)):\($0)")) } ?? .null
    }

    /// The position inside a cursor made by `next` for the same list and filters; nil for anything else.
    public static func position(in cursor: String, list: String, filters: [String] = []) -> Int64? {
        let prefix = "\(list):\(fingerprint(filters)):"
        guard let text = decode(cursor), text.hasPrefix(prefix) else { return nil }
        return Int64(text.dropFirst(prefix.count))
    }

    /// What a tool answers for a cursor that is not one of the list's with these filters.
    public static let refusal = "\"cursor\" is not a cursor of this list with these filters; pass next_cursor from the previous page "
        + "unchanged, with the same filters (or leave cursor out to start from the first page)"
}

extension ToolArguments {
    /// The position the `cursor` argument continues `list` from; nil without one. A cursor of
    /// another list, or made with other filters, is refused with PageCursor.refusal.
    public func cursorPosition(list: String, filters: [String] = []) throws(ToolError) -> Int64? {
        guard let text = try optionalString("cursor"), !text.isEmpty else { return nil }
        guard let position = PageCursor.position(in: text, list: list, filters: filters) else { throw ToolError(PageCursor.refusal) }
        return position
    }
}

extension ToolArguments {
    /// An optional integer argument within `range`, `defaultValue` when absent. Out of range is
    /// refused, never clamped: a client asking for 500 rows should learn it gets at most 200.
    public func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ToolError) -> Int {
        let value = try optionalInt(key) ?? defaultValue
        guard range.contains(value) else { throw ToolError("\"\(key)\" must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }

    /// The page size argument `limit`: 1…max, default `defaultValue`.
    public func pageLimit(default defaultValue: Int, max: Int) throws(ToolError) -> Int {
        try integer("limit", default: defaultValue, in: 1...max)
    }
}
