// Byte-level HTTP/1.x request parsing: request line, header section, chunked bodies.
// Works on raw buffers so the hot path never goes through Foundation string APIs;
// Strings are only created for the values handed to the handler.

/// A protocol error the server answers itself (then closes the connection).
struct HTTPError: Error {
    let status: Int
    let message: String
}

/// Request line and headers, validated, with the body framing already decided.
struct ParsedHead {
    var method: String
    var target: String
    var version: String
    var headers: HTTPHeaders
    /// Declared body length (0 when there is no body and no chunked coding).
    var contentLength: Int
    var chunked: Bool
    var keepAlive: Bool
    var expectContinue: Bool
    var isHEAD: Bool
}

enum HeadParseResult {
    /// The header section is not complete yet; resume scanning at `scannedTo` next time.
    case incomplete(scannedTo: Int)
    /// `consumed` bytes (leading blank lines + head) belong to this head.
    case complete(ParsedHead, consumed: Int)
    case failure(HTTPError)
}

private let CR = UInt8(ascii: "\r")
private let LF = UInt8(ascii: "\n")
private let SP = UInt8(ascii: " ")
private let HT = UInt8(ascii: "\t")
private let COLON = UInt8(ascii: ":")

/// RFC 9110 token characters, as a 256-entry table for a single lookup per byte.
private let isTokenByte: [Bool] = {
    var table = [Bool](repeating: false, count: 256)
    for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)] = true }
    for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)] = true }
    for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)] = true }
    for c in "!#$%&'*+-.^_`|~".utf8 { table[Int(c)] = true }
    return table
}()

struct RequestHeadParser {
    let maxHeaderBytes: Int
    let maxBodyBytes: Int

    /// Parses one request head from the front of `buf`. `scanFrom` is where the previous
    /// call stopped looking for the blank line, so slow clients don't cause rescans.
    func parse(_ buf: UnsafeBufferPointer<UInt8>, scanFrom: Int) -> HeadParseResult {
        // RFC 9112 §2.2: ignore empty lines received before the request line. They still count
        // towards the header size limit, so an endless stream of CRLFs is cut like any other
        // oversized head rather than buffered until the timeout.
        var start = 0
        while start < buf.count, buf[start] == CR || buf[start] == LF { start += 1 }
        guard let end = findHeadEnd(buf, from: max(scanFrom, start + 1), start: start) else {
            if buf.count > maxHeaderBytes { return .failure(headersTooLarge) }
            return .incomplete(scannedTo: max(buf.count, start))
        }
        if end > maxHeaderBytes { return .failure(headersTooLarge) }
        do {
            let head = try parseHead(UnsafeBufferPointer(rebasing: buf[start..<end]))
            return .complete(head, consumed: end)
        } catch let error as HTTPError {
            return .failure(error)
        } catch {
            return .failure(HTTPError(status: 400, message: "Bad request"))
        }
    }

    private var headersTooLarge: HTTPError {
        HTTPError(status: 431, message: "Request header section larger than \(maxHeaderBytes) bytes")
    }

    /// Index just past the blank line ending the head, or nil. Accepts CRLF and bare LF.
    private func findHeadEnd(_ buf: UnsafeBufferPointer<UInt8>, from: Int, start: Int) -> Int? {
        var i = from
        while i < buf.count {
            if buf[i] == LF {
                if buf[i - 1] == LF { return i + 1 }
                if i - 2 >= start, buf[i - 1] == CR, buf[i - 2] == LF { return i + 1 }
            }
            i += 1
        }
        return nil
    }

