import HTTPServer

/// The headers every answer in a plugin's HTTP space carries (header section 11), whatever the
/// plugin answered: the content is the plugin's, possibly a user's upload, and must never run as
/// a page of this origin, be sniffed into HTML, stay in a cache or leak the link as a Referer.
enum LinkResponses {
    static let securityHeaders: [(String, String)] = [
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "sandbox; default-src 'none'"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
    ]

    /// A host answer (404, 410, 500 …): a short text that never repeats anything from the request.
    static func plain(_ status: Int, _ text: String, allow: String? = nil) -> HTTPResponse {
        var headers = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")])
        if let allow { headers.add("Allow", allow) }
        for (name, value) in securityHeaders { headers.add(name, value) }
        return HTTPResponse(status: status, headers: headers, body: Array((text + "\n").utf8))
    }

    /// A plugin's media type if it is one header-safe token list (printable ASCII, bounded); else
    /// nil, and the caller sends application/octet-stream.
    static func safeContentType(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.utf8.count <= 200, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return text
    }
}

/// `Content-Disposition: attachment` for a name a plugin chose (RFC 6266, with RFC 8187/5987's
/// filename* for the UTF-8 name). The plain `filename` is an ASCII fallback for old clients:
/// every character outside printable ASCII, and '"', '\\' and '%', becomes '_'. Path
/// separators and control characters are dropped first, so a name can never be a path.
enum ContentDisposition {
    static func attachment(filename: String) -> String {
        let cleaned = String(String.UnicodeScalarView(filename.unicodeScalars.filter { scalar in
            scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80..<0xA0).contains(scalar.value) && scalar != "/" && scalar != "\\"
                && scalar.value != 0x2028 && scalar.value != 0x2029
        }))
        guard !cleaned.isEmpty, cleaned.utf8.count <= 1024 else { return "attachment" }
        let fallback = String(String.UnicodeScalarView(cleaned.unicodeScalars.map { scalar in
            scalar.value < 0x7F && scalar != "\"" && scalar != "%" ? scalar : "_"
        }))
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(percentEncoded(cleaned))"
    }

    /// RFC 8187 attr-char kept; every other byte of the UTF-8 name as %XX.
    private static func percentEncoded(_ text: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            let isAttrChar = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || "!#$&+-.^_`|~".utf8.contains(byte)
            if isAttrChar {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
