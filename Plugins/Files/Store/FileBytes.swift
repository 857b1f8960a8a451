import CCrypto
import ToolsetKit
#if canImport(Glibc)
import Glibc
#endif

/// The bytes of the tenant's files, in the (tenant, plugin) files folder the host hands out, each
/// under its id alone: no name an operator or agent typed ever becomes part of a path, so no name
/// can reach outside the folder.
struct FileBytes {
    let folder: String

    func path(of id: String) -> String { folder + "/" + id }

    /// A regular file is there (the host refuses to stream anything else; a file removed by hand is
    /// answered like an unshared one).
    func exists(_ id: String) -> Bool {
        var info = stat()
        return lstat(path(of: id), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    func remove(_ id: String) { unlink(path(of: id)) }

    /// Copies `source` in to `id` in fixed-size chunks, hashing as it goes: memory stays flat for a
    /// file of any size. The copy is written under a temporary name and renamed once complete, so a
    /// file id never names half a file (a crash leaves only a `.part` file behind).
    func copyIn(from source: String, as id: String) throws -> (size: Int64, sha256: String) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ToolError("cannot read \(source): \(Self.errorText())") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw ToolError("\(source) is not a regular file") }

        let temporary = path(of: "." + id + ".part")
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw InternalError("cannot create \(temporary): \(Self.errorText())") }
        let hash = SHA256Stream()
        do {
            var size: Int64 = 0
            var buffer = [UInt8](repeating: 0, count: Limits.copyChunk)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ToolError("reading \(source) failed: \(Self.errorText())")
                }
                if count == 0 { break }
                try buffer.withUnsafeBytes { chunk in
                    let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
                    hash.update(bytes)
                    try Self.writeAll(output, bytes, to: temporary)
                }
                size += Int64(count)
            }
            guard fsync(output) == 0 else { throw InternalError("fsync of \(temporary) failed: \(Self.errorText())") }
            close(output)
            guard rename(temporary, path(of: id)) == 0 else { throw InternalError("cannot rename \(temporary): \(Self.errorText())") }
            return (size, hash.finish())
        } catch {
            close(output)
            unlink(temporary)
            throw error
        }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, to name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw InternalError("writing \(name) failed: \(errorText())")
            }
            offset += written
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// SHA-256 over chunks (libcrypto's EVP digest), lower-case hex at the end.
final class SHA256Stream {
    private let context: OpaquePointer

    init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    func finish() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