    /// Parses `head` (request line through the terminating blank line).
    private func parseHead(_ head: UnsafeBufferPointer<UInt8>) throws -> ParsedHead {
        var lines = LineIterator(buf: head)
        guard let requestLine = try lines.next() else { throw bad("Malformed request line") }
        let (method, target, version, minor) = try parseRequestLine(requestLine)

        var headers = HTTPHeaders()
        var contentLength: Int? = nil
        var transferEncodings = 0
        var chunked = false
        var connectionClose = false
        var connectionKeepAlive = false
        var expectContinue = false
        var hostHeaders = 0

        while let line = try lines.next(), line.count > 0 {
            let (nameRange, valueRange) = try splitHeaderLine(line)
            let name = UnsafeBufferPointer(rebasing: line[nameRange])
            let value = UnsafeBufferPointer(rebasing: line[valueRange])
            let valueString = String(decoding: value, as: UTF8.self)
            switch name.count {
            case 14 where bytesEqualFold(name, "content-length"):
                let length = try parseContentLength(value)
                if let previous = contentLength, previous != length { throw bad("Conflicting Content-Length headers") }
                contentLength = length
            case 17 where bytesEqualFold(name, "transfer-encoding"):
                transferEncodings += 1
                chunked = bytesEqualFold(trimmed(value), "chunked")
            case 10 where bytesEqualFold(name, "connection"):
                forEachToken(value) { token in
                    if bytesEqualFold(token, "close") { connectionClose = true }
                    if bytesEqualFold(token, "keep-alive") { connectionKeepAlive = true }
                }
            case 6 where bytesEqualFold(name, "expect"):
                expectContinue = bytesEqualFold(trimmed(value), "100-continue")
            case 4 where bytesEqualFold(name, "host"):
                hostHeaders += 1
            default:
                break
            }
            headers.add(String(decoding: name, as: UTF8.self), valueString)
        }

        // RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one Host header.
        if minor >= 1 && hostHeaders != 1 {
            throw bad(hostHeaders == 0 ? "Missing Host header (required in HTTP/1.1)" : "More than one Host header")
        }
        if transferEncodings > 0 {
            // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing (a 1.0
            // intermediary may not have understood it); answering 400 also closes the connection.
            if minor == 0 { throw bad("Transfer-Encoding is not allowed in HTTP/1.0") }
            if contentLength != nil { throw bad("Both Content-Length and Transfer-Encoding present") }
            if transferEncodings > 1 || !chunked { throw bad("Unsupported Transfer-Encoding (only chunked)") }
        }
        let length = contentLength ?? 0
        if length > maxBodyBytes {
            throw HTTPError(status: 413, message: "Request body larger than \(maxBodyBytes) bytes")
        }
        let keepAlive = minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        let isHEAD = method == "HEAD"
        return ParsedHead(method: method, target: target, version: version, headers: headers,
                          contentLength: length, chunked: chunked, keepAlive: keepAlive,
                          expectContinue: expectContinue && minor >= 1 && (length > 0 || chunked),
                          isHEAD: isHEAD)
    }

    /// `METHOD SP request-target SP HTTP/x.y`; anything else is a 400, an unknown version a 505.
    private func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws -> (String, String, String, Int) {
        guard let sp1 = line.firstIndex(of: SP), sp1 > 0 else { throw bad("Malformed request line") }
        for i in 0..<sp1 where !isTokenByte[Int(line[i])] { throw bad("Malformed request method") }
        let targetStart = sp1 + 1
        var sp2 = targetStart
        while sp2 < line.count, line[sp2] != SP {
            // Visible ASCII plus raw UTF-8 bytes; control characters are never valid in a target.
            if line[sp2] < 0x21 || line[sp2] == 0x7F { throw bad("Malformed request target") }
            sp2 += 1
        }
        guard sp2 > targetStart, sp2 < line.count else { throw bad("Malformed request line") }
        let versionBytes = UnsafeBufferPointer(rebasing: line[(sp2 + 1)...])
        guard versionBytes.count == 8, bytesEqual(UnsafeBufferPointer(rebasing: versionBytes[0..<5]), "HTTP/"),
              versionBytes[6] == UInt8(ascii: "."),
              isDigit(versionBytes[5]), isDigit(versionBytes[7]) else {
            throw bad("Malformed HTTP version")
        }
        guard versionBytes[5] == UInt8(ascii: "1"), versionBytes[7] <= UInt8(ascii: "1") else {
            throw HTTPError(status: 505, message: "HTTP version not supported (use HTTP/1.1 or HTTP/1.0)")
        }
        let minor = Int(versionBytes[7] - UInt8(ascii: "0"))
        let method = String(decoding: UnsafeBufferPointer(rebasing: line[0..<sp1]), as: UTF8.self)
        let target = String(decoding: UnsafeBufferPointer(rebasing: line[targetStart..<sp2]), as: UTF8.self)
        return (method, target, minor == 1 ? "HTTP/1.1" : "HTTP/1.0", minor)
    }

