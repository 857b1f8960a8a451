import Glibc

// Rows written to and read back from an unlinked temporary file, for operators whose input may
// not fit in memory (sort). The file is removed from the directory as soon as it is created, so
// a crash or SIGKILL leaves nothing behind.

final class SpillFile {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var readBuffer: [UInt8] = []
    private var readPosition = 0
    private var atEnd = false

    init(directory: String) throws {
        var template = Array((directory + "/toolhost-spill-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw EngineError("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        buffer.reserveCapacity(1 << 20)
    }

    deinit { close(fd) }

    func append(_ row: DataRow) throws {
        buffer.append(contentsOf: UInt32(row.count).bytes)
        for value in row {
            switch value {
            case .null: buffer.append(0)
            case .bool(let b): buffer.append(b ? 2 : 1)
            case .int(let i): buffer.append(3); buffer.append(contentsOf: UInt64(bitPattern: i).bytes)
            case .double(let d): buffer.append(4); buffer.append(contentsOf: d.bitPattern.bytes)
            case .text(let s):
                buffer.append(5)
                let utf8 = Array(s.utf8)
                buffer.append(contentsOf: UInt32(utf8.count).bytes)
                buffer.append(contentsOf: utf8)
            }
        }
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else { throw EngineError("cannot write a temporary file: \(String(cString: strerror(errno)))") }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Ends writing; reading starts from the first row.
    func rewind() throws {
        try flush()
        buffer = []
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw EngineError("cannot rewind a temporary file") }
    }

    func read() throws -> DataRow? {
        guard let count = try readUInt32() else { return nil }
        var row = DataRow()
        row.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let tag = try readBytes(1)?.first else { throw EngineError("a temporary file ended early") }
            switch tag {
            case 0: row.append(.null)
            case 1, 2: row.append(.bool(tag == 2))
            case 3: row.append(.int(Int64(bitPattern: try readUInt64())))
            case 4: row.append(.double(Double(bitPattern: try readUInt64())))
            default:
                guard let length = try readUInt32(), let bytes = try readBytes(Int(length)) else { throw EngineError("a temporary file ended early") }
                row.append(.text(String(decoding: bytes, as: UTF8.self)))
            }
        }
        return row
    }

    private func readUInt32() throws -> UInt32? {
        guard let bytes = try readBytes(4) else { return nil }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    private func readUInt64() throws -> UInt64 {
        guard let bytes = try readBytes(8) else { throw EngineError("a temporary file ended early") }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    private func readBytes(_ n: Int) throws -> ArraySlice<UInt8>? {
        while readBuffer.count - readPosition < n {
            if atEnd { return nil }
            readBuffer.removeFirst(readPosition)
            readPosition = 0
            var chunk = [UInt8](repeating: 0, count: max(1 << 20, n))
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            guard got >= 0 else { throw EngineError("cannot read a temporary file: \(String(cString: strerror(errno)))") }
            if got == 0 { atEnd = true } else { readBuffer.append(contentsOf: chunk[0..<got]) }
        }
        defer { readPosition += n }
        return readBuffer[readPosition..<(readPosition + n)]
    }
}

private extension FixedWidthInteger {
    var bytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
