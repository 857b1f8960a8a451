import CShims
import Foundation
import Glibc

/// One plugin library, made safe to dlopen:
///
/// 1. **Trust, like sshd's StrictModes.** A plugin is native code inside the daemon's process, so
///    anyone who can write the file (or swap it in its folder) owns the daemon. The file and the
///    folder it is in must belong to root or to the daemon's user and must not be writable by group
///    or others; otherwise the file is refused with a line saying which path and which mode.
/// 2. **A private copy.** The bytes are copied into a sealed memfd and dlopen maps that, never the
///    file. `cp new.so plugins/notes.so` over a loaded library rewrites the pages the dynamic linker
///    mapped from it (the same inode), and the daemon's next call jumps into garbage; with the copy,
///    the file on disk can be overwritten, replaced or deleted while the daemon runs, and the new
///    version takes effect at the next start.
///
/// The memfd stays open for the life of the process: glibc recognises an already-loaded library by
/// its path, and a closed descriptor's number (its `/proc/self/fd/N` path) would be reused by the
/// next plugin, which dlopen would then mistake for the previous one.
struct PluginFile {
    /// The name in the plugins folder (what logs and `toolhost plugins` show, and what host.db's
    /// plugin assignments name).
    let file: String
    /// The memfd holding the private copy; dlopen is given its `/proc/self/fd/N` path.
    let memoryDescriptor: Int32
    var loadPath: String { "/proc/self/fd/\(memoryDescriptor)" }
    /// The file's identity on disk, so a library reached twice (symlink, hard link) loads once.
    let identity: FileIdentity

    struct FileIdentity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    /// Checks the folder a plugin may come from (same rule as for the files in it).
    static func checkFolder(_ directory: String) -> String? {
        var info = stat()
        guard stat(directory, &info) == 0 else { return nil }  // a missing folder is reported by the caller
        return unsafeOwnership(of: info, path: directory, what: "plugins folder")
    }

    /// Opens `file` in `directory`: nil when it is not a regular file (skipped silently, like
    /// any other non-library entry); a refusal when it is unsafe or unreadable.
    static func open(_ file: String, in directory: String) -> Result<PluginFile, PluginLoader.Refusal>? {
        let path = directory + "/" + file
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.init(reason: "cannot open: \(String(cString: strerror(errno)))")) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        if let unsafe = unsafeOwnership(of: info, path: path, what: "file") { return .failure(.init(reason: unsafe)) }
        // Through a symlink the file may live elsewhere: its real folder must be as safe as ours.
        if let real = realpath(path, nil) {
            let realFolder = (String(cString: real) as NSString).deletingLastPathComponent
            free(real)
            if realFolder != directory, let unsafe = checkFolder(realFolder) { return .failure(.init(reason: unsafe)) }
        }
        let identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        return privateCopy(of: descriptor, file: file).map { PluginFile(file: file, memoryDescriptor: $0, identity: identity) }
    }

    /// nil when `info` is owned by root or by us and not writable by group or others.
    private static func unsafeOwnership(of info: stat, path: String, what: String) -> String? {
        let owner = info.st_uid
        if owner != 0 && owner != geteuid() {
            return "\(what) \(path) belongs to uid \(owner), neither root nor the daemon's user (uid \(geteuid())); plugins are native code in the daemon's process, so only those may own them"
        }
        let sharedWrite = info.st_mode & (S_IWGRP | S_IWOTH)
        // A sticky, root-owned folder such as /tmp protects its entries from other users; it still
        // lets them add files, so it is no place for plugins either.
        if sharedWrite != 0 {
            let mode = String(info.st_mode & 0o7777, radix: 8)
            return "\(what) \(path) is writable by \(info.st_mode & S_IWOTH != 0 ? "every user" : "its group") (mode 0\(mode)); plugins are native code in the daemon's process: chmod go-w \(path)"
        }
        return nil
    }

    /// Frees the copy of a library dlopen refused (nothing was mapped under its path).
    func discard() { close(memoryDescriptor) }

    /// Copies the open file into a sealed memfd and returns its descriptor.
    private static func privateCopy(of source: Int32, file: String) -> Result<Int32, PluginLoader.Refusal> {
        let memory = cshims_memfd_create("toolhost-plugin:" + file)
        guard memory >= 0 else { return .failure(.init(reason: "cannot create a private copy (memfd_create): \(String(cString: strerror(errno)))")) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                close(memory)
                return .failure(.init(reason: "cannot read: \(String(cString: strerror(errno)))"))
            }
            var written = 0
            while written < count {
                let step = buffer.withUnsafeBytes { write(memory, $0.baseAddress! + written, count - written) }
                if step < 0 && errno == EINTR { continue }
                guard step > 0 else {
                    close(memory)
                    return .failure(.init(reason: "cannot copy into memory: \(String(cString: strerror(errno)))"))
                }
                written += step
            }
        }
        // Sealed, not even the daemon can change the copy; a failure here only loses that guarantee.
        if cshims_memfd_seal(memory) != 0 { Log.warning("plugins", "could not seal the private copy of \(file): \(String(cString: strerror(errno)))") }
        return .success(memory)
    }
}
