/// Reading a request's Accept header (RFC 9110 §12.5.1) for the one question Toolhost asks of it
/// beyond "JSON?": may a POST be answered as Server-Sent Events? Only then does a call with a
/// progressToken get its progress (header section 10).
enum AcceptHeader {
    /// text/event-stream, text/* or */* listed without q=0.
    static func allowsEventStream(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { range in
            let parts = range.split(separator: ";").map { trimmed($0).lowercased() }
            guard let type = parts.first, type == "text/event-stream" || type == "text/*" || type == "*/*" else { return false }
            return !parts.dropFirst().contains { parameter in
                parameter.hasPrefix("q=") && Double(parameter.dropFirst(2)) == 0
            }
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