    /// Splits `name: value`, rejecting obs-fold, whitespace before the colon and control bytes.
    private func splitHeaderLine(_ line: UnsafeBufferPointer<UInt8>) throws -> (Range<Int>, Range<Int>) {
        if line[0] == SP || line[0] == HT { throw bad("Obsolete header line folding is not accepted") }
        guard let colon = line.firstIndex(of: COLON), colon > 0 else { throw bad("Malformed header line") }
        for i in 0..<colon where !isTokenByte[Int(line[i])] { throw bad("Malformed header name") }
        var vs = colon + 1, ve = line.count
        while vs < ve, line[vs] == SP || line[vs] == HT { vs += 1 }
        while ve > vs, line[ve - 1] == SP || line[ve - 1] == HT { ve -= 1 }
        for i in vs..<ve {
            let b = line[i]
            if (b < 0x20 && b != HT) || b == 0x7F { throw bad("Invalid character in header value") }
        }
        return (0..<colon, vs..<ve)
    }

    private func parseContentLength(_ value: UnsafeBufferPointer<UInt8>) throws -> Int {
        guard value.count > 0, value.count <= 18 else { throw bad("Invalid Content-Length") }
        var n = 0
        for b in value {
            guard isDigit(b) else { throw bad("Invalid Content-Length") }
            n = n * 10 + Int(b - UInt8(ascii: "0"))
        }
        return n
    }

    private func bad(_ message: String) -> HTTPError { HTTPError(status: 400, message: message) }
}

/// Iterates the lines of a complete head, stripping CRLF/LF. A bare CR inside a line is an error.
private struct LineIterator {
    let buf: UnsafeBufferPointer<UInt8>
    var pos = 0

    mutating func next() throws -> UnsafeBufferPointer<UInt8>? {
        guard pos < buf.count else { return nil }
        var end = pos
        while end < buf.count, buf[end] != LF { end += 1 }
        let next = end + 1
        if end > pos, buf[end - 1] == CR { end -= 1 }
        let line = UnsafeBufferPointer(rebasing: buf[pos..<end])
        pos = next
        if line.contains(CR) { throw HTTPError(status: 400, message: "Bare CR in request head") }
        return line
    }
}

/// Incremental decoder for `Transfer-Encoding: chunked`; survives arbitrary packet splits.
struct ChunkedDecoder {
    /// Longest chunk-size line accepted (size, extensions and CRLF), in bytes.
    static let maxSizeLine = 1024
    private enum State { case size, data(remaining: Int), dataEnd, trailer }
    private var state = State.size
    private var trailerBytes = 0

    enum Result {
        case needMore(consumed: Int)
        case done(consumed: Int)
        case failure(HTTPError)
    }

