// The Range request header (RFC 9110 §14), for responses whose length is known up front.

/// What a `Range` header asks of a representation of `length` bytes.
public enum ByteRangeRequest: Equatable, Sendable {
    /// No usable Range header: send everything with 200. Also the answer for several ranges
    /// ("bytes=0-1,5-6"): RFC 9110 lets a server ignore Range, and a multipart/byteranges body
    /// is not worth its cost for downloads; a client asking for several gets the whole file.
    case whole
    /// One satisfiable range, inclusive bounds already clipped to the length: send 206.
    case partial(first: Int64, last: Int64)
    /// A single range that lies wholly past the end (or a suffix of zero bytes): send 416
    /// with `Content-Range: bytes */length`.
    case unsatisfiable

    /// Parses `header` (nil: none) against a representation of `length` bytes. Anything that is
    /// not a single `bytes=` range spec (another unit, garbage) is ignored, as RFC 9110 requires.
    public init(header: String?, length: Int64) {
        guard let header else { self = .whole; return }
        let trimmed = header.trimmingSpaces
        guard trimmed.hasPrefixIgnoringCase("bytes=") else { self = .whole; return }
        let spec = trimmed.dropFirst(6).trimmingSpacesSubstring
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let firstText = spec[..<dash].trimmingSpacesSubstring
        let lastText = spec[spec.index(after: dash)...].trimmingSpacesSubstring
        if firstText.isEmpty {
            // "-n": the last n bytes.
            guard let suffix = Int64(digits: lastText) else { self = .whole; return }
            guard suffix > 0, length > 0 else { self = .unsatisfiable; return }
            self = .partial(first: max(0, length - suffix), last: length - 1)
            return
        }
        guard let first = Int64(digits: firstText) else { self = .whole; return }
        var last = length - 1
        if !lastText.isEmpty {
            guard let given = Int64(digits: lastText) else { self = .whole; return }
            guard given >= first else { self = .whole; return }   // invalid: ignored, not 416
            last = min(given, length - 1)
        }
        guard first < length else { self = .unsatisfiable; return }
        self = .partial(first: first, last: last)
    }
}

private extension Int64 {
    /// Only ASCII digits (no sign, no spaces), and no overflow.
    init?(digits: Substring) {
        guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self.init(digits)
    }
}

private extension StringProtocol {
    var trimmingSpaces: Substring { Substring(self).trimmingSpacesSubstring }

    func hasPrefixIgnoringCase(_ prefix: String) -> Bool {
        guard utf8.count >= prefix.utf8.count else { return false }
        return zip(utf8, prefix.utf8).allSatisfy { $0 | 0x20 == $1 | 0x20 }
    }
}

private extension Substring {
    var trimmingSpacesSubstring: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
