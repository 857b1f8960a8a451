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
}