    /// Decodes as much of `buf` as possible, appending payload to `body`.
    mutating func decode(_ buf: UnsafeBufferPointer<UInt8>, into body: inout [UInt8],
                         maxBodyBytes: Int, maxTrailerBytes: Int) -> Result {
        var pos = 0
        while true {
            switch state {
            case .size:
                // Only the first maxSizeLine + 1 bytes are searched: the limit holds whether the
                // line arrives byte by byte or all at once in one packet.
                let window = buf[pos..<min(buf.count, pos + ChunkedDecoder.maxSizeLine + 1)]
                guard let lf = window.firstIndex(of: LF) else {
                    if window.count > ChunkedDecoder.maxSizeLine { return .failure(HTTPError(status: 400, message: "Chunk size line too long")) }
                    return .needMore(consumed: pos)
                }
                guard let size = parseChunkSize(UnsafeBufferPointer(rebasing: buf[pos..<lf])) else {
                    return .failure(HTTPError(status: 400, message: "Malformed chunk size"))
                }
                if body.count + size > maxBodyBytes {
                    return .failure(HTTPError(status: 413, message: "Request body larger than \(maxBodyBytes) bytes"))
                }
                pos = lf + 1
                state = size == 0 ? .trailer : .data(remaining: size)
            case .data(let remaining):
                let n = min(remaining, buf.count - pos)
                if n == 0 { return .needMore(consumed: pos) }
                body.append(contentsOf: UnsafeBufferPointer(rebasing: buf[pos..<(pos + n)]))
                pos += n
                state = n == remaining ? .dataEnd : .data(remaining: remaining - n)
            case .dataEnd:
                if pos < buf.count, buf[pos] == LF { pos += 1; state = .size; continue }
                guard buf.count - pos >= 2 else { return .needMore(consumed: pos) }
                guard buf[pos] == CR, buf[pos + 1] == LF else {
                    return .failure(HTTPError(status: 400, message: "Missing CRLF after chunk data"))
                }
                pos += 2
                state = .size
            case .trailer:
                // Trailer fields are read and dropped; an empty line ends the message.
                guard let lf = buf[pos...].firstIndex(of: LF) else {
                    if trailerBytes + buf.count - pos > maxTrailerBytes {
                        return .failure(HTTPError(status: 431, message: "Chunked trailer section too large"))
                    }
                    return .needMore(consumed: pos)
                }
                let lineLength = lf - pos
                trailerBytes += lineLength + 1
                if trailerBytes > maxTrailerBytes {
                    return .failure(HTTPError(status: 431, message: "Chunked trailer section too large"))
                }
                let empty = lineLength == 0 || (lineLength == 1 && buf[pos] == CR)
                pos = lf + 1
                if empty { return .done(consumed: pos) }
            }
        }
    }

    /// Hex size, optionally followed by `;extensions`, with an optional trailing CR.
    private func parseChunkSize(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var size = 0, digits = 0, i = 0
        while i < line.count, let v = hexValue(line[i]) {
            if digits == 15 { return nil }   // would overflow any sane limit
            size = size << 4 | v
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        while i < line.count, line[i] == SP || line[i] == HT { i += 1 }
        if i < line.count, line[i] != UInt8(ascii: ";"), !(line[i] == CR && i == line.count - 1) { return nil }
        return size
    }
}

// MARK: - Byte helpers

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

@inline(__always) private func hexValue(_ b: UInt8) -> Int? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
    default: return nil
    }
}

/// Exact byte comparison against an ASCII literal.
private func bytesEqual(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    guard bytes.count == literal.utf8CodeUnitCount else { return false }
    let lit = literal.utf8Start
    for i in 0..<bytes.count where bytes[i] != lit[i] { return false }
    return true
}

/// ASCII case-insensitive comparison against a lowercase literal.
private func bytesEqualFold(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
    guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
    let lit = lowercase.utf8Start
    for i in 0..<bytes.count {
        var b = bytes[i]
        if b >= UInt8(ascii: "A"), b <= UInt8(ascii: "Z") { b |= 0x20 }
        if b != lit[i] { return false }
    }
    return true
}

private func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    var s = 0, e = bytes.count
    while s < e, bytes[s] == SP || bytes[s] == HT { s += 1 }
    while e > s, bytes[e - 1] == SP || bytes[e - 1] == HT { e -= 1 }
    return UnsafeBufferPointer(rebasing: bytes[s..<e])
}

/// Calls `body` for each trimmed, non-empty element of a comma-separated list.
private func forEachToken(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    var s = 0
    while s <= bytes.count {
        var e = s
        while e < bytes.count, bytes[e] != UInt8(ascii: ",") { e += 1 }
        let token = trimmed(UnsafeBufferPointer(rebasing: bytes[s..<e]))
        if token.count > 0 { body(token) }
        s = e + 1
    }
}
