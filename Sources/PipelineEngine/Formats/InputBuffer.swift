import Glibc

/// A file read in large blocks into one buffer that always holds UTF-8: other encodings are
/// transcoded block by block as they arrive, and a byte-order mark is dropped. Parsers scan
/// `bytes[position..<count]` and call `refill` when a record runs past the end; the unconsumed
/// tail moves to the front, so memory stays at one block plus the longest record.
final class InputBuffer {
    static let blockSize = 1 << 20
    /// No single record may be longer than this; a file with no record ends (or a binary file)
    /// otherwise would be read into memory whole.
    static let maxRecordSize = 16 << 20

    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// Valid bytes in `bytes`.
    private(set) var count = 0
    private(set) var isAtEnd = false
    private(set) var encoding: TextEncoding

    private var fd: Int32
    private let path: String
    private var raw: [UInt8] = []
    /// A UTF-16 code unit split across two blocks (odd byte, or a high surrogate).
    private var pendingByte: UInt8?
    private var pendingHighSurrogate: UInt32?
    private var started = false

    init(path: String, encoding: TextEncoding) throws {
        self.path = path
        self.encoding = encoding
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw EngineError("cannot open \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))") }
        capacity = InputBuffer.blockSize
        // One spare byte past the end, so scanners may peek one byte without a bounds check.
        bytes = .allocate(capacity: capacity + 1)
        bytes[capacity] = 0
        // A UTF-16 byte-order mark is unambiguous, so it wins over the default UTF-8.
        if encoding == .utf8 {
            var head: (UInt8, UInt8) = (0, 0)
            if pread(fd, &head, 2, 0) == 2 {
                if head == (0xFF, 0xFE) { self.encoding = .utf16le }
                if head == (0xFE, 0xFF) { self.encoding = .utf16be }
            }
        }
    }

    deinit {
        closeFile()
        bytes.deallocate()
    }

    /// Releases the file descriptor early (a stream closed before its end); later refills find nothing.
    func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
        isAtEnd = true
    }

    static func displayName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Drops bytes before `consumed`, then reads more. Returns false when nothing more came (end of file).
    func refill(keepingFrom consumed: Int) throws -> Bool {
        let kept = count - consumed
        if consumed > 0 && kept > 0 { memmove(bytes, bytes + consumed, kept) }
        count = kept
        if count >= capacity - 4 {
            guard capacity < InputBuffer.maxRecordSize else {
                throw EngineError("\(InputBuffer.displayName(path)) has a record longer than \(InputBuffer.maxRecordSize >> 20) MiB (is the delimiter or quote setting right?)")
            }
            grow()
        }
        var appended = false
        while !appended && !isAtEnd {
            appended = try readBlock()
        }
        return appended
    }

    private func grow() {
        let newCapacity = min(capacity * 2, InputBuffer.maxRecordSize)
        let newBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + 1)
        newBytes.update(from: bytes, count: count)
        newBytes[newCapacity] = 0
        bytes.deallocate()
        bytes = newBytes
        capacity = newCapacity
    }

    /// Reads one block and appends its UTF-8 form. False when the block added nothing.
    private func readBlock() throws -> Bool {
        let free = capacity - count
        if encoding == .utf8 {
            let n = try readSome(into: bytes + count, max: free)
            count += n
            if !started { dropUTF8ByteOrderMark() }
            return n > 0
        }
        // Transcoding can grow text: Latin-1 up to 2×, UTF-16 up to 1.5×.
        let rawMax = max(free / 2, 1)
        if raw.count < rawMax { raw = [UInt8](repeating: 0, count: rawMax) }
        let n = try raw.withUnsafeMutableBufferPointer { buffer in try readSome(into: buffer.baseAddress!, max: rawMax) }
        var utf8: [UInt8] = []
        utf8.reserveCapacity(n * 3 / 2 + 4)
        raw.withUnsafeBufferPointer { transcode(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &utf8) }
        utf8.withUnsafeBufferPointer { (bytes + count).update(from: $0.baseAddress!, count: $0.count) }
        count += utf8.count
        return !utf8.isEmpty || n > 0
    }

    private func readSome(into pointer: UnsafeMutablePointer<UInt8>, max: Int) throws -> Int {
        while true {
            let n = read(fd, pointer, max)
            if n > 0 { return n }
            if n == 0 { isAtEnd = true; return 0 }
            if errno == EINTR { continue }
            throw EngineError("cannot read \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))")
        }
    }

    private func dropUTF8ByteOrderMark() {
        guard count >= 3 || isAtEnd else { return }
        started = true
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            memmove(bytes, bytes + 3, count - 3)
            count -= 3
        }
    }

    private func transcode(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var start = 0
        if !started, encoding == .utf16le || encoding == .utf16be {
            if input.count >= 2, (encoding == .utf16le && input[0] == 0xFF && input[1] == 0xFE) || (encoding == .utf16be && input[0] == 0xFE && input[1] == 0xFF) {
                start = 2
            }
        }
        started = true
        switch encoding {
        case .utf8:
            out.append(contentsOf: input)
        case .latin1:
            for byte in input { out.appendUTF8(UInt32(byte)) }
        case .windows1252:
            for byte in input { out.appendUTF8(Windows1252.scalar(for: byte)) }
        case .utf16le, .utf16be:
            var index = start
            while index < input.count {
                let byte = input[index]
                index += 1
                guard let first = pendingByte else { pendingByte = byte; continue }
                pendingByte = nil
                let unit = encoding == .utf16le ? UInt32(first) | UInt32(byte) << 8 : UInt32(first) << 8 | UInt32(byte)
                appendUTF16(unit, into: &out)
            }
            if isAtEnd, pendingHighSurrogate != nil { out.appendUTF8(0xFFFD); pendingHighSurrogate = nil }
        }
    }

    private func appendUTF16(_ unit: UInt32, into out: inout [UInt8]) {
        if let high = pendingHighSurrogate {
            pendingHighSurrogate = nil
            if (0xDC00...0xDFFF).contains(unit) {
                out.appendUTF8(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                return
            }
            out.appendUTF8(0xFFFD)
        }
        switch unit {
        case 0xD800...0xDBFF: pendingHighSurrogate = unit
        case 0xDC00...0xDFFF: out.appendUTF8(0xFFFD)
        default: out.appendUTF8(unit)
        }
    }
}
