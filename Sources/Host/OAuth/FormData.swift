// Form and query-string parsing and encoding (`application/x-www-form-urlencoded`).
import Foundation

/// `application/x-www-form-urlencoded` bodies and query strings.
struct FormData {
    private(set) var pairs: [(String, String)] = []

    static func parse(_ text: String) -> FormData {
        var form = FormData()
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            form.pairs.append((decode(pieces[0]), pieces.count > 1 ? decode(pieces[1]) : ""))
        }
        return form
    }

    static func parse(_ bytes: [UInt8]) -> FormData { parse(String(decoding: bytes, as: UTF8.self)) }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// Encodes for a query string (RFC 3986 unreserved characters kept).
    static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
