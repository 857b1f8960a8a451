import Glibc

/// A file written through a 1 MiB buffer, converting UTF-8 text to the file's encoding.
/// `finish` flushes, fsyncs and closes, so a finished file is on disk before a run reports success.
final class OutputFile {
    static let flushThreshold = 1 << 20

    private var fd: Int32
    private let path: String
    private let encoding: TextEncoding
    private var buffer: [UInt8] = []

    init(path: String, encoding: TextEncoding) throws {
        self.path = path
        self.encoding = encoding
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw EngineError("cannot create \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(OutputFile.flushThreshold + 4096)
        // UTF-16 files start with a byte-order mark so other programs recognise them.
        if encoding == .utf16le { buffer += [0xFF, 0xFE] }
        if encoding == .utf16be { buffer += [0xFE, 0xFF] }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// ASCII bytes (delimiters, quotes, line ends) that are the same in every supported 8-bit encoding.
    @inline(__always)
    func appendASCII(_ byte: UInt8) {
        switch encoding {
        case .utf16le: buffer += [byte, 0]
        case .utf16be: buffer += [0, byte]
        default: buffer.append(byte)
        }
    }

    func appendText(_ text: String) throws {
        switch encoding {
        case .utf8:
            buffer.append(contentsOf: text.utf8)
        case .latin1, .windows1252:
            for scalar in text.unicodeScalars {
                let byte = encoding == .latin1 ? (scalar.value < 0x100 ? UInt8(scalar.value) : nil) : Windows1252.byte(for: scalar.value)
                guard let byte else {
                    throw EngineError("'\(scalar)' (U+\(String(scalar.value, radix: 16, uppercase: true))) cannot be written in \(encoding.rawValue); choose utf-8 for this file")
                }
                buffer.append(byte)
            }
        case .utf16le, .utf16be:
            for unit in text.utf16 {
                let high = UInt8(unit >> 8), low = UInt8(unit & 0xFF)
                buffer += encoding == .utf16le ? [low, high] : [high, low]
            }
        }
    }

    func flushIfFull() throws {
        if buffer.count >= OutputFile.flushThreshold { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw EngineError("cannot write \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        guard fd >= 0 else { return }
        try flush()
        if fsync(fd) != 0 { throw EngineError("cannot save \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))") }
        let result = close(fd)
        fd = -1
        if result != 0 { throw EngineError("cannot close \(InputBuffer.displayName(path)): \(String(cString: strerror(errno)))") }
    }
}
